"""The end of a run: publish the index, and the run record for ``ALIAS-runs``.

The record is gathered from the run's staging area; its fields are exactly those of
``config/runs_template.json`` (strict mapping).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from etl import index
from etl import staging as stg
from etl.context import RunContext
from etl.documents import PIPELINE_VERSION
from etl.errors import PipelineError
from etl.es import server_version
from etl.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

# A run record keeps this many quarantine entries (and as many warnings); the counts cover all.
MAX_QUARANTINE_IN_RECORD = 1000
# Keyword fields refuse values over 32766 bytes; a reason that long says nothing more anyway.
MAX_REASON_CHARS = 2000
STAGES = ("read", "clean", "entities", "load")


def batch_name(location: str) -> str:
    """``.../batch-00003.json`` or ``.../batch-00003.jsonl`` -> ``batch-00003``."""
    return location.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]


def staged_location(staging: str, name: str) -> str:
    return stg.join(staging, "staged", f"{name}.jsonl")


def stats_location(staging: str, name: str) -> str:
    return stg.join(staging, "staged", f"{name}.stats.json")


def quarantine_location(staging: str, name: str, step: str) -> str:
    """Quarantine rows of one batch and step (``process`` or ``load``), one file each, so a
    retried task rewrites its own file and parallel tasks never share one."""
    return stg.join(staging, "quarantine", f"{name}.{step}.jsonl")


def warnings_location(staging: str, name: str) -> str:
    """Warning rows of one batch: documents that loaded but lost some metadata on the way."""
    return stg.join(staging, "warnings", f"{name}.jsonl")


def quarantine_row(q: dict[str, Any]) -> dict[str, Any]:
    """A quarantine entry as the runs mapping takes it."""
    return _entry(q, ("path", "sha256", "stage", "reason", "record"))


def warning_row(w: dict[str, Any]) -> dict[str, Any]:
    """A warning entry as the runs mapping takes it."""
    return _entry(w, ("path", "sha256", "reason", "record"))


def _entry(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out = {k: row[k] for k in keys if row.get(k) is not None}
    out["reason"] = str(out.get("reason", ""))[:MAX_REASON_CHARS]
    return out


def _add_capped(
    entries: list[dict[str, Any]],
    rows: Iterable[dict[str, Any]],
    shape: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Append shaped rows until the record holds ``MAX_QUARANTINE_IN_RECORD`` of them."""
    for row in rows:
        if len(entries) >= MAX_QUARANTINE_IN_RECORD:
            return
        entries.append(shape(row))


@dataclass
class Totals:
    """What the batches of a run add up to."""

    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "files_seen",
                "new",
                "updated",
                "unchanged",
                "removed",
                "quarantined",
                "failed",
                "warnings",
            ),
            0,
        )
    )
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    models: set[str] = field(default_factory=set)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    would_load: int = 0

    def add_quarantine(self, rows: Iterable[dict[str, Any]]) -> None:
        _add_capped(self.quarantine, rows, quarantine_row)

    def add_warnings(self, rows: Iterable[dict[str, Any]]) -> None:
        _add_capped(self.warnings, rows, warning_row)


def gather(staging: str, results: list[dict[str, Any]]) -> Totals:
    """Add up the discover summary, each batch's stats and load result, quarantine and warnings.

    Streams the small quarantine and warning files only, never the staged documents.
    """
    t = Totals()
    found = stg.read_json(stg.join(staging, "discover.json"))
    t.counts["files_seen"] = found["files_seen"]
    t.counts["unchanged"] = found["skipped_unchanged"]
    for r in results:
        name = batch_name(r["staged"])
        stats = stg.read_json(stats_location(staging, name))
        for k, v in stats["stage_seconds"].items():
            t.stage_seconds[k] = t.stage_seconds.get(k, 0.0) + v
        t.stage_seconds["load"] += r.get("seconds", 0.0)
        t.models.update(stats["models"])
        t.counts["quarantined"] += stats["quarantined"] + r["quarantined"]
        t.counts["warnings"] += stats.get("warnings", 0)
        for k in ("new", "updated", "unchanged", "failed"):
            t.counts[k] += r[k]
        t.counts["removed"] += r.get("removed", 0)
        t.would_load += r.get("would_load", 0)
        for step in ("process", "load"):
            loc = quarantine_location(staging, name, step)
            if stg.exists(loc):
                t.add_quarantine(stg.read_jsonl(loc))
        if stg.exists(loc := warnings_location(staging, name)):
            t.add_warnings(stg.read_jsonl(loc))
    return t


