# News ETL: every command a user or CI runs. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
ES_URL ?= http://127.0.0.1:9200
AIRFLOW_HOME ?= $(CURDIR)/.airflow
export ES_URL AIRFLOW_HOME
# Local runs reach Elasticsearch through the same Airflow Connection the DAG uses in production.
export AIRFLOW_CONN_ELASTICSEARCH_DEFAULT ?= $(ES_URL)
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export UV_PYTHON_DOWNLOADS := never
export PYTHONPATH := $(CURDIR)

.PHONY: install lock es-up es-down es-status demo test test-unit test-integration lint dag-test clean-local

install: $(VENV)/.installed ## .venv with the pinned dependencies

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --python $(BIN)/python --require-hashes requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --no-deps -e .
	touch $@

lock: ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--extra dev --generate-hashes --quiet pyproject.toml -o requirements.lock

es-up: install ## start the real local Elasticsearch (no-op when one answers on ES_URL)
	$(BIN)/python scripts/es_local.py up

es-down: ## stop the local Elasticsearch started by es-up
	@test -x $(BIN)/python && $(BIN)/python scripts/es_local.py down || true

es-status:
	$(BIN)/python scripts/es_local.py status

lint: install ## ruff + mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install ## the whole suite; starts the local Elasticsearch when none answers
	$(BIN)/python scripts/es_local.py up
	$(BIN)/python -m pytest tests

test-unit: install
	$(BIN)/python -m pytest tests/unit tests/dags -m "not integration"
