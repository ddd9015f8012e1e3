# Two commands after cloning:  `make demo` (run everything, serve the UI)  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/dagster_home

.PHONY: setup lock demo run test lint format production-check benchmark-warehouse benchmark-refresh benchmark-crm benchmark-zoom clean

# Exact versions with their hashes: requirements.lock is the runtime (what the Docker image installs),
# requirements-dev.lock the same versions plus the test tools (what `make` installs here and in CI).
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
UV_VERSION := 0.13.9
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --quiet $(if $(UPGRADE),--upgrade)

# The virtual environment, rebuilt when pyproject.toml or a lock changes: every package from the lock,
# checked against its hashes, then the project itself (editable, built with the locked setuptools,
# no dependency resolved anew).
$(VENV)/.installed: pyproject.toml $(LOCK) $(DEV_LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $@

setup: $(VENV)/.installed

# Update the locks from pyproject.toml: `make lock` after editing its dependencies (every other pin kept),
# `make lock UPGRADE=1` to move everything to the newest versions pyproject.toml allows. Commit both files.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) -o $(LOCK)
	$(UV_COMPILE) --extra dev --constraint $(LOCK) -o $(DEV_LOCK)

# The demo's sample data, generated each time to end yesterday (India time), so the demo's checks are
# green; the committed sample_data/ keeps its fixed dates for the tests. Only the demo reads it: a
# source set in the environment or .env is not overridden.
DEMO_DATA := data/sample
run demo: export FUNNEL_LEADS_SOURCE ?= $(DEMO_DATA)/leads.csv
run demo: export FUNNEL_SPEND_SOURCE ?= $(DEMO_DATA)/spend.csv
run demo: export CRM_ASSIGNED_LEADS_URL ?= $(DEMO_DATA)/crm/assigned_leads.csv
run demo: export CRM_SALES_URL ?= $(DEMO_DATA)/crm/sales.csv

# Materialise the sample data into the embedded SQLite warehouse, then serve the UI.
demo: setup run
	$(BIN)/dg dev --host 127.0.0.1 --port 3000

# The demo's drop folder gets the sample Zoom and event reports once, as the ops person would drop them.
# The run is recorded under the code location the UI serves, so it shows on the Overview and Jobs pages.
run: setup
	@$(BIN)/python -m tools.samples.generate --out $(DEMO_DATA) --through yesterday
	@if [ -z "$$FUNNEL_ZOOM_DROP_DIR" ] && [ ! -d data/zoom_drop/processed ]; then \
		mkdir -p data/zoom_drop && cp -p $(DEMO_DATA)/zoom/*.csv $(DEMO_DATA)/events/*.csv data/zoom_drop/; fi
	$(BIN)/python -m tools.demo_run --job daily_refresh

test: setup
	$(BIN)/pytest

# ruff: the formatter's layout and the linter's rules (pyproject.toml, [tool.ruff]); `make format` applies both
lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# docker-compose.yml's services as local processes against the local PostgreSQL (README, Production)
production-check: setup
	$(BIN)/python -m tools.production_check

benchmark-warehouse: setup
	$(BIN)/python -m tools.benchmarks.warehouse_load --rows 1000000

benchmark-refresh: setup
	$(BIN)/python -m tools.benchmarks.daily_refresh --inputs both

benchmark-crm: setup
	$(BIN)/python -m tools.benchmarks.crm_load --assigned 1000000 --sales 200000

benchmark-zoom: setup
	$(BIN)/python -m tools.benchmarks.zoom_ingest --reports 300

clean:
	rm -rf data .pytest_cache
