"""Helpers for the browser tests: real Airflow processes, ES indices, sign-in.

The session fixture (conftest.py) starts the three Airflow processes in their own process
groups with a fresh SQLite Airflow home, waits until they report healthy, and stops every
group at the end.
Chromium is Debian's /usr/bin/chromium driven by Playwright; nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prerequisites import need as need  # shared with the other tiers

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USER, PASSWORD = "admin", "admin"
# The auth managers the plugin is tested under: the Makefile's, and the one docker-compose runs.
AUTH_MANAGERS = {
    "simple": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
    "fab": "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
}
ALL_COMPONENTS = ("api-server", "scheduler", "dag-processor")
# What /api/v2/monitor/health reports for each component (the metadata DB always).
HEALTH_PARTS = {"scheduler": "scheduler", "dag-processor": "dag_processor"}
START_TIMEOUT = 180  # db migrate + three processes on a 2-core machine
STOP_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Airflow:
    """The running Airflow: base URL, REST helpers, its processes and log files."""

    base_url: str
    home: Path
    env: dict[str, str]
    search_alias: str
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    _token: str = ""

    def token(self) -> str:
        """A JWT for the REST API, from the simple auth manager's /auth/token."""
        if not self._token:
            body = json.dumps({"username": USER, "password": PASSWORD}).encode()
            req = urllib.request.Request(
                f"{self.base_url}/auth/token",
                data=body,
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=30) as r:
                self._token = json.load(r)["access_token"]
        return self._token

    def api(
        self, path: str, *, auth: bool = True, method: str = "GET", body: Any = None
    ) -> tuple[int, Any]:
        """``method`` ``path`` on the API server: (status, parsed JSON or text)."""
        headers = {"Authorization": f"Bearer {self.token()}"} if auth else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(
            f"{self.base_url}{path}", headers=headers, data=data, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of each process's log, for failure messages."""
        out = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {name} ({path}) ---\n" + "\n".join(text))
        return "\n".join(out)


def settings_with_raw_root(home: Path) -> Path:
    """The project's settings, with ``HOME/raw`` also an allowed raw root for DAG runs."""
    import yaml

    data = yaml.safe_load((ROOT / "config" / "settings.yml").read_text(encoding="utf-8"))
    roots = list(data["input"].get("allowed_roots") or [data["input"]["root"]])
    data["input"]["allowed_roots"] = [*roots, str(home / "raw")]
    path = home / "settings.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    (home / "raw").mkdir(exist_ok=True)
    return path


def airflow_env(home: Path, port: int, search_alias: str, auth: str = "simple") -> dict[str, str]:
    from etl.settings import get_settings

    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        {
            # As the Makefile exports, with a throw-away home.
            "AIRFLOW_HOME": str(home),
            "ES_URL": get_settings().env.es_target,
            "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT": get_settings().env.es_target,
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            # Two task processes at once, as on this 2-core machine: mapped batches overlap.
            "AIRFLOW__CORE__PARALLELISM": "2",
            "NEWS_ETL_SETTINGS": str(settings_with_raw_root(home)),
            "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGERS[auth],
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
            # Loopback only, on a free port; tasks reach the execution API there.
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__BASE_URL": base,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{base}/execution/",
            "AIRFLOW__API__SECRET_KEY": secrets.token_hex(16),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
            # Unpausing on trigger must not also start the nightly run (it would load "news").
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
            "NEWS_ETL_STAGING": str(home / "staging"),
            # The plugin's search page shows this alias by default.
            "NEWS_SEARCH_INDEX": search_alias,
            "KIBANA_URL": "http://127.0.0.1:5601",
        }
    )
    return env


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process group, then SIGKILL what is left after STOP_TIMEOUT."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        proc.poll()
        time.sleep(0.3)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def healthy(af: Airflow, components: tuple[str, ...] = ALL_COMPONENTS) -> bool:
    status, body = af.api("/api/v2/monitor/health", auth=False)
    if status != 200 or not isinstance(body, dict):
        return False
    parts = ("metadatabase", *(HEALTH_PARTS[c] for c in components if c in HEALTH_PARTS))
    return all((body.get(p) or {}).get("status") == "healthy" for p in parts)


def login(page: Any, af: Airflow, path: str = "/") -> None:
    """Open ``path``; sign in on the simple auth manager's form when it asks."""
    from playwright.sync_api import expect

    page.goto(af.base_url + path)
    page.wait_for_url("**/auth/login**")
    page.get_by_label("Username").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/auth/login" not in url)
    expect(page.get_by_role("button", name="Browse")).to_be_visible()
