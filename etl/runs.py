"""The run record in ``ALIAS-runs``: gathered from the run's staging area, written at the end.

The record's fields are exactly those of ``config/runs_template.json`` (strict mapping). A run
that fails gets a record too (:func:`record_failure`), from the CLI and the DAG alike.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from elasticsearch import BadRequestError

from etl import __version__, index, lease
from etl import staging as stg
from etl.context import RunContext
from etl.errors import NotOurs, PipelineError
from etl.es import server_version
from etl.settings import Settings
from etl.staging import StagingLayout
from etl.stats import STAGES, BatchStats, DiscoverSummary, LoadCounts, RunCounts

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

RUNS_TEMPLATE = "config/runs_template.json"
# A run record keeps this many quarantine entries (and as many warnings); the counts cover all.
MAX_QUARANTINE_IN_RECORD = 1000
# Keyword fields refuse values over 32766 bytes; a reason that long says nothing more anyway.
MAX_REASON_CHARS = 2000


class RecordNotWritten(PipelineError):
    """The run completed, but its record could not be stored: say so, not "did not complete"."""


def runs_index(alias: str) -> str:
    return f"{alias}-runs"


def take_lease(es: Elasticsearch, alias: str, run_id: str, settings: Settings) -> None:
    """One run per alias: wait for, then hold, the alias's lease (:mod:`etl.lease`)."""
    lease.acquire(es, ensure_runs_index(es, alias, settings), alias, run_id, settings)


def renew_lease(es: Elasticsearch, ctx: RunContext, settings: Settings) -> None:
    """Keep the run's lease while it works (a run that lost it stops)."""
    if not ctx.dry_run:
        lease.renew(es, runs_index(ctx.alias), ctx.alias, ctx.run_id, settings)


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

    counts: RunCounts = field(default_factory=RunCounts)
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    models: set[str] = field(default_factory=set)
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    batches: int = 0
    would_load: int = 0

    def add_quarantine(self, rows: Iterable[dict[str, Any]]) -> None:
        _add_capped(self.quarantine, rows, quarantine_row)

    def add_warnings(self, rows: Iterable[dict[str, Any]]) -> None:
        _add_capped(self.warnings, rows, warning_row)

    def add_batch(self, stats: BatchStats, load: LoadCounts) -> None:
        self.counts.add_batch(stats, load)
        for k, v in stats.stage_seconds.items():
            self.stage_seconds[k] = self.stage_seconds.get(k, 0.0) + v
        self.stage_seconds["load"] += load.seconds
        self.models.update(stats.models)
        self.would_load += load.would_load


def gather(layout: StagingLayout, results: Iterable[LoadCounts]) -> Totals:
    """Add up the discover summary, each batch's stats and load counts, quarantine and warnings.

    Streams the small quarantine and warning files only, never the staged documents.
    """
    t = Totals()
    found = DiscoverSummary.from_json(stg.read_json(layout.discover_summary()))
    t.counts.add_discover(found)
    t.batches = found.batches
    for load in results:
        name = layout.batch_name(load.staged)
        t.add_batch(BatchStats.from_json(stg.read_json(layout.stats(name))), load)
        for step in ("process", "load"):
            if stg.exists(loc := layout.quarantine(name, step)):
                t.add_quarantine(stg.read_jsonl(loc))
        if stg.exists(loc := layout.warnings(name)):
            t.add_warnings(stg.read_jsonl(loc))
    return t


def run_record(
    ctx: RunContext, totals: Totals, *, status: str, es_version: str | None = None
) -> dict[str, Any]:
    """The run record of a run that completed (or a dry run)."""
    out = base_record(ctx, status=status)
    out.update(
        counts=totals.counts.to_json(),
        stage_seconds={k: round(v, 3) for k, v in totals.stage_seconds.items()},
        batches=totals.batches,
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
        "workers": ctx.workers,
        "versions": {"pipeline": __version__},
    }
    if error is not None:
        out["error"] = " ".join(error.split())[:MAX_REASON_CHARS]
    return out


def finalize(
    es: Elasticsearch | None,
    ctx: RunContext,
    load_results: Iterable[LoadCounts],
    settings: Settings,
    *,
    removed: int = 0,
    story_seconds: float = 0.0,
) -> dict[str, Any]:
    """Make the run visible and write its run record to ``ALIAS-runs``; return the record.

    ``removed``: stale documents deleted after the batches (spans of re-read files);
    ``story_seconds``: the time the story pass took after the loads.

    Full: the new generation is published (:func:`etl.index.publish_generation`). Incremental:
    refresh. A dry run writes nothing.
    """
    totals = gather(StagingLayout(ctx.staging), load_results)
    totals.counts.removed += removed
    totals.stage_seconds["stories"] = story_seconds
    # Re-derived from what is stored: their files were skipped unread (counted as unchanged).
    stored = sum(totals.counts.reprocessed_stages.get(s, 0) for s in ("entities", "ner"))
    totals.counts.unchanged = max(0, totals.counts.unchanged - stored)
    writer = es if not ctx.dry_run and ctx.target_index is not None else None
    es_version = _make_visible(writer, ctx, totals, settings) if writer is not None else None
    status = "dry_run" if ctx.dry_run else "success"
    record = run_record(ctx, totals, status=status, es_version=es_version)
    if writer is not None:
        _store_record(writer, ctx, record, settings)
    if ctx.dry_run:
        record["would_load"] = totals.would_load
    # Staged batches are only a hand-over between stages; a failed run keeps them for a look.
    stg.remove(ctx.staging)
    return record


