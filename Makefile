# Two commands after cloning:  `make demo` (run everything, serve the UI)  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/dagster_home

.PHONY: setup demo run test benchmark-warehouse benchmark-refresh benchmark-crm benchmark-zoom clean

# The virtual environment, rebuilt when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

# Materialise the sample data into the embedded SQLite warehouse, then serve the UI.
demo: setup run
	$(BIN)/dagster dev -m funnel_assets.definitions -h 127.0.0.1 -p 3000

# The demo's drop folder gets the sample Zoom reports once, as the ops person would drop them.
run: setup
	@if [ -z "$$FUNNEL_ZOOM_DROP_DIR" ] && [ ! -d data/zoom_drop/processed ]; then \
		mkdir -p data/zoom_drop && cp -p sample_data/zoom/*.csv data/zoom_drop/; fi
	$(BIN)/dagster job execute -m funnel_assets.definitions -j daily_refresh

test: setup
	$(BIN)/pytest

benchmark-warehouse: setup
	$(BIN)/python -m tools.benchmarks.warehouse_load --rows 1000000

benchmark-refresh: setup
	$(BIN)/python -m tools.benchmarks.daily_refresh

benchmark-crm: setup
	$(BIN)/python -m tools.benchmarks.crm_load --assigned 1000000 --sales 200000

benchmark-zoom: setup
	$(BIN)/python -m tools.benchmarks.zoom_ingest --reports 300

clean:
	rm -rf data .pytest_cache
