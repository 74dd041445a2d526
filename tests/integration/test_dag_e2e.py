"""The news_etl DAG end to end with `airflow dags test` against the real local Elasticsearch.

A fresh Airflow home (SQLite) per module; the DAG reaches Elasticsearch through the
Connection `elasticsearch_default`, given as AIRFLOW_CONN_ELASTICSEARCH_DEFAULT.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl.settings import get_settings

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT": get_settings().env.es_target,
        "NEWS_ETL_STAGING": str(home / "staging"),
        "PYTHONPATH": str(ROOT),
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run(
        [str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300
    )
    return env


def _dag_test(env: dict[str, str], conf: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/dag_test.py", json.dumps(conf)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _runs(es, alias: str) -> list[dict]:
    es.indices.refresh(index=f"{alias}-runs")
    resp = es.search(
        index=f"{alias}-runs",
        size=20,
        sort=[{"started_at": "asc"}],
        query={"exists": {"field": "run_id"}},  # run records, not the lease or table snapshots
    )
    return [h["_source"] for h in resp["hits"]["hits"]]


def _facet(es, alias: str, field: str) -> dict[str, int]:
    resp = es.search(index=alias, size=0, aggs={"f": {"terms": {"field": field, "size": 50}}})
    return {b["key"]: b["doc_count"] for b in resp["aggregations"]["f"]["buckets"]}


@pytest.mark.parametrize("mode", ["incremental", "full"])
def test_dag_loads_the_seeds_and_a_second_incremental_run_changes_nothing(
    es, fresh_alias, airflow_env, mode
):
    conf = {"input_path": "data/sample", "index": fresh_alias, "mode": mode, "batch_size": 2}
    first = _dag_test(airflow_env, conf)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    # three batches of at most two files: the mapped tasks really fan out
    assert "process[2]: success" in first.stdout and "load[2]: success" in first.stdout

    es.indices.refresh(index=fresh_alias)
    assert es.count(index=fresh_alias)["count"] == 5
    persons = _facet(es, fresh_alias, "entities.persons")
    assert persons["Vladimir Putin"] == persons["Kim Jong Un"] == 5
    assert _facet(es, fresh_alias, "language") == {"en": 5}
    [run] = _runs(es, fresh_alias)
    assert run["status"] == "success" and run["mode"] == mode
    assert run["counts"]["new"] == 5 and run["counts"]["files_seen"] == 5
    if mode == "full":
        [behind] = es.indices.get_alias(name=fresh_alias)
        assert behind == run["index"]

    second = _dag_test(airflow_env, {**conf, "mode": "incremental"})
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    runs = _runs(es, fresh_alias)
    assert len(runs) == 2
    assert runs[1]["counts"]["unchanged"] == 5
    assert runs[1]["counts"]["new"] == runs[1]["counts"]["updated"] == 0
    assert es.count(index=fresh_alias)["count"] == 5


def test_dag_dry_run_writes_nothing(es, fresh_alias, airflow_env):
    conf = {"input_path": "data/sample", "index": fresh_alias, "dry_run": True}
    out = _dag_test(airflow_env, conf)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert dict(es.indices.get(index=f"{fresh_alias}*")) == {}


@pytest.mark.parametrize(
    ("conf", "reason"),
    [
        ({"input_path": "data/no-such-folder", "mode": "incremental"}, "input folder not found"),
        # input_path is anyone's who may trigger the DAG: only the allowed raw roots (issue 15),
        # refused before the existence check, so the answer tells nothing about outside paths.
        ({"input_path": "/etc", "mode": "incremental"}, "outside the allowed raw roots"),
        ({"input_path": "../../etc", "mode": "incremental"}, "outside the allowed raw roots"),
        ({"input_path": "/no/such/raw", "mode": "incremental"}, "outside the allowed raw roots"),
        (
            {"input_path": "data/sample", "mode": "full", "since": "2026-01-01"},
            "--since applies to incremental runs",
        ),
    ],
)
def test_dag_run_refuses_a_bad_request_at_once(airflow_env, fresh_alias, conf, reason):
    """Retrying cannot fix a bad request: start fails without a retry, saying why."""
    out = _dag_test(airflow_env, {**conf, "index": fresh_alias})
    assert out.returncode == 1
    assert "error: DAG run ended" in out.stderr
    assert "start: failed" in out.stdout and "up_for_retry" not in out.stdout
    assert reason in out.stderr
