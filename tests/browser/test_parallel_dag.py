"""Issue 11: the DAG through a real scheduler (LocalExecutor, parallelism 2), not `dags test`.

One JSON-lines export splits into several batches; two mapped ``process`` task instances must
run at the same time, and the run record counts the batches.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from corpus import WIKINEWS
from search_indices import drop_alias

from browser.browser_support import Airflow
from browser.test_trigger_form import DAG_ID, _failure_report, _wait_for_dag, _wait_for_run

pytestmark = [pytest.mark.airflow, pytest.mark.integration]

CORPUS = WIKINEWS
RECORDS, PER_BATCH = 24, 8


@pytest.fixture
def alias(es: Any) -> Iterator[str]:
    name = f"test-par-{uuid.uuid4().hex[:10]}"
    yield name
    drop_alias(es, name)


def _export(af: Airflow) -> str:
    """Short Wikinews articles as one export in the allowed raw root of this Airflow."""
    if not CORPUS.is_file():
        pytest.fail(f"benchmark corpus missing: {CORPUS}")
    folder = af.home / "raw" / f"export-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True)
    lines = []
    with CORPUS.open(encoding="utf-8") as f:
        lines = [line for line in f if len(line) < 6000][:RECORDS]
    (folder / "wire.jsonl").write_text("".join(lines), encoding="utf-8")
    return str(folder)


def _interval(ti: dict[str, Any]) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"])


def test_mapped_batches_run_in_parallel_under_the_local_executor(
    airflow: Airflow, es: Any, alias: str
) -> None:
    _wait_for_dag(airflow)
    status, _ = airflow.api(f"/api/v2/dags/{DAG_ID}", method="PATCH", body={"is_paused": False})
    assert status == 200
    run_id = f"parallel_{uuid.uuid4().hex[:8]}"
    conf = {"input_path": _export(airflow), "index": alias, "batch_size": PER_BATCH}
    status, body = airflow.api(
        f"/api/v2/dags/{DAG_ID}/dagRuns",
        method="POST",
        body={"dag_run_id": run_id, "logical_date": None, "conf": conf},
    )
    assert status == 200, body

    state = _wait_for_run(airflow, run_id)
    assert state == "success", f"run {run_id}: {state}\n{_failure_report(airflow, run_id)}"
    _, tis = airflow.api(f"/api/v2/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances?limit=100")
    process = [t for t in tis["task_instances"] if t["task_id"] == "process"]
    assert len(process) == RECORDS // PER_BATCH
    spans = sorted(_interval(t) for t in process)
    overlaps = [a for a, b in itertools.pairwise(spans) if b[0] < a[1]]
    assert overlaps, f"no two process tasks overlapped: {spans}"

    record = es.get(index=f"{alias}-runs", id=run_id)["_source"]
    assert record["batches"] == RECORDS // PER_BATCH and record["counts"]["new"] == RECORDS
    assert es.count(index=alias)["count"] == RECORDS
