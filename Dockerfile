# One image for the project's code, the Dagster webserver and the Dagster daemon (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    DAGSTER_HOME=/opt/dagster/dagster_home \
    FUNNEL_MAPPINGS_DIR=/opt/funnel/mappings \
    FUNNEL_ZOOM_DROP_DIR=/opt/funnel/zoom_drop \
    FUNNEL_DATA_DIR=/opt/funnel/data

WORKDIR /opt/dagster/app
# The dependencies first, from the lock (exact versions checked against their hashes: the same versions
# `make` installs), in a layer rebuilt only when the lock changes. pip 23.3 is the first to install a
# locked package's extras (gql[requests]) in hash-checking mode; a newer base image's pip passes as is.
COPY requirements.lock ./
RUN pip install --no-cache-dir 'pip>=23.3' \
 && pip install --no-cache-dir --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY funnel_assets ./funnel_assets
COPY sample_data ./sample_data
# The containers run as `funnel`, not root: whatever the pipeline writes (the drop folder, landing
# files, Dagster's logs) it writes with that user's rights only. The uid is fixed so that the folders
# mounted from the server can be given to it: `sudo chown -R 10001:10001 data/zoom_drop` (or build with
# `--build-arg FUNNEL_UID=<the share owner's uid>`).
ARG FUNNEL_UID=10001
RUN groupadd --gid "$FUNNEL_UID" funnel \
 && useradd --uid "$FUNNEL_UID" --gid funnel --create-home --shell /usr/sbin/nologin funnel
# The project itself, nothing resolved anew (its build backend, setuptools, comes from the lock). Editable,
# so that the package finds the sample data beside it here (the demo defaults of the sources).
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
 && python -m compileall -q funnel_assets \
 && mkdir -p "$DAGSTER_HOME" /opt/funnel/mappings /opt/funnel/zoom_drop /opt/funnel/data
COPY deploy/dagster.yaml "$DAGSTER_HOME/dagster.yaml"
COPY deploy/workspace.yaml ./workspace.yaml
# the folders it writes (a named volume copies this ownership when Docker first creates it)
RUN chown -R funnel:funnel "$DAGSTER_HOME" /opt/funnel/zoom_drop /opt/funnel/data
USER funnel
