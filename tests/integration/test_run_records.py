"""Run records read back for the plugin's quarantine tab (etl.run_records); real ES."""

from __future__ import annotations

from typing import Any

import pytest
from elasticsearch import NotFoundError
from search_indices import create_index, search_doc

from etl.lease import acquire
from etl.run_records import read_runs
from etl.runs import write_run_record
from etl.search import SearchUsageError
from etl.settings import get_settings

pytestmark = pytest.mark.integration


def _record(run_id: str, ended: str, **more: Any) -> dict[str, Any]:
    return {"run_id": run_id, "status": "success", "mode": "full", "ended_at": ended, **more}


def test_recent_runs_newest_first_and_the_chosen_record(es: Any, fresh_alias: str) -> None:
    create_index(es, fresh_alias, [search_doc("t", "b", "2023-09-13", "AP", ["X"])])
    assert read_runs(es, fresh_alias).runs_index_exists is False
    rows = [{"path": "a", "stage": "read", "reason": "not JSON", "sha256": "aa"}]
    for run_id, ended in (("r1", "2026-01-01T00:00:00Z"), ("r3", "2026-01-03T00:00:00Z")):
        write_run_record(es, fresh_alias, _record(run_id, ended), get_settings())
    write_run_record(
        es, fresh_alias, _record("r2", "2026-01-02T00:00:00Z", quarantine=rows), get_settings()
    )
    # A run holding the lease: its document shares the runs index and is no run.
    acquire(es, f"{fresh_alias}-runs", fresh_alias, "r4", get_settings())
    es.indices.refresh(index=f"{fresh_alias}-runs")

    newest = read_runs(es, fresh_alias)
    assert [r["run_id"] for r in newest.runs] == ["r3", "r2", "r1"]
    assert newest.record is not None and newest.record["run_id"] == "r3"
    chosen = read_runs(es, fresh_alias, "r2")
    assert chosen.record is not None and chosen.record["quarantine"] == rows
    assert read_runs(es, fresh_alias, "r9").record is None


def test_foreign_runs_index_and_missing_alias(es: Any, fresh_alias: str) -> None:
    with pytest.raises(NotFoundError):
        read_runs(es, fresh_alias)
    create_index(es, fresh_alias, [search_doc("t", "b", "2023-09-13", "AP", ["X"])])
    es.indices.create(index=f"{fresh_alias}-runs")  # someone else's
    with pytest.raises(SearchUsageError, match="news-etl did not create it; refusing to read"):
        read_runs(es, fresh_alias)
