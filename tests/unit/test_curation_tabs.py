"""The plugin's quarantine and entities tabs without a server: state, filters, HTML, escaping."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.datastructures import QueryParams

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins"))

from news_search import chrome, links
from news_search import quarantine as q
from news_search.entities_page import render_entities

from etl.run_records import RunRecords
from etl.search import SearchUsageError
from etl.settings import Settings
from etl.suggest import Suggestion

EVIL = '<script>alert("x")</script>'
SITE = links.Site(default_index="news", kibana_url="http://kibana.test")
ROWS = [
    {"path": "a.json", "stage": "read", "reason": "not valid JSON: line 3", "sha256": "aa"},
    {"path": "b.csv", "stage": "read", "reason": "Encoding: not UTF-8", "record": 7},
    {"path": "c.html", "stage": "clean", "reason": "body too short (12 chars)", "sha256": "cc"},
    {"path": "d.json", "stage": "load", "reason": "mapper_parsing_exception: encoding"},
]


def _paths(rows: list[dict[str, Any]]) -> list[str]:
    return [r["path"] for r in rows]


@pytest.mark.parametrize(
    ("stage", "reason", "paths"),
    [
        ("", "", ["a.json", "b.csv", "c.html", "d.json"]),
        ("read", "", ["a.json", "b.csv"]),
        ("", "encoding", ["b.csv", "d.json"]),  # substring, any case
        ("read", "ENCODING", ["b.csv"]),
        ("load", "too short", []),
        ("Read", "", []),  # the stage is an exact value
        ("", "not valid JSON: line 3", ["a.json"]),  # a whole reason is a substring too
    ],
)
def test_filter_rows(stage: str, reason: str, paths: list[str]) -> None:
    assert _paths(q.filter_rows(ROWS, stage, reason)) == paths


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("", ""),
        ("run_20260101", "run_20260101"),
        ("  run-1.2  ", "run-1.2"),
        # Airflow's run ids reach the pipeline through safe_run_id: so does the URL's.
        ("manual__2026-01-01T00:00:00+00:00", "manual__2026-01-01T00_00_00_00_00"),
    ],
)
def test_run_ids_as_stored(raw: str, stored: str) -> None:
    assert q.check_run_id(raw) == stored


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("run=%3Cscript%3E", "is not a run id"),
        ("run=a%2Fb", "is not a run id"),
        ("run=a%20b", "is not a run id"),
        ("run=" + "r" * 251, "at most 250 characters"),
        ("stage=" + "s" * 201, "the stage filter has at most 200 characters"),
        ("reason=" + "r" * 201, "the reason filter has at most 200 characters"),
        ("index=..%2Fsecret", "is not a usable alias"),
        ("index=news-runs", "names ending in -runs hold run records"),
    ],
)
def test_bad_quarantine_requests(query: str, message: str) -> None:
    with pytest.raises(SearchUsageError, match=message):
        q.parse_quarantine(QueryParams(query), SITE)


def test_quarantine_state_and_links() -> None:
    st = q.parse_quarantine(QueryParams("index=world&run=r1&stage=read&reason=%20json%20"), SITE)
    assert st == q.QuarantineState("world", "news", "r1", "read", "json")
    assert parse_qsl(st.href()[len("quarantine?") :]) == [
        ("index", "world"),
        ("run", "r1"),
        ("stage", "read"),
        ("reason", "json"),
    ]
    assert q.QuarantineState("news", "news").href() == "quarantine"


@pytest.mark.parametrize(
    ("active", "index", "links_"),
    [
        ("search", "news", ["./", "quarantine", "entities"]),
        ("entities", "world", ["./?index=world", "quarantine?index=world", "entities?index=world"]),
    ],
)
def test_tabs_keep_the_alias(active: str, index: str, links_: list[str]) -> None:
    html = chrome.tabs_html(active, index, "news")
    for link in links_:
        assert f'href="{link}"' in html
    assert html.count("aria-current") == 1
    assert f'data-testid="tab-{active}" aria-current="page"' in html


def _record(stored: int, counted: int | None, **more: Any) -> dict[str, Any]:
    rows = [dict(ROWS[i % len(ROWS)], path=f"f{i}") for i in range(stored)]
    counts = {} if counted is None else {"quarantined": counted}
    return {"run_id": "r1", "status": "success", "counts": counts, "quarantine": rows, **more}


@pytest.mark.parametrize(
    ("stored", "counted", "stage", "text", "attrs"),
    [
        (3, 3, "", "3 quarantined in run <b>r1</b>", (3, 3, 3)),
        (0, 0, "", "0 quarantined in run <b>r1</b>", (0, 0, 0)),
        (2, None, "", "2 quarantined in run <b>r1</b>", (2, 2, 2)),
        (
            1000,
            1234,
            "",
            "showing 1000 of 1234 quarantined in run <b>r1</b> "
            "(the run record keeps the first 1000)",
            (1000, 1000, 1234),
        ),
        (4, 4, "read", "2 of 4 quarantined in run <b>r1</b> match the filter", (2, 4, 4)),
        (
            8,
            20,
            "clean",
            "2 of 8 quarantined in run <b>r1</b> match the filter "
            "(20 quarantined in all; the run record keeps the first 8)",
            (2, 8, 20),
        ),
    ],
)
def test_summary_line(
    stored: int, counted: int | None, stage: str, text: str, attrs: tuple[int, int, int]
) -> None:
    st = q.QuarantineState("news", "news", stage=stage)
    record = _record(stored, counted)
    shown = len(q.filter_rows(record["quarantine"], stage))
    html = q.summary_line(st, record, shown)
    assert f">{text}</p>" in html
    assert 'data-shown="{}" data-stored="{}" data-total="{}"'.format(*attrs) in html


@pytest.mark.parametrize(
    ("found", "run", "status", "message"),
    [
        (RunRecords("news", False), "", 404, "No run records for 'news': news-runs does not"),
        (RunRecords("news", True), "", 200, "No runs recorded in news-runs yet"),
        (RunRecords("news", True, [{"run_id": "r0"}]), "r9", 404, "No run 'r9' in news-runs"),
        (RunRecords("news", True, [{"run_id": "r1"}], _record(1, 1)), "", 200, None),
    ],
)
def test_problem(found: RunRecords, run: str, status: int, message: str | None) -> None:
    got_status, got = q.problem(q.QuarantineState("news", "news", run=run), found)
    assert got_status == status
    assert (got or "").startswith(message or "") and (got is None) == (message is None)


def test_quarantine_page_escapes_everything() -> None:
    evil_row = {"path": EVIL, "stage": EVIL, "reason": EVIL, "sha256": EVIL, "record": 3}
    record = _record(0, 1, quarantine=[evil_row], status="failed", error=EVIL)
    runs = [{"run_id": "r1", "status": EVIL, "mode": EVIL, "counts": {"quarantined": 1}}]
    st = q.QuarantineState("news", "news", stage=EVIL, reason=EVIL)
    html = q.render_quarantine(st, RunRecords("news", True, runs, record), error=EVIL)
    assert "<script>" not in html
    assert html.count("&lt;script&gt;") >= 8  # cells, picker, filters, error, failure
    assert '<td class="record">3</td>' in html


def test_picker_lists_recent_runs_and_the_chosen_older_one() -> None:
    runs = [{"run_id": "r3", "status": "success", "mode": "incremental"}, {"run_id": "r2"}]
    record = _record(2, 2, run_id="r0", mode="full")
    st = q.QuarantineState("news", "news", run="r0")
    html = q.render_quarantine(st, RunRecords("news", True, runs, record))
    assert [v for v in ("r3", "r2", "r0") if f'<option value="{v}"' in html] == ["r3", "r2", "r0"]
    assert '<option value="r0" selected>' in html
    # The stages offered are those of the run's own entries, with their counts.
    assert '<option value="read">read (2)</option>' in html
    assert '<option value="clean"' not in html


def _suggestion(name: str = "Vladimir Putin") -> Suggestion:
    return Suggestion(
        name, "person", ["Putin"], {name: 4, "Putin": 2}, [f"Putin: surname of {name}"]
    )


def test_entities_page_shows_counts_and_yaml() -> None:
    html = render_entities("world", "news", [_suggestion()])
    assert 'data-testid="suggestion-total" data-total="1"' in html
    assert "person, 4 documents" in html and "2 documents</span>: surname of Vladimir" in html
    yaml = "  - name: Vladimir Putin\n    type: person\n    aliases: [Putin]"
    assert f'<pre data-testid="yaml">{yaml}</pre>' in html
    assert 'href="quarantine?index=world"' in html


@pytest.mark.parametrize(
    ("found", "error", "expect"),
    [
        ([], None, "No facet values look like variants of one another."),
        (None, "Index 'x' not found", '<div class="error" role="alert">Index &#x27;x&#x27;'),
        ([_suggestion(EVIL)], None, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"),
    ],
)
def test_entities_page_cases(found: list[Suggestion] | None, error: str, expect: str) -> None:
    html = render_entities("news", "news", found, error)
    assert expect in html and "<script>" not in html


def test_bad_run_id_gets_a_400_page_without_elasticsearch() -> None:
    from fastapi.testclient import TestClient
    from news_search import web

    app = web.create_app(Settings())
    app.dependency_overrides[web.require_session] = lambda: None
    with TestClient(app) as http:
        quarantine = http.get("/quarantine", params={"run": "<script>"})
        entities = http.get("/entities", params={"index": "_all"})
    assert quarantine.status_code == 400 and entities.status_code == 400
    assert "&#x27;&lt;script&gt;&#x27; is not a run id" in quarantine.text
    assert "is not a usable alias" in entities.text
    assert 'aria-current="page">Quarantine' in quarantine.text
