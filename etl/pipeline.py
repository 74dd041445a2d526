"""The pipeline's stages end to end, shared line for line by the CLI and the Airflow DAG.

start_run -> discover -> process_batch (per batch) -> load_batch (per batch) -> finalize.
Each stage takes and returns small JSON-able values (a RunContext, staging locations, counts),
so the DAG can pass them through XCom; documents stream through staged JSON-lines files:

    STAGING/batches/batch-00000.json        manifest: relative paths of the batch's files
    STAGING/staged/batch-00000.jsonl        {"kind": "doc", ...} or {"kind": "quarantine", ...}
    STAGING/staged/batch-00000.stats.json   counts, entity models, seconds per stage
    STAGING/quarantine/batch-00000.{process,load}.jsonl
    STAGING/discover.json                   files_seen, skipped_unchanged
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl import index
from etl import staging as stg
from etl.batch import load_batch, process_batch
from etl.changes import unchanged_paths
from etl.context import RunContext, new_run_id
from etl.errors import PipelineError, UsageError
from etl.readers import FileRef, check_root
from etl.readers import discover as discover_files
from etl.runs import finalize, record_failure
from etl.settings import Settings, get_settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

__all__ = [
    "PipelineError",
    "RunContext",
    "UsageError",
    "discover",
    "finalize",
    "load_batch",
    "new_run_id",
    "process_batch",
    "record_failure",
    "run",
    "start_run",
]

MODES = ("incremental", "full")
# Elasticsearch's rules for index names, kept simple: lower case, no path or wildcard characters.
_ALIAS = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
# Paths looked up in the index per request when deciding which files are unchanged.
LOOKUP_PATHS = 500

Progress = Callable[[int, int], None]


def check_request(
    input_root: str | Path,
    alias: str,
    mode: str,
    since: datetime | str | None,
    *,
    settings: Settings | None = None,
    restrict_to_allowed_roots: bool = False,
) -> datetime | None:
    """Refuse impossible runs before anything is touched; returns ``since`` as a UTC datetime.

    ``restrict_to_allowed_roots``: the input must resolve inside ``input.allowed_roots``. The
    DAG sets it, since anyone who may trigger it chooses ``input_path``; the CLI's ``--input``
    is the operator's own choice on their own machine.
    """
    if mode not in MODES:
        raise UsageError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if not _ALIAS.match(alias) or alias.endswith("-runs"):
        raise UsageError(f"{alias!r} is not a usable alias: lower case letters, digits, - _ .")
    if not Path(input_root).is_dir():
        raise UsageError(f"input folder not found: {input_root}")
    if restrict_to_allowed_roots:
        check_root(input_root, settings or get_settings())
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
    restrict_to_allowed_roots: bool = False,
) -> RunContext:
    """Check the request and prepare the target index; a dry run writes nothing to ES.

    Full runs get a new empty generation; incremental runs the index behind the alias (created
    with the alias on the first run, its mapping brought up to date otherwise).
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
    target: str | None = None
    if es is not None and not dry_run:
        index.apply_templates(es, alias, settings)
        index.ensure_runs_index(es, alias, settings)
        if mode == "full":
            target = index.new_generation(es, alias, settings)
        else:
            target = index.ensure_alias(es, alias, settings)
            index.sync_mapping(es, target, settings)
    elif es is not None:
        target = index.current_index(es, alias)  # read only: to report what would change
    stg.makedirs(staging)
    return RunContext(
        run_id=run_id or new_run_id(),
        alias=alias,
        mode=mode,
        target_index=target,
        input_root=str(Path(input_root).resolve()),
        started_at=datetime.now(UTC).isoformat(),
        since=when.isoformat() if when else None,
        dry_run=dry_run,
        staging=staging,
    )


def discover(
    ctx: RunContext, settings: Settings, *, batch_size: int, es: Elasticsearch | None = None
) -> list[str]:
    """Write manifests of the files to process, ``batch_size`` per batch; return their locations.

    In incremental mode a file whose path, size and modification time match what is indexed (by
    this pipeline version) is unchanged and skipped without being read.
    """
    since = datetime.fromisoformat(ctx.since) if ctx.since else None
    refs = discover_files(Path(ctx.input_root), settings, since=since)
    check = ctx.incremental and es is not None and ctx.target_index is not None
    seen = skipped = 0
    batches: list[str] = []
    batch: list[str] = []

    def flush() -> None:
        loc = stg.join(ctx.staging, "batches", f"batch-{len(batches):05d}.json")
        stg.write_json(loc, batch)
        batches.append(loc)
        batch.clear()

    for chunk in _chunks(refs, LOOKUP_PATHS):
        seen += len(chunk)
        same: set[str] = set()
        if check and es is not None and ctx.target_index is not None:
            same = unchanged_paths(es, ctx.target_index, chunk)
        skipped += len(same)
        for ref in chunk:
            if ref.rel_path not in same:
                batch.append(ref.rel_path)
                if len(batch) >= batch_size:
                    flush()
    if batch:
        flush()
    stg.write_json(
        stg.join(ctx.staging, "discover.json"),
        {"files_seen": seen, "skipped_unchanged": skipped, "batches": len(batches)},
    )
    return batches


def _chunks(refs: Iterator[FileRef], size: int) -> Iterator[list[FileRef]]:
    chunk: list[FileRef] = []
    for ref in refs:
        chunk.append(ref)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


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
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole pipeline in this process, through exactly the stages the DAG runs.

    Without ``staging`` the batches go through a temporary folder removed afterwards.
    ``progress(done_files, total_files)`` is called as batches complete.
    """
    if staging is None:
        with tempfile.TemporaryDirectory(prefix="news-etl-", ignore_cleanup_errors=True) as tmp:
            return run(
                es,
                input_root=input_root,
                alias=alias,
                mode=mode,
                settings=settings,
                since=since,
                dry_run=dry_run,
                batch_size=batch_size,
                staging=tmp,
                progress=progress,
            )
    ctx = start_run(
        es,
        input_root=input_root,
        alias=alias,
        mode=mode,
        settings=settings,
        staging=staging,
        since=since,
        dry_run=dry_run,
    )
    try:
        size = batch_size or settings.airflow.batch_size
        batches = discover(ctx, settings, batch_size=size, es=es)
        sizes = [len(stg.read_json(b)) for b in batches]
        done, total = 0, sum(sizes)
        if progress:
            progress(done, total)
        results = []
        for b, n in zip(batches, sizes, strict=True):
            results.append(load_batch(es, ctx, process_batch(ctx, b, settings), settings))
            done += n
            if progress:
                progress(done, total)
        return finalize(es, ctx, results, settings)
    except BaseException as e:
        record_failure(es, ctx, e, settings)
        raise
