# One image for the project's code, the Dagster webserver and the Dagster daemon (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    FUNNEL_MAPPINGS_DIR=/opt/funnel/mappings \
    FUNNEL_ZOOM_DROP_DIR=/opt/funnel/zoom_drop \
    FUNNEL_DATA_DIR=/opt/funnel/data

WORKDIR /opt/dagster/app
COPY pyproject.toml README.md ./
COPY funnel_assets ./funnel_assets
COPY sample_data ./sample_data
RUN pip install --no-cache-dir . \
 && mkdir -p "$DAGSTER_HOME" /opt/funnel/mappings /opt/funnel/zoom_drop /opt/funnel/data
COPY deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
COPY deploy/workspace.yaml ./workspace.yaml
