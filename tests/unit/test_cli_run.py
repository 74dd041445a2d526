"""``python -m etl run``: usage errors exit 2 before Elasticsearch is asked anything."""

from __future__ import annotations

import socket
import time

import pytest

from etl.__main__ import main
from etl.cli_run import print_summary
from etl.settings import get_settings


@pytest.fixture
def nothing_listens(monkeypatch: pytest.MonkeyPatch) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("ES_URL", url)
    return url


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "/nonexistent/raw"], "error: input folder not found: /nonexistent/raw"),
        (["--input", "data/sample", "--index", "News"], "not a usable alias"),
        (["--input", "data/sample", "--since", "soon"], "--since must be a date"),
        (["--input", "data/sample", "--mode", "full", "--since", "2026-01-01"], "incremental"),
        (["--input", "data/sample", "--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args, message, nothing_listens, capsys) -> None:
    started = time.monotonic()
    assert main(["run", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert time.monotonic() - started < 5  # no waiting on the unreachable Elasticsearch


def test_argparse_errors_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        main(["run", "--input", "data/sample", "--mode", "sometimes"])
    assert e.value.code == 2 and "invalid choice" in capsys.readouterr().err


def test_unreachable_elasticsearch_exits_1_with_one_line(nothing_listens, capsys, monkeypatch):
    s = get_settings()
    quick = s.model_copy(
        update={
            "elasticsearch": s.elasticsearch.model_copy(
                update={"max_retries": 2, "initial_backoff": 0.01, "max_backoff": 0.02}
            )
        }
    )
    monkeypatch.setattr("etl.cli_run.get_settings", lambda: quick)
    assert main(["run", "--input", "data/sample", "--index", "x"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"error: run did not complete: Elasticsearch at {nothing_listens} unreachable "
        "after 2 retries"
    ]


def test_summary_lists_counts_quarantine_and_where_to_look(capsys) -> None:
    record = {
        "run_id": "run-1",
        "mode": "incremental",
        "alias": "news",
        "index": "news-20260101000000",
        "dry_run": False,
        "counts": {
            "files_seen": 30,
            "new": 3,
            "updated": 1,
            "unchanged": 1,
            "quarantined": 25,
            "failed": 1,
        },
        "stage_seconds": {"read": 0.1, "clean": 0.2, "entities": 1.5, "load": 0.3},
        "quarantine": [
            {"path": f"bad{i}.txt", "stage": "read", "reason": "empty file"} for i in range(24)
        ]
        + [{"path": "x.jsonl", "record": 4, "stage": "load", "reason": "mapper_parsing"}],
    }
    print_summary(record)
    out = capsys.readouterr().out
    assert "new 3, updated 1, unchanged 1, quarantined 25, failed 1" in out
    assert "quarantined bad0.txt [read]: empty file" in out
    assert "... and 5 more (see the run record)" in out
    assert "GET news-runs/_doc/run-1" in out
    assert "warning" not in out  # no warnings: the counts line stays as it was


def test_summary_lists_warnings_after_the_quarantine(capsys) -> None:
    record = {
        "run_id": "run-1",
        "mode": "incremental",
        "alias": "news",
        "index": "news-20260101000000",
        "dry_run": True,
        "counts": dict.fromkeys(("files_seen", "new", "updated", "unchanged", "failed"), 0)
        | {"quarantined": 1, "warnings": 22},
        "quarantine": [{"path": "e.txt", "stage": "read", "reason": "empty file"}],
        "warnings": [
            {"path": f"a/{i}.txt", "reason": "manifest.jsonl: row without path/file"}
            for i in range(21)
        ]
        + [{"path": "b.jsonl", "record": 3, "reason": "b.jsonl.meta.json: not a JSON object"}],
    }
    print_summary(record)
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith("quarantined 1, failed 0, warnings 22")
    at = lines.index("  quarantined e.txt [read]: empty file")
    assert (
        lines[at + 1]
        == "  warning a/0.txt: metadata ignored: manifest.jsonl: row without path/file"
    )
    assert lines[at + 21 :] == ["  ... and 2 more (see the run record)"]
