"""Reading run records back from ``ALIAS-runs`` (read-only): the recent runs and one run's record.

For the plugin's quarantine tab. Only a managed alias's runs are read (:func:`etl.search.
check_managed`), and only from a runs index the pipeline made; the lease document that shares
the index is left out (it has no ``run_id``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from etl.runs import _is_runs_index, runs_index
from etl.search import SearchUsageError, check_managed

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

RECENT_RUNS = 20
# What the run picker shows of each run; the chosen run's record is read whole.
_SUMMARY_FIELDS = ["run_id", "mode", "status", "started_at", "ended_at", "counts.quarantined"]
_NEWEST_FIRST = [
    {"ended_at": {"order": "desc", "unmapped_type": "date"}},
    {"started_at": {"order": "desc", "unmapped_type": "date"}},
]


@dataclass
class RunRecords:
    """The alias's recent runs (newest first) and the chosen run's record (None: not found)."""

    alias: str
    runs_index_exists: bool
    runs: list[dict[str, Any]] = field(default_factory=list)
    record: dict[str, Any] | None = None


def read_runs(
    es: Elasticsearch, alias: str, run_id: str = "", *, recent: int = RECENT_RUNS
) -> RunRecords:
    """The recent runs of ``alias`` and the record of ``run_id`` (default: the newest run).

    A foreign alias or runs index is a SearchUsageError; a missing alias, Elasticsearch's
    NotFoundError; a missing runs index, ``runs_index_exists=False``.
    """
    check_managed(es, alias)
    name = runs_index(alias)
    if not es.indices.exists(index=name):
        return RunRecords(alias, runs_index_exists=False)
    mapping = es.indices.get_mapping(index=name).body[name]["mappings"]
    if not _is_runs_index(mapping, alias):
        raise SearchUsageError(f"{name} exists and news-etl did not create it; refusing to read it")
    exists = {"exists": {"field": "run_id"}}
    resp = es.search(
        index=name, size=recent, query=exists, sort=_NEWEST_FIRST, source_includes=_SUMMARY_FIELDS
    )
    runs = [dict(h["_source"]) for h in resp.body["hits"]["hits"]]
    wanted = run_id or (str(runs[0]["run_id"]) if runs else "")
    record = None
    if wanted:
        found = es.search(index=name, size=1, query={"term": {"run_id": wanted}})
        hits = found.body["hits"]["hits"]
        record = dict(hits[0]["_source"]) if hits else None
    return RunRecords(alias, runs_index_exists=True, runs=runs, record=record)