def _make_visible(
    es: Elasticsearch, ctx: RunContext, totals: Totals, settings: Settings
) -> str | None:
    """Publish a full run's generation or refresh an incremental run's index; the ES version."""
    if not ctx.target_index:
        return None
    es_version = server_version(es)
    if ctx.mode == "full":
        index.publish_generation(
            es,
            ctx.alias,
            ctx.target_index,
            # The merge pass rewrote documents this run had loaded already (etl.merges).
            expected=totals.counts.loaded - totals.counts.reprocessed_stages.get("merges", 0),
            keep=settings.elasticsearch.keep_generations,
        )
    else:
        es.indices.refresh(index=ctx.target_index)
    return es_version


def _store_record(
    es: Elasticsearch, ctx: RunContext, record: dict[str, Any], settings: Settings
) -> None:
    """Write the run record, then give up the alias's lease whatever happened."""
    try:
        write_run_record(es, ctx.alias, record, settings)
    except Exception as e:
        raise RecordNotWritten(
            f"the run completed ({ctx.target_index} behind {ctx.alias}) but its run record "
            f"could not be written to {runs_index(ctx.alias)}: {e}"
        ) from e
    finally:
        with contextlib.suppress(Exception):
            lease.release(es, runs_index(ctx.alias), ctx.run_id)


def record_failure(
    es: Elasticsearch | None, ctx: RunContext, error: BaseException | str, settings: Settings
) -> None:
    """Best effort after a failed run: drop its unpublished generation, record why it failed.

    The one failure path of the CLI and the DAG alike.
    """
    if es is None or ctx.dry_run:
        return
    # One try each, no retries: when the server is what failed, the user should get the error
    # now, not after another round of backoff. The original error is what the user must see.
    once = es.options(max_retries=0)
    with contextlib.suppress(Exception):
        if ctx.mode == "full" and ctx.target_index:
            index.delete_unpublished(once, ctx.alias, ctx.target_index)
    reason = error if isinstance(error, str) else (str(error) or type(error).__name__)
    with contextlib.suppress(Exception):
        record = base_record(ctx, status="failed", error=reason)
        write_run_record(once, ctx.alias, record, settings)
    with contextlib.suppress(Exception):
        lease.release(once, runs_index(ctx.alias), ctx.run_id)


def note_failure(ctx: RunContext, task: str, error: BaseException) -> None:
    """Keep why a task of the run failed, for :func:`close_unfinished` (the first one wins)."""
    loc = StagingLayout(ctx.staging).failure()
    if not stg.exists(loc):
        stg.write_json(loc, {"task": task, "error": f"{type(error).__name__}: {error}"})


def close_unfinished(es: Elasticsearch | None, ctx: RunContext, settings: Settings) -> bool:
    """After a DAG run: record it as failed unless it wrote its record; True when it did so.

    The reason is the one its first failed task left (:func:`note_failure`), else a stop from
    outside (a timeout, a task marked failed by hand).
    """
    if es is None or ctx.dry_run:
        return False
    found = es.options(ignore_status=404).get(index=runs_index(ctx.alias), id=ctx.run_id)
    if found.get("found") and found["_source"].get("status") != "failed":
        return False
    loc = StagingLayout(ctx.staging).failure()
    why = "the run did not finish: a task was stopped, timed out or marked failed"
    if stg.exists(loc):
        failed = stg.read_json(loc)
        why = f"task {failed['task']} failed: {failed['error']}"
    record_failure(es, ctx, why, settings)
    return True


def ensure_runs_index(es: Elasticsearch, alias: str, settings: Settings) -> str:
    """Create ``ALIAS-runs`` with its strict mapping and the pipeline's marker, or add fields the
    template gained since; an index of that name that news-etl did not create is refused."""
    name = runs_index(alias)
    tpl = index.load_template(str(settings.path(RUNS_TEMPLATE)))
    mark = {"managed_by": index.MANAGED_BY, "alias": alias}
    if not es.indices.exists(index=name):
        try:
            mappings = {**tpl["mappings"], "_meta": mark}
            es.indices.create(index=name, settings=tpl.get("settings"), mappings=mappings)
            return name
        except BadRequestError as e:
            if e.error != "resource_already_exists_exception":  # another run was first: fine
                raise
    mapping = es.indices.get_mapping(index=name)[name]["mappings"]
    if not _is_runs_index(mapping, alias):
        raise NotOurs(
            f"{name} exists and news-etl did not create it; refusing to write run records "
            "there (pick another --index)"
        )
    es.indices.put_mapping(index=name, properties=tpl["mappings"]["properties"], meta=mark)
    return name


def _is_runs_index(mapping: dict[str, Any], alias: str) -> bool:
    """Whether a ``-runs`` index's mapping is the pipeline's: its marker, or (made before the
    marker existed) the run record's own fields."""
    meta = mapping.get("_meta") or {}
    if meta.get("managed_by") == index.MANAGED_BY:
        return meta.get("alias") == alias
    props = mapping.get("properties") or {}
    return not meta and {"run_id", "counts", "status", "started_at"} <= set(props)


def write_run_record(
    es: Elasticsearch, alias: str, record: dict[str, Any], settings: Settings
) -> None:
    """Store a run record under its run id, visible to searches at once."""
    name = ensure_runs_index(es, alias, settings)
    # refresh=True, not wait_for: the runs index is small, and waiting for the next scheduled
    # refresh cost up to a second per write (most of a small incremental run's time).
    es.index(index=name, id=record["run_id"], document=record, refresh=True)
