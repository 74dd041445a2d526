"""Fixtures: the real Airflow on loopback, the real local Elasticsearch, headless Chromium."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser.browser_support import (
    ALL_COMPONENTS,
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    ROOT,
    START_TIMEOUT,
    USER,
    Airflow,
    airflow_env,
    free_port,
    healthy,
    need,
    stop,
)


@pytest.fixture(scope="package")
def es() -> Any:
    """A client for the real local Elasticsearch (``make es-up``)."""
    from elasticsearch import Elasticsearch

    from etl.settings import get_settings

    client = Elasticsearch(get_settings().env.es_target, request_timeout=30)
    try:
        client.info()
    except Exception as e:  # connection refused, timeout, auth
        url = get_settings().env.es_target
        need(False, f"no Elasticsearch at {url} ({type(e).__name__}); run make es-up")
    return client


@pytest.fixture(scope="package")
def search_alias() -> str:
    """The alias the plugin's search page shows (documents are loaded by the test)."""
    return f"test-search-{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def running_airflow(
    home: Path, search_alias: str, auth: str, components: tuple[str, ...]
) -> Iterator[Airflow]:
    """``components`` of Airflow on a free loopback port under ``auth``; stopped on exit."""
    airflow_bin = Path(sys.executable).with_name("airflow")
    need(airflow_bin.exists(), f"{airflow_bin} missing; run make install")
    (home / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
    port = free_port()
    env = airflow_env(home, port, search_alias, auth)
    logdir = ARTIFACTS / ("airflow-logs" if auth == "simple" else f"airflow-logs-{auth}")
    shutil.rmtree(logdir, ignore_errors=True)
    logdir.mkdir(parents=True)
    af = Airflow(base_url=f"http://127.0.0.1:{port}", home=home, env=env, search_alias=search_alias)

    setup = [["db", "migrate"]]
    if auth == "fab":  # FAB keeps its users in the metadata DB: one admin, made by its CLI
        user = ["--username", USER, "--password", PASSWORD, "--role", "Admin"]
        names = ["--firstname", "Ada", "--lastname", "Admin", "--email", "admin@example.org"]
        setup.append(["users", "create", *user, *names])
    for args in setup:
        done = subprocess.run(
            [str(airflow_bin), *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
        output = (done.stdout + done.stderr)[-3000:]
        assert done.returncode == 0, f"airflow {' '.join(args[:2])} failed:\n{output}"

    commands = {
        "api-server": ["api-server", "--host", "127.0.0.1", "--port", str(port)],
        "scheduler": ["scheduler"],
        "dag-processor": ["dag-processor"],
    }
    try:
        for name in components:
            log = logdir / f"{name}.log"
            af.logs[name] = log
            with log.open("wb") as out:
                af.procs[name] = subprocess.Popen(
                    [str(airflow_bin), *commands[name]],
                    env=env,
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # own process group: stopped with its children
                )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            dead = [n for n, p in af.procs.items() if p.poll() is not None]
            assert not dead, f"{dead} exited early:\n{af.log_tail()}"
            try:
                if healthy(af, components):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass  # not listening yet
            assert time.monotonic() < deadline, f"Airflow not healthy in time:\n{af.log_tail()}"
            time.sleep(1)
        yield af
    finally:
        for proc in af.procs.values():
            stop(proc)


@pytest.fixture(scope="package")
def airflow(
    tmp_path_factory: pytest.TempPathFactory, es: Any, search_alias: str
) -> Iterator[Airflow]:
    """API server, scheduler and DAG processor under the simple auth manager (Makefile's)."""
    home = tmp_path_factory.mktemp("airflow-home")
    with running_airflow(home, search_alias, "simple", ALL_COMPONENTS) as af:
        yield af


@pytest.fixture(scope="module")
def fab_airflow(
    tmp_path_factory: pytest.TempPathFactory, es: Any, search_alias: str
) -> Iterator[Airflow]:
    """The API server alone under the FAB auth manager, as docker-compose.yml runs it."""
    home = tmp_path_factory.mktemp("airflow-home-fab")
    with running_airflow(home, search_alias, "fab", ("api-server",)) as af:
        yield af


# --- Chromium --------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium with a fresh profile (Playwright's launch makes a temp one)."""
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} missing; run make browser-deps")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new page in its own context (cookies), with generous but bounded timeouts."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
