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
export AIRFLOW__CORE__EXECUTOR := LocalExecutor
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS ?= admin:admin
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE ?= $(AIRFLOW_HOME)/passwords.json
export AIRFLOW__LOGGING__LOGGING_LEVEL ?= WARNING
export UV_PYTHON_DOWNLOADS := never
export PYTHONPATH := $(CURDIR)

.PHONY: install lock es-up es-down es-status airflow-init demo dag-test summary test test-unit lint browser-deps bench

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
	$(BIN)/python -m es_local up

# es_local needs only the standard library: down/status also work before `make install`.
ES_LOCAL_PY = $(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON))

es-down: ## stop the local Elasticsearch started by es-up
	$(ES_LOCAL_PY) -m es_local down

es-status: ## does a 9.x Elasticsearch answer on ES_URL? (exit 3 when nothing answers)
	$(ES_LOCAL_PY) -m es_local status

lint: install ## ruff + mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

airflow-init: install ## Airflow home under the project (SQLite), idempotent
	@mkdir -p $(AIRFLOW_HOME)
	@test -f $(AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE) || echo '{"admin": "admin"}' > $(AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE)
	$(BIN)/airflow db migrate > $(AIRFLOW_HOME)/db-migrate.log 2>&1 || { tail -20 $(AIRFLOW_HOME)/db-migrate.log; exit 1; }

CONF ?= {}
DEMO_CONF := {"input_path": "data/sample", "index": "news", "mode": "incremental"}

dag-test: airflow-init es-up ## run the news_etl DAG once: make dag-test CONF='{"input_path": "...", "index": "..."}'
	$(BIN)/python scripts/dag_test.py '$(CONF)'

demo: airflow-init es-up ## set everything up, run the DAG on data/sample, print the facet summary
	$(BIN)/python scripts/dag_test.py '$(DEMO_CONF)'
	$(BIN)/python -m etl summary --index news

bench: install es-up ## throughput with workers and memory at 1,000 and 10,000 articles -> docs/benchmarks.md
	$(BIN)/python scripts/bench_scale.py $(BENCH_ARGS)

summary: ## facet summary of an index: make summary INDEX=news
	$(BIN)/python -m etl summary --index $(or $(INDEX),news)

browser-deps: ## Debian's chromium + chromedriver for the browser tests (never a downloaded browser)
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
		else echo "error: chromium is missing: sudo apt-get install chromium chromium-driver" >&2; exit 1; fi; }

test: install airflow-init browser-deps ## the whole suite; starts the local Elasticsearch when none answers
	$(BIN)/python -m es_local up
	$(BIN)/python -m pytest tests

test-unit: install
	$(BIN)/python -m pytest tests/unit tests/dags -m "not integration"
