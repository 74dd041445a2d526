"""The pipeline's stages end to end, shared line for line by the CLI and the Airflow DAG.

start_run -> discover -> process_batch (per batch) -> load_batch (per batch) -> finalize.
Each stage takes and returns small JSON-able values (a RunContext, staging locations, counts),
so the DAG can pass them through XCom; documents stream through staged JSON-lines files whose
layout :class:`etl.staging.StagingLayout` owns.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from etl import index, lease, reprocess, runs
from etl import staging as stg
from etl.batch import batch_documents, load_batch, process_batch, remove_stale_spans
from etl.batching import WorkItem, cut, cut_work
from etl.changes import SAME, file_states
from etl.context import RunContext, new_run_id
from etl.errors import NotOurs, PipelineError, UsageError
from etl.fingerprints import fingerprints
from etl.gazetteer import load_alias_table
from etl.naming import check_alias
from etl.readers import FileRef, check_root, plan_spans
from etl.readers import discover as discover_files
from etl.runs import (
    RecordNotWritten,
    close_unfinished,
    note_failure,
    record_failure,
    renew_lease,
)
from etl.settings import Settings
from etl.staging import StagingLayout
from etl.stats import DiscoverSummary, LoadCounts
from etl.story_index import update_stories
from etl.workers import check_workers, process_all

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

__all__ = [
    "PipelineError",
    "RunContext",
    "UsageError",
    "batch_documents",
    "close_unfinished",
    "discover",
    "finalize",
    "load_batch",
    "new_run_id",
    "note_failure",
    "plan_rederive",
    "process_batch",
    "record_failure",
    "renew_lease",
    "run",
    "start_run",
]

log = logging.getLogger(__name__)

MODES = ("incremental", "full")
# Paths looked up in the index per request when deciding which files are unchanged.
LOOKUP_PATHS = 500


class Progress(Protocol):
    """Told the expected number of documents, then as documents finish."""

    def expect(self, documents: int) -> None: ...

    def advance(self, documents: int) -> None: ...


def check_request(
    input_root: str | Path,
    alias: str,
    mode: str,
    since: datetime | str | None,
    *,
    settings: Settings,
    restrict_to_allowed_roots: bool = False,
) -> datetime | None:
    """Refuse impossible runs before anything is touched; returns ``since`` as a UTC datetime.

    ``restrict_to_allowed_roots``: the input must resolve inside ``input.allowed_roots``. The
    DAG sets it, since anyone who may trigger it chooses ``input_path``; the CLI's ``--input``
    is the operator's own choice on their own machine.
    """
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    check_alias(alias)
    if restrict_to_allowed_roots:
        # Before the existence check: a triggerer must not learn which outside paths exist.
        check_root(input_root, settings)
    if not Path(input_root).is_dir():
        raise UsageError(f"input folder not found: {input_root}")
    if since is not None and mode == "full":
        # A full rebuild of only recent files would swap an index missing all older ones.
        raise UsageError("--since applies to incremental runs; a full rebuild reads everything")
    if isinstance(since, str):
        try:
            since = datetime.fromisoformat(since)
        except ValueError:
            raise UsageError(f"since must be a date like 2026-01-31, not {since!r}") from None
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return since


def start_run(
    es: Elasticsearch | None,
    *,
    input_root: str | Path,
    alias: str,
    mode: str,
    settings: Settings,
    staging: str | None = None,
    since: datetime | str | None = None,
    dry_run: bool = False,
    run_id: str | None = None,
    workers: int = 1,
    restrict_to_allowed_roots: bool = False,
) -> RunContext:
    """Check the request and prepare the target index; a dry run writes nothing to ES.

    Full runs get a new empty generation; incremental runs the index behind the alias (created
    with the alias on the first run, its mapping brought up to date otherwise). An alias on an
    index the pipeline did not create is refused before anything is written.
    """
    if not staging:
        raise UsageError("a staging location is required")
    if es is None and not dry_run:
        raise UsageError("an Elasticsearch client is required unless it is a dry run")
    when = check_request(
        input_root,
        alias,
        mode,
        since,
        settings=settings,
        restrict_to_allowed_roots=restrict_to_allowed_roots,
    )
    # A broken alias table stops the run here, not halfway through its documents.
    load_alias_table(settings.path(settings.entities.aliases))
    run_id = run_id or new_run_id()
    target: str | None = None
    if es is not None and not dry_run:
        try:
            target = _prepare_target(es, alias, mode, run_id, settings)
        except NotOurs:
            raise  # someone else's index: nothing of ours to hold a record
        except BaseException as e:
            # Accepted, then failed (lease, mapping conflict, server): the run leaves a record.
            refused = RunContext.refused(
                run_id=run_id, input_root=str(input_root), alias=alias, mode=mode, dry_run=False
            )
            record_failure(es, refused, e, settings)
            raise
    elif es is not None:
        target = index.current_index(es, alias)  # read only: to report what would change
    stg.makedirs(staging)
    return RunContext(
        run_id=run_id,
        alias=alias,
        mode=mode,
        target_index=target,
        input_root=str(Path(input_root).resolve()),
        started_at=datetime.now(UTC).isoformat(),
        since=when.isoformat() if when else None,
        dry_run=dry_run,
        staging=staging,
        workers=workers,
    )


def _prepare_target(
    es: Elasticsearch, alias: str, mode: str, run_id: str, settings: Settings
) -> str:
    """The index the run writes to, with the alias's lease held by ``run_id``.

    A foreign alias is refused before anything is written, then one run per alias at a time:
    two first runs at once would otherwise each create an index behind the alias.
    """
    index.check_owned(es, alias)
    runs.take_lease(es, alias, run_id, settings)
    try:
        reprocess.save_alias_table(es, alias, settings)
        if mode == "full":
            return index.new_generation(es, alias, settings)
        target = index.ensure_alias(es, alias, settings)
        index.sync_mapping(es, target, alias, settings)
        return target
    except BaseException:
        lease.release(es, runs.runs_index(alias), run_id)
        raise


def discover(
    ctx: RunContext, settings: Settings, *, max_docs: int, es: Elasticsearch | None = None
) -> list[str]:
    """Write the manifests of the run's batches; return their locations.

    Batches hold at most ``max_docs`` documents and ``batches.max_chars`` bytes of input. In
    incremental mode a file whose path, size, modification time and metadata match what is
    indexed (by this pipeline version) is unchanged and skipped without being read.
    """
    layout = StagingLayout(ctx.staging)
    found = DiscoverSummary()
    batches: list[str] = []
    items = _work_items(ctx, settings, found, es, max_docs)
    for batch in cut_work(items, max_docs=max_docs, max_chars=settings.batches.max_chars):
        loc = layout.manifest(len(batches))
        stg.write_json(loc, [i.to_json() for i in batch])
        batches.append(loc)
        found.documents += sum(i.docs for i in batch)
    found.batches = len(batches)
    stg.write_json(layout.discover_summary(), found.to_json())
    return batches


def _work_items(
    ctx: RunContext,
    settings: Settings,
    found: DiscoverSummary,
    es: Elasticsearch | None,
    max_docs: int,
) -> Iterator[WorkItem]:
    """The files to read, as work items; counts what it saw and skipped into ``found``."""
    root = Path(ctx.input_root)
    since = datetime.fromisoformat(ctx.since) if ctx.since else None
    refs = discover_files(root, settings, since=since)
    check = ctx.incremental and es is not None and ctx.target_index is not None
    stages = fingerprints(settings)
    for chunk in cut(refs, max_docs=LOOKUP_PATHS):
        found.files_seen += len(chunk)
        states: dict[str, str] = {}
        if check and es is not None and ctx.target_index is not None:
            states = file_states(es, ctx.target_index, chunk, stages)
        for ref in chunk:
            state = states.get(ref.rel_path)
            if state == SAME:
                found.skipped_unchanged += 1
                continue
            for item in work_items(root, ref, settings, max_docs=max_docs):
                if state is not None:  # unchanged bytes, a stale stage: counted as reprocessed
                    found.stale_docs[state] = found.stale_docs.get(state, 0) + item.docs
                    item = replace(item, redo=state)
                yield item


def work_items(
    root: Path, ref: FileRef, settings: Settings, *, max_docs: int
) -> Iterator[WorkItem]:
    """One file's work: the file, or the spans of a JSON-lines file larger than one batch.

    A JSON-lines file is scanned once (and hashed on the way) to cut it at record boundaries,
    so a large export is shared by several batches, tasks and worker processes.
    """
    base = WorkItem(
        path=ref.rel_path,
        chars=ref.size,
        size=ref.size,
        modified_at=ref.modified_at.isoformat(),
    )
    if not ref.rel_path.lower().endswith(".jsonl"):
        yield base
        return
    max_chars = settings.batches.max_chars
    plan = plan_spans(root, ref, settings, max_docs=max_docs, max_chars=max_chars)
    spans = list(plan)  # one small tuple per batch's worth of records
    if len(spans) == 1:
        [(_, records)] = spans
        yield replace(base, docs=records, sha256=plan.sha256)
        return
    for span, records in spans:
        yield replace(
            base,
            docs=records,
            chars=span.end - span.start,
            start=span.start,
            end=span.end,
            first_record=span.first_record,
            sha256=plan.sha256,
        )


def finalize(
    es: Elasticsearch | None, ctx: RunContext, results: list[LoadCounts], settings: Settings
) -> dict[str, Any]:
    """Remove what re-read JSON-lines files no longer produce, publish, write the run record."""
    removed = 0
    if es is not None and ctx.incremental and not ctx.dry_run and ctx.target_index:
        removed = remove_stale_spans(es, ctx, results)
    redo = would_reprocess(es, ctx, settings)  # before finalize removes the staging area
    started = time.perf_counter()
    if es is not None and not ctx.dry_run and ctx.target_index:
        stories = update_stories(es, ctx.target_index, settings)
        log.info("stories: %s", stories)
    took = time.perf_counter() - started
    record = runs.finalize(es, ctx, results, settings, removed=removed, story_seconds=took)
    if ctx.dry_run:
        record["would_reprocess"] = redo
    return record


def would_reprocess(
    es: Elasticsearch | None, ctx: RunContext, settings: Settings
) -> dict[str, int]:
    """A dry run's documents per stale stage: re-read for a stale clean or metadata stage, and
    at most this many re-derived from what is stored for stale entities."""
    if not ctx.dry_run or not ctx.incremental:
        return {}
    found = DiscoverSummary.from_json(stg.read_json(StagingLayout(ctx.staging).discover_summary()))
    redo = dict(found.stale_docs)
    index_ = ctx.target_index
    if (
        es is not None
        and index_ is not None
        and (n := reprocess.count_stale(es, index_, settings, ctx.alias))
    ):
        redo["entities"] = n
    if (
        es is not None
        and index_ is not None
        and (n := reprocess.count_merges(es, index_, settings, ctx.alias))
    ):
        redo["merges"] = n
    return redo


def _process_and_load(
    es: Elasticsearch | None,
    ctx: RunContext,
    settings: Settings,
    progress: Progress | None,
    max_docs: int,
) -> list[LoadCounts]:
    """Discover, then process the batches on ``ctx.workers`` processes and load each in batch
    order; then the same for the stored documents whose entities are stale."""
    batches = discover(ctx, settings, max_docs=max_docs, es=es)
    found = DiscoverSummary.from_json(stg.read_json(StagingLayout(ctx.staging).discover_summary()))
    expected = found.documents
    if progress:
        progress.expect(expected)
    results = _batches(es, ctx, batches, settings, progress)
    redo = plan_rederive(es, ctx, settings, max_docs=max_docs)
    if redo and progress:
        progress.expect(expected + sum(batch_documents(b) for b in redo))
    return results + _batches(es, ctx, redo, settings, progress)


def _batches(
    es: Elasticsearch | None,
    ctx: RunContext,
    batches: list[str],
    settings: Settings,
    progress: Progress | None,
) -> list[LoadCounts]:
    done = progress.advance if progress else None
    results = []
    for staged in process_all(ctx, batches, settings, workers=ctx.workers, done=done):
        results.append(load_batch(es, ctx, staged, settings))
        if es is not None:
            runs.renew_lease(es, ctx, settings)
    return results


def plan_rederive(
    es: Elasticsearch | None, ctx: RunContext, settings: Settings, *, max_docs: int
) -> list[str]:
    """After the file batches are loaded: batches of the stored documents whose entities are
    stale (an alias-table edit, a new model), re-derived without reading their files, and of
    those a change of the person merge map moves (:mod:`etl.merges`).

    A full run makes every document afresh, so only its merges can be due (its new generation
    has every variant as written). A dry run stages nothing.
    """
    if es is None or ctx.dry_run or ctx.target_index is None:
        return []
    if not ctx.incremental and not settings.entities.merge_middle_names:
        return []
    return reprocess.plan(es, ctx, settings, max_docs=max_docs)


@contextlib.contextmanager
def staging_area(staging: str | None) -> Iterator[str]:
    """``staging`` as given, or a temporary folder removed afterwards."""
    if staging is not None:
        yield staging
        return
    with tempfile.TemporaryDirectory(prefix="news-etl-", ignore_cleanup_errors=True) as tmp:
        yield tmp


def run(
    es: Elasticsearch | None,
    *,
    input_root: str | Path,
    alias: str,
    mode: str,
    settings: Settings,
    since: datetime | str | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    staging: str | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole pipeline in this process, through exactly the stages the DAG runs.

    ``workers`` processes read, clean and annotate; this one loads, batch by batch in order.
    Batches default to ``batches.local_max_docs`` documents whatever ``workers`` is, so the
    output is the same for any number of workers. Without ``staging`` the batches go through
    a temporary folder removed afterwards.
    """
    check_workers(workers)
    with staging_area(staging) as area:
        ctx = start_run(
            es,
            input_root=input_root,
            alias=alias,
            mode=mode,
            settings=settings,
            staging=area,
            since=since,
            dry_run=dry_run,
            workers=workers,
        )
        try:
            max_docs = batch_size or settings.batches.local_max_docs
            results = _process_and_load(es, ctx, settings, progress, max_docs)
            return finalize(es, ctx, results, settings)
        except RecordNotWritten:
            raise  # the run completed and is published: recording it as failed would be wrong
        except BaseException as e:
            record_failure(es, ctx, e, settings)
            raise