def run_record(
    ctx: RunContext, totals: Totals, *, status: str, es_version: str | None = None
) -> dict[str, Any]:
    """The run record of a run that completed (or a dry run)."""
    out = base_record(ctx, status=status)
    out.update(
        counts=totals.counts,
        stage_seconds={k: round(v, 3) for k, v in totals.stage_seconds.items()},
        quarantine=totals.quarantine,
        warnings=totals.warnings,
    )
    out["versions"]["model"] = sorted(totals.models)
    if es_version:
        out["versions"]["elasticsearch"] = es_version
    return out


def base_record(ctx: RunContext, *, status: str, error: str | None = None) -> dict[str, Any]:
    """Identity, timing and versions; what even a failed run can say about itself."""
    ended = datetime.now(UTC)
    out: dict[str, Any] = {
        "run_id": ctx.run_id,
        "mode": ctx.mode,
        "status": status,
        "alias": ctx.alias,
        "index": ctx.target_index,
        "input": ctx.input_root,
        "dry_run": ctx.dry_run,
        "started_at": ctx.started_at,
        "ended_at": ended.isoformat(),
        "duration_seconds": round(
            (ended - datetime.fromisoformat(ctx.started_at)).total_seconds(), 3
        ),
        "versions": {"pipeline": PIPELINE_VERSION},
    }
    if error is not None:
        out["error"] = " ".join(error.split())[:MAX_REASON_CHARS]
    return out


def finalize(
    es: Elasticsearch | None,
    ctx: RunContext,
    load_results: list[dict[str, Any]],
    settings: Settings,
) -> dict[str, Any]:
    """Make the run visible and write its run record to ``ALIAS-runs``; return the record.

    Full: refresh, check the new generation holds every document loaded, swap the alias in one
    call, delete old generations. Incremental: refresh. A dry run writes nothing.
    """
    totals = gather(ctx.staging, load_results)
    writes = es is not None and not ctx.dry_run and ctx.target_index is not None
    es_version = server_version(es) if writes and es is not None else None
    if writes and es is not None and ctx.target_index:
        if ctx.mode == "full":
            c = totals.counts
            expected = c["new"] + c["updated"] + c["unchanged"]
            _publish_generation(es, ctx, expected=expected, settings=settings)
        else:
            es.indices.refresh(index=ctx.target_index)
    status = "dry_run" if ctx.dry_run else "success"
    record = run_record(ctx, totals, status=status, es_version=es_version)
    if writes and es is not None:
        index.write_run_record(es, ctx.alias, record, settings)
    if ctx.dry_run:
        record["would_load"] = totals.would_load
    # Staged batches are only a hand-over between stages; a failed run keeps them for a look.
    stg.remove(ctx.staging)
    return record


def _publish_generation(
    es: Elasticsearch, ctx: RunContext, *, expected: int, settings: Settings
) -> None:
    """Swap the alias to the new generation only when it holds everything that was loaded."""
    assert ctx.target_index is not None
    es.indices.refresh(index=ctx.target_index)
    have = int(es.count(index=ctx.target_index)["count"])
    if have != expected:
        raise PipelineError(
            f"new index {ctx.target_index} holds {have} documents, expected {expected}; "
            f"alias {ctx.alias} left unchanged"
        )
    previous = index.current_index(es, ctx.alias)
    if (
        have == 0
        and previous not in (None, ctx.target_index)
        and int(es.count(index=ctx.alias)["count"]) > 0
    ):
        # An empty (or unmounted) input folder must not wipe what searchers have.
        raise PipelineError(
            f"full rebuild produced no documents; alias {ctx.alias} left on {previous}"
        )
    index.swap_alias(es, ctx.alias, ctx.target_index)
    index.prune_generations(
        es, ctx.alias, settings.elasticsearch.keep_generations, previous=previous
    )


def record_failure(
    es: Elasticsearch | None, ctx: RunContext, error: BaseException, settings: Settings
) -> None:
    """Best effort after a failed run: drop its unpublished generation, record why it failed."""
    if es is None or ctx.dry_run:
        return
    # One try each, no retries: when the server is what failed, the user should get the error
    # now, not after another round of backoff. The original error is what the user must see.
    once = es.options(max_retries=0)
    with contextlib.suppress(Exception):
        if ctx.mode == "full" and ctx.target_index:
            index.delete_unpublished(once, ctx.alias, ctx.target_index)
    with contextlib.suppress(Exception):
        record = base_record(ctx, status="failed", error=str(error) or type(error).__name__)
        index.write_run_record(once, ctx.alias, record, settings)
