"""The CLI and the DAG against Elasticsearch with security and TLS on (HTTPS, basic auth, a CA).

Credentials reach the CLI through ES_URL (`https://elastic:PASSWORD@host:9201`) and the CA
through ES_CA_CERTS; the DAG gets both from the Airflow connection `elasticsearch_default`,
written as docker-compose writes it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from cli_support import run_etl

from es_local.launcher import with_credentials
from etl.es import client
from etl.settings import get_settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def test_run_and_search_over_https_with_credentials_in_es_url(
    secured, secured_es, secured_alias
) -> None:
    env = secured.env()
    run = run_etl("run", "--input", "data/sample", "--index", secured_alias, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert secured.password not in run.stdout + run.stderr
    secured_es.indices.refresh(index=secured_alias)
    assert secured_es.count(index=secured_alias)["count"] == 5

    found = run_etl("search", "--index", secured_alias, "--json", env=env, timeout=600)
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["total"] == 5
    assert {hit["id"] for hit in result["hits"]} == {
        hit["_id"] for hit in secured_es.search(index=secured_alias, size=10)["hits"]["hits"]
    }


def test_the_launcher_reports_the_secured_node_without_its_password(secured) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "es_local", "status", "--secure"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("es-local: Elasticsearch 9.") and secured.url in out.stdout
    assert secured.password not in out.stdout + out.stderr


@pytest.mark.parametrize("command", ["run", "search"])
def test_a_wrong_password_is_one_redacted_line_and_exit_1(secured, command) -> None:
    wrong = "Wrong" + secured.password[:10]
    env = secured.env(ES_URL=with_credentials(secured.url, secured.user, wrong))
    args = ["--input", "data/sample", "--index", "sec-never"] if command == "run" else ["x"]
    out = run_etl(command, *args, env=env, timeout=600)
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert wrong not in out.stdout + out.stderr and secured.password not in out.stderr
    [line] = out.stderr.strip().splitlines()
    assert re.match(r"(etl \w+: )?error: ", line) and "Traceback" not in out.stderr, line
    assert "401" in line or "authentic" in line.lower(), line


def test_a_missing_ca_is_refused_with_one_line(secured) -> None:
    env = secured.env()
    env.pop("ES_CA_CERTS")
    out = run_etl("search", "x", env=env, timeout=600)
    assert out.returncode == 1
    [line] = out.stderr.strip().splitlines()
    assert re.match(r"(etl \w+: )?error: ", line) and secured.password not in line, line


@pytest.mark.airflow
def test_the_dag_through_the_airflow_connection(
    secured, secured_es, secured_alias, tmp_path
) -> None:
    connection = {
        "conn_type": "elasticsearch",
        "host": "127.0.0.1",
        "port": int(secured.url.rsplit(":", 1)[1]),
        "schema": "https",
        "login": secured.user,
        "password": secured.password,
        "extra": {"ca_certs": str(secured.ca)},
    }
    home = tmp_path / "airflow-home"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ES_URL", "ES_CA_CERTS"}  # only the connection leads to the node
    }
    env |= {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT": json.dumps(connection),
        "NEWS_ETL_STAGING": str(home / "staging"),
        "PYTHONPATH": str(ROOT),
    }
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run(
        [str(airflow), "db", "migrate"], env=env, check=True, capture_output=True, timeout=300
    )
    conf = {"input_path": "data/sample", "index": secured_alias, "mode": "incremental"}
    run = subprocess.run(
        [sys.executable, "scripts/dag_test.py", json.dumps(conf)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert secured.password not in run.stdout + run.stderr
    secured_es.indices.refresh(index=secured_alias)
    assert secured_es.count(index=secured_alias)["count"] == 5


def test_the_security_index_stores_a_user_who_can_then_sign_in(secured, secured_es) -> None:
    """Users live in the .security index, whose analyzers the compat plugin provides."""
    name, password = f"sec-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    secured_es.security.put_user(username=name, password=password, roles=["viewer"])
    try:
        url = with_credentials(secured.url, name, password)
        as_user = client(get_settings(), url, ca_certs=str(secured.ca))
        assert as_user.security.authenticate()["username"] == name
        found = secured_es.security.query_user(query={"term": {"username": name}})
        assert [user["username"] for user in found["users"]] == [name]
    finally:
        secured_es.security.delete_user(username=name)


def test_the_plugin_pages_over_https_with_credentials(
    secured, secured_es, secured_alias, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Airflow plugin's search and quarantine tabs reach the secured node through the
    same client factory (ES_URL with credentials, ES_CA_CERTS); the sign-in check is Airflow's
    and is tested in the browser tier, so it is set aside here."""
    import sys

    sys.path.insert(0, str(ROOT / "plugins"))
    from fastapi.testclient import TestClient
    from news_search import web

    from etl import pipeline

    settings = get_settings()
    pipeline.run(
        secured_es,
        input_root=ROOT / "data" / "sample",
        alias=secured_alias,
        mode="full",
        settings=settings,
    )
    for name, value in secured.env().items():
        if name in ("ES_URL", "ES_CA_CERTS"):
            monkeypatch.setenv(name, value)
    app = web.create_app(settings)
    app.dependency_overrides[web.require_session] = lambda: None
    with TestClient(app) as http:
        found = http.get("/api/search", params={"index": secured_alias, "q": "satellite"})
        page = http.get("/", params={"index": secured_alias, "q": "satellite"})
        runs = http.get("/quarantine", params={"index": secured_alias})
    assert found.status_code == 200, found.text
    assert found.json()["total"] == 5
    assert page.status_code == 200 and "Vladimir Putin" in page.text
    assert runs.status_code == 200, runs.text
    assert secured.password not in found.text + page.text + runs.text
