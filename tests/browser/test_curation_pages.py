"""Issue 13 item 4: the plugin's quarantine and entities tabs, in the Airflow UI, read-only.

Run records are written as the pipeline writes them (:func:`etl.runs.write_run_record`);
the index is a marked generation (:func:`search_indices.create_index`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from search_indices import SEARCH_DOCS, create_foreign, create_index, drop_alias, search_doc

from browser.browser_support import ARTIFACTS, Airflow, login

pytestmark = [pytest.mark.browser, pytest.mark.airflow, pytest.mark.integration]

HOSTILE_REASON = '<script>alert("quarantine")</script>'
HOSTILE_PATH = "raw/<img src=x onerror=alert(2)>.json"
NEWEST = [
    {"path": HOSTILE_PATH, "sha256": "a" * 64, "stage": "read", "reason": HOSTILE_REASON},
    {
        "path": "raw/feed.jsonl",
        "sha256": "b" * 64,
        "stage": "read",
        "reason": "not JSON",
        "record": 7,
    },
    {"path": "raw/short.html", "sha256": "c" * 64, "stage": "clean", "reason": "body too short"},
    {"path": "raw/big.json", "sha256": "d" * 64, "stage": "load", "reason": "rejected: too long"},
]
# A record at the cap: the pipeline keeps 1,000 entries and counts them all.
OLDER = [
    {"path": f"raw/old-{i}.json", "sha256": f"{i:064x}", "stage": "read", "reason": "not JSON"}
    for i in range(1000)
]


def _run(run_id: str, ended: str, rows: list[dict[str, Any]], quarantined: int) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "mode": "incremental",
        "status": "success",
        "started_at": ended.replace("T01", "T00"),
        "ended_at": ended,
        "counts": {"quarantined": quarantined},
        "quarantine": rows,
    }


@pytest.fixture(scope="module")
def curated(es: Any, search_alias: str) -> Iterator[str]:
    """The default alias: the search corpus plus a "Putin" variant, and two run records."""
    from etl.runs import write_run_record
    from etl.settings import get_settings

    putin = search_doc("Putin speaks", "Putin spoke.", "2023-09-15", "AP", ["Putin"])
    create_index(es, search_alias, [*SEARCH_DOCS, putin])
    for run in (
        _run("run-older", "2026-01-01T01:00:00Z", OLDER, 1234),
        _run("run-newest", "2026-01-02T01:00:00Z", NEWEST, 4),
    ):
        write_run_record(es, search_alias, run, get_settings())
    yield search_alias
    drop_alias(es, search_alias)


@pytest.fixture
def other(es: Any) -> Iterator[str]:
    """An alias of its own with a spelling variant and no run records yet."""
    name = f"test-curation-{uuid.uuid4().hex[:10]}"
    docs = [
        search_doc("Kim visits", "Kim Jong Un visited.", "2023-09-12", "NHK", ["Kim Jong Un"]),
        search_doc("Kim speaks", "Kim Jong-un spoke.", "2023-09-13", "AP", ["Kim Jong-un"]),
    ]
    create_index(es, name, docs)
    yield name
    drop_alias(es, name)


@pytest.fixture
def foreign(es: Any) -> Iterator[str]:
    """An alias over an index the pipeline did not make."""
    name = f"test-foreign-{uuid.uuid4().hex[:10]}"
    create_foreign(es, f"{name}-logs", alias=name)
    yield name
    drop_alias(es, name)


def _plugin_frame(page: Any, airflow: Airflow) -> Any:
    """The plugin inside the Airflow UI (Browse → News search), failing on any script dialog."""
    page.on("dialog", lambda d: pytest.fail(f"a value ran as script: {d.message}"))
    login(page, airflow)
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="News search").click()
    page.wait_for_url("**/plugin/news-search**")
    return page.frame_locator("iframe").first


def _shown(frame: Any) -> list[tuple[str, str, str]]:
    rows = frame.get_by_test_id("quarantined")
    return [
        (
            rows.nth(i).locator(".path").inner_text(),
            rows.nth(i).locator(".stage").inner_text(),
            rows.nth(i).locator(".reason").inner_text(),
        )
        for i in range(rows.count())
    ]


def test_quarantine_tab(airflow: Airflow, page: Any, curated: str) -> None:
    from playwright.sync_api import expect

    frame = _plugin_frame(page, airflow)
    frame.get_by_test_id("tab-quarantine").click()

    # The newest run by default; hostile values are text, not markup.
    total = frame.get_by_test_id("quarantine-total")
    expect(total).to_have_text("4 quarantined in run run-newest")
    assert _shown(frame) == [(r["path"], r["stage"], r["reason"]) for r in NEWEST]
    expect(frame.get_by_text(HOSTILE_REASON, exact=True)).to_be_visible()
    assert (
        frame.locator("[data-testid=quarantine] script, [data-testid=quarantine] img").count() == 0
    )
    feed = frame.get_by_test_id("quarantined").nth(1)
    expect(feed.locator(".record")).to_have_text("7")
    expect(feed.locator(".sha")).to_have_text("b" * 64)
    page.screenshot(path=str(ARTIFACTS / "quarantine-tab.png"), full_page=True)

    # Filter by stage (exact), then by a piece of the reason (any case).
    frame.get_by_label("Stage", exact=True).select_option("read")
    frame.get_by_role("button", name="Show").click()
    expect(total).to_have_text("2 of 4 quarantined in run run-newest match the filter")
    assert [stage for _, stage, _ in _shown(frame)] == ["read", "read"]
    frame.get_by_label("Reason contains").fill("SCRIPT")
    frame.get_by_role("button", name="Show").click()
    expect(total).to_have_attribute("data-shown", "1")
    assert _shown(frame) == [(HOSTILE_PATH, "read", HOSTILE_REASON)]
    page.screenshot(path=str(ARTIFACTS / "quarantine-tab-filtered.png"), full_page=True)

    # The run picker lists the recent runs, newest first; the older run's record is capped.
    picker = frame.get_by_label("Run", exact=True)
    options = picker.locator("option")
    expect(options).to_have_count(2)
    assert [options.nth(i).get_attribute("value") for i in range(2)] == [
        "run-newest",
        "run-older",
    ]
    picker.select_option("run-older")
    frame.get_by_label("Stage", exact=True).select_option("")
    frame.get_by_label("Reason contains").fill("")
    frame.get_by_role("button", name="Show").click()
    expect(total).to_have_text(
        "showing 1000 of 1234 quarantined in run run-older (the run record keeps the first 1000)"
    )
    expect(frame.get_by_test_id("quarantined")).to_have_count(1000)
    page.screenshot(path=str(ARTIFACTS / "quarantine-tab-older-run.png"))


def test_entities_tab(airflow: Airflow, page: Any, curated: str) -> None:
    from playwright.sync_api import expect

    frame = _plugin_frame(page, airflow)
    frame.get_by_test_id("tab-entities").click()
    putin = frame.locator('[data-testid=suggestion][data-name="Vladimir Putin"]')
    expect(putin).to_contain_text("person, 4 documents")
    expect(putin.locator("li")).to_have_text("Putin 1 document: surname of Vladimir Putin")
    expect(putin.get_by_test_id("yaml")).to_have_text(
        "  - name: Vladimir Putin\n    type: person\n    aliases: [Putin]"
    )
    page.screenshot(path=str(ARTIFACTS / "entities-tab.png"), full_page=True)

    # The tabs link to each other: back to the search page.
    frame.get_by_test_id("tab-search").click()
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "7")


def test_tabs_keep_the_chosen_alias(airflow: Airflow, page: Any, other: str) -> None:
    """An alias chosen on the search page stays chosen on every tab."""
    from playwright.sync_api import expect

    login(page, airflow)
    page.goto(f"{airflow.base_url}/news-search/?index={other}")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "2")

    page.get_by_test_id("tab-quarantine").click()
    page.wait_for_url(f"**/news-search/quarantine?index={other}")
    expect(page.get_by_role("alert")).to_have_text(
        f"No run records for '{other}': {other}-runs does not exist (no run yet?)"
    )
    page.screenshot(path=str(ARTIFACTS / "quarantine-tab-no-runs.png"), full_page=True)

    page.get_by_test_id("tab-entities").click()
    page.wait_for_url(f"**/news-search/entities?index={other}")
    expect(page.get_by_test_id("alias")).to_have_text(other)
    kim = page.get_by_test_id("suggestion")
    expect(kim).to_have_attribute("data-name", "Kim Jong Un")
    expect(kim.get_by_test_id("yaml")).to_contain_text("aliases: [Kim Jong-un]")
    page.screenshot(path=str(ARTIFACTS / "entities-tab-other-alias.png"), full_page=True)

    page.get_by_test_id("tab-search").click()
    page.wait_for_url(f"**/news-search/?index={other}")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "2")


def test_foreign_and_missing_aliases_are_refused(airflow: Airflow, page: Any, foreign: str) -> None:
    """Both tabs refuse what the search page refuses, with the same message."""
    from playwright.sync_api import expect

    login(page, airflow)
    refused = (
        f"alias '{foreign}' points at {foreign}-logs, which news-etl did not create; "
        "refusing to search it"
    )
    missing = f"test-missing-{uuid.uuid4().hex[:10]}"
    for tab in ("quarantine", "entities"):
        page.goto(f"{airflow.base_url}/news-search/{tab}?index={foreign}")
        expect(page.get_by_role("alert")).to_have_text(refused)
        expect(page.locator("[data-testid=quarantined], [data-testid=suggestion]")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / f"{tab}-tab-foreign-index.png"), full_page=True)
        page.goto(f"{airflow.base_url}/news-search/{tab}?index={missing}")
        expect(page.get_by_role("alert")).to_have_text(
            f"Index '{missing}' not found: has the news_etl DAG run yet?"
        )


def test_tabs_need_a_session(airflow: Airflow, curated: str) -> None:
    for tab, needle in (("quarantine", "run-newest"), ("entities", "Vladimir Putin")):
        status, body = airflow.api(f"/news-search/{tab}")
        assert status == 200 and needle in body
        _, body = airflow.api(f"/news-search/{tab}", auth=False)  # redirected to sign in
        assert needle not in str(body)
