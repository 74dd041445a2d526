"""Issue 6: a person triggers news_etl from the Airflow UI form; the documents land in ES."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from search_indices import drop_alias

from browser.browser_support import ARTIFACTS, Airflow, login

pytestmark = [pytest.mark.browser, pytest.mark.airflow, pytest.mark.integration]

DAG_ID = "news_etl"
RUN_TIMEOUT = 420  # five seed files incl. spaCy model load, mapped tasks one after another
SEED_DOCS = 5


@pytest.fixture
def alias(es: Any) -> Iterator[str]:
    name = f"test-ui-{uuid.uuid4().hex[:10]}"
    yield name
    drop_alias(es, name)


def _wait_for_dag(af: Airflow, timeout: float = 120) -> None:
    """Until the DAG processor has parsed news_etl; fail early with its import error."""
    deadline = time.monotonic() + timeout
    while True:
        status, _ = af.api(f"/api/v2/dags/{DAG_ID}")
        if status == 200:
            return
        _, errors = af.api("/api/v2/importErrors")
        for err in (errors or {}).get("import_errors", []):
            if "news_etl" in err.get("filename", ""):
                pytest.fail(f"news_etl does not import:\n{err.get('stack_trace')}")
        assert time.monotonic() < deadline, f"news_etl not parsed in {timeout}s\n{af.log_tail()}"
        time.sleep(1)


def _failure_report(af: Airflow, run_id: str) -> str:
    """Task states and the log of each failed task, for the assertion message."""
    _, tis = af.api(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances")
    lines = []
    for ti in (tis or {}).get("task_instances", []):
        lines.append(f"{ti['task_id']}[{ti.get('map_index')}]: {ti.get('state')}")
        if ti.get("state") in ("failed", "upstream_failed", "up_for_retry"):
            mi = ti.get("map_index", -1)
            path = (
                f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{ti['task_id']}/logs/"
                f"{max(1, ti.get('try_number') or 1)}?full_content=true&map_index={mi}"
            )
            _, log = af.api(path)
            lines.append(str(log)[-3000:])
    return "\n".join(lines)


def _wait_for_run(af: Airflow, run_id: str) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT
    state = "?"
    while time.monotonic() < deadline:
        status, run = af.api(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")
        state = run.get("state") if status == 200 else f"HTTP {status}"
        if state in ("success", "failed"):
            return state
        time.sleep(2)
    return f"still {state} after {RUN_TIMEOUT}s"


def test_trigger_full_run_from_the_form(airflow: Airflow, page: Any, es: Any, alias: str) -> None:
    from playwright.sync_api import expect

    _wait_for_dag(airflow)
    page.set_viewport_size({"width": 1400, "height": 1700})  # the whole dialog in one shot
    login(page, airflow, f"/dags/{DAG_ID}")
    page.wait_for_url(f"**/dags/{DAG_ID}")

    page.get_by_role("button", name="Trigger").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Run Parameters")).to_be_visible()
    dialog.locator("#element_input_path").fill("data/sample")
    dialog.locator("#element_index").fill(alias)
    dialog.get_by_role("combobox").click()  # mode: the dropdown from the param's enum
    page.get_by_role("option", name="Full rebuild").click()
    expect(dialog.locator("input[name=element_mode]")).to_have_value("full")
    page.screenshot(path=str(ARTIFACTS / "trigger-form.png"))
    # A known run id (Advanced Options; the accordion folds the params away) to poll for.
    run_id = f"browser_{uuid.uuid4().hex[:8]}"
    dialog.get_by_role("button", name="Advanced Options").click()
    dialog.locator("input[name=dagRunId]").fill(run_id)
    expect(dialog.get_by_text(f'"index": "{alias}"')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "trigger-form-conf.png"))
    dialog.get_by_test_id("trigger-dag-submit").click()
    page.wait_for_url(f"**/dags/{DAG_ID}/runs/{run_id}**")

    state = _wait_for_run(airflow, run_id)
    page.reload()
    if state == "success":
        expect(page.get_by_text("Success").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "trigger-run-finished.png"), full_page=True)
    assert state == "success", f"run {run_id}: {state}\n{_failure_report(airflow, run_id)}"

    _, run = airflow.api(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}")
    assert run["conf"]["mode"] == "full" and run["conf"]["index"] == alias
    assert es.indices.exists_alias(name=alias), "full mode ends with the alias on the new index"
    assert es.count(index=alias)["count"] == SEED_DOCS
    hits = es.search(index=alias, size=SEED_DOCS, source=["title", "entities"])["hits"]["hits"]
    persons = {p for h in hits for p in (h["_source"].get("entities") or {}).get("persons", [])}
    assert all(h["_source"].get("entities") for h in hits), "every seed names someone or somewhere"
    assert "Vladimir Putin" in persons, persons

    # The plugin's "News documents" tab of this run lists what the run wrote.
    page.get_by_role("link", name="News documents").click()
    frame = page.frame_locator("iframe").first
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", str(SEED_DOCS))
    expect(frame.get_by_test_id("chip")).to_have_text(f"run: {run_id} ×")
    page.screenshot(path=str(ARTIFACTS / "trigger-run-documents.png"))
