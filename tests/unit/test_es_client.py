"""The client factory's rules that users see: credentials never printed, one line when down."""

from __future__ import annotations

import socket

import pytest

from etl.__main__ import main
from etl.es import redact
from etl.settings import get_settings


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:9200", "http://127.0.0.1:9200"),
        ("https://elastic:s3cret@es.internal:9243", "https://elastic:***@es.internal:9243"),
        ("https://pipeline:p%40ss@es:9200/prefix", "https://pipeline:***@es:9200/prefix"),
        ("https://token@es:9200", "https://token:***@es:9200"),
        ("https://:onlypass@es", "https://***@es"),
        ("http://es.internal", "http://es.internal"),
    ],
)
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert "s3cret" not in redact(url) and "onlypass" not in redact(url)


@pytest.fixture
def down_with_credentials(monkeypatch: pytest.MonkeyPatch) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ES_URL", f"http://pipeline:hunter2@127.0.0.1:{port}")
    s = get_settings()
    quick = s.model_copy(
        update={
            "elasticsearch": s.elasticsearch.model_copy(
                update={"max_retries": 1, "initial_backoff": 0.01, "max_backoff": 0.02}
            )
        }
    )
    monkeypatch.setattr("etl.cli_run.get_settings", lambda: quick)
    return f"http://pipeline:***@127.0.0.1:{port}"


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--input", "data/sample", "--index", "x"],
        ["search", "anything", "--index", "x"],
        ["summary", "--index", "x"],
    ],
)
def test_an_unreachable_cluster_is_named_without_its_password(
    args: list[str], down_with_credentials: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "hunter2" not in err
    [line] = err.strip().splitlines()
    assert "error: " in line and down_with_credentials in line
