"""The pipeline's stages end to end, shared line for line by the CLI and the Airflow DAG.

start_run -> discover -> process_batch (per batch) -> load_batch (per batch) -> finalize.
Each stage takes and returns small JSON-able values (a RunContext, staging locations, counts),
so the DAG can pass them through XCom; documents stream through staged JSON-lines files.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl import index, staging
from etl.documents import PIPELINE_VERSION, doc_id, to_document
from etl.entities import add_entities
from etl.load import load
from etl.prepare import prepare
from etl.readers import FileRef, read
from etl.readers import discover as discover_files
from etl.records import Article, Quarantine
from etl.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

MODES = ("incremental", "full")
# A run record keeps this many quarantine entries; the full list stays in staging.
MAX_QUARANTINE_IN_RECORD = 1000


class PipelineError(RuntimeError):
    """The run could not complete; the message is one line for the user."""


@dataclass(frozen=True)
class RunContext:
    """Everything the stages of one run share; small and JSON-serializable."""

    run_id: str
    alias: str
    mode: str
    target_index: str | None
    input_root: str
    started_at: str
    since: str | None
    dry_run: bool
    staging: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunContext:
        return cls(**d)

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"


def new_run_id() -> str:
    """A sortable, unique run id."""
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def start_run(
    es: Elasticsearch | None,
    *,
    input_root: str | Path,
    alias: str,
    mode: str,
    staging_root: str,
    settings: Settings,
    since: datetime | None = None,
    dry_run: bool = False,
    run_id: str | None = None,
) -> RunContext:
    """Check the input, prepare the target index (nothing is written on a dry run)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    root = Path(input_root)
    if not root.is_dir():
        raise ValueError(f"input folder not found: {root}")
    target: str | None = None
    if es is not None and not dry_run:
        index.apply_templates(es, alias, settings)
        index.ensure_runs_index(es, alias)
        full = mode == "full"
        target = index.new_generation(es, alias) if full else index.ensure_alias(es, alias)
    elif es is not None:
        target = index.current_index(es, alias)
    staging.makedirs(staging_root)
    return RunContext(
        run_id=run_id or new_run_id(),
        alias=alias,
        mode=mode,
        target_index=target,
        input_root=str(root.resolve()),
        started_at=datetime.now(UTC).isoformat(),
        since=since.isoformat() if since else None,
        dry_run=dry_run,
        staging=staging_root,
    )


def discover(
    ctx: RunContext, settings: Settings, *, batch_size: int, es: Elasticsearch | None = None
) -> list[str]:
    """Write manifests of the files to process, ``batch_size`` per batch; return their locations.

    In incremental mode a file whose path, size and modification time match what is indexed is
    unchanged and skipped without being read (a full run re-reads everything).
    """
    since = datetime.fromisoformat(ctx.since) if ctx.since else None
    refs = discover_files(Path(ctx.input_root), settings, since=since)
    check = es is not None and ctx.incremental and ctx.target_index is not None
    seen = skipped = 0
    batches: list[str] = []
    batch: list[str] = []

    def flush() -> None:
        loc = staging.join(ctx.staging, "batches", f"batch-{len(batches):05d}.json")
        staging.write_json(loc, batch)
        batches.append(loc)
        batch.clear()

    for chunk in _chunks(refs, 500):
        seen += len(chunk)
        unchanged = (
            _unchanged(es, ctx.target_index, chunk)
            if check and es is not None and ctx.target_index
            else set()
        )
        skipped += len(unchanged)
        for ref in chunk:
            if ref.rel_path in unchanged:
                continue
            batch.append(ref.rel_path)
            if len(batch) >= batch_size:
                flush()
    if batch:
        flush()
    staging.write_json(
        staging.join(ctx.staging, "discover.json"),
        {"files_seen": seen, "skipped_unchanged": skipped, "batches": len(batches)},
    )
    return batches


def _unchanged(es: Elasticsearch, target: str, refs: list[FileRef]) -> set[str]:
    """Paths whose every indexed document has the file's current size and mtime.

    One aggregation per chunk of paths, so memory and requests do not grow with the index.
    """
    by_path = {r.rel_path: r for r in refs}
    stats = {
        f"{fn}_{field}": {fn: {"field": f"source.{field}"}}
        for fn in ("min", "max")
        for field in ("size", "modified_at")
    }
    resp = es.search(
        index=target,
        size=0,
        query={"terms": {"source.path": list(by_path)}},
        aggs={"paths": {"terms": {"field": "source.path", "size": len(by_path)}, "aggs": stats}},
    )
    same: set[str] = set()
    for b in resp["aggregations"]["paths"]["buckets"]:
        ref = by_path.get(b["key"])
        if ref is None:
            continue
        mtime_ms = int(ref.modified_at.timestamp() * 1000)
        if (
            b["min_size"]["value"] == b["max_size"]["value"] == ref.size
            and b["min_modified_at"]["value"] == b["max_modified_at"]["value"] == mtime_ms
        ):
            same.add(ref.rel_path)
    return same


def _chunks(refs: Iterator[FileRef], size: int) -> Iterator[list[FileRef]]:
    chunk: list[FileRef] = []
    for ref in refs:
        chunk.append(ref)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Timer:
    """Adds up the time spent inside each stage while generators interleave."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {"read": 0.0, "clean": 0.0, "entities": 0.0}

    def timed(self, stage: str, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[stage] += time.perf_counter() - t


def process_batch(ctx: RunContext, batch: str, settings: Settings) -> str:
    """Read, clean, add metadata and entities for one batch; return the staged file's location."""
    paths: list[str] = staging.read_json(batch)
    out = batch.replace("/batches/", "/staged/").removesuffix(".json") + ".jsonl"
    root = Path(ctx.input_root)
    timer = _Timer()
    ingested_at = datetime.now(UTC).isoformat()
    stats: dict[str, Any] = {"docs": 0, "quarantined": 0, "models": []}
    models: set[str] = set()

    def articles() -> Iterator[Article | Quarantine]:
        for rel in paths:
            items = iter(read(root, rel, settings))
            while (raw := timer.timed("read", partial(next, items, None))) is not None:
                if isinstance(raw, Quarantine):
                    yield raw
                else:
                    yield timer.timed("clean", partial(prepare, raw, settings))

    def rows() -> Iterator[dict[str, Any]]:
        quarantined: list[Quarantine] = []

        def good() -> Iterator[Article]:
            for item in articles():
                if isinstance(item, Quarantine):
                    quarantined.append(item)
                else:
                    yield item

        enriched = iter(add_entities(good(), settings))
        while True:
            article = timer.timed("entities", lambda: next(enriched, None))
            # Quarantine records surface in input order as the generator reaches them.
            while quarantined:
                stats["quarantined"] += 1
                yield {"kind": "quarantine", **quarantined.pop(0).as_dict()}
            if article is None:
                break
            stats["docs"] += 1
            if article.entities is not None:
                models.add(article.entities.model)
            yield {
                "kind": "doc",
                "id": doc_id(article),
                "doc": to_document(article, run_id=ctx.run_id, ingested_at=ingested_at),
            }

    staging.write_jsonl(out, rows())
    # The entity stage pulls articles through read/clean; keep their time out of its share.
    timer.seconds["entities"] = max(
        0.0, timer.seconds["entities"] - timer.seconds["read"] - timer.seconds["clean"]
    )
    stats["models"] = sorted(models)
    stats["stage_seconds"] = timer.seconds
    staging.write_json(out + ".stats.json", stats)
    return out


def load_batch(
    es: Elasticsearch | None, ctx: RunContext, staged: str, settings: Settings
) -> dict[str, Any]:
    """Bulk-load one staged batch into the run's target index; return its counts."""
    started = time.perf_counter()
    docs = ((row["id"], row["doc"]) for row in staging.read_jsonl(staged) if row["kind"] == "doc")
    if ctx.dry_run or es is None or ctx.target_index is None:
        would = sum(1 for _ in docs)
        return {
            "staged": staged,
            "new": 0,
            "updated": 0,
            "unchanged": 0,
            "failed": 0,
            "would_load": would,
            "quarantine": [],
            "seconds": time.perf_counter() - started,
        }
    result = load(es, ctx.target_index, docs, settings, incremental=ctx.incremental)
    out = result.as_dict()
    out["staged"] = staged
    out["seconds"] = time.perf_counter() - started
    return out


def finalize(
    es: Elasticsearch | None, ctx: RunContext, results: list[dict[str, Any]], settings: Settings
) -> dict[str, Any]:
    """Make the run visible (full: count check, alias swap, prune) and write its run record."""
    found = staging.read_json(staging.join(ctx.staging, "discover.json"))
    staged = [r["staged"] for r in results]
    stage_seconds = {"read": 0.0, "clean": 0.0, "entities": 0.0, "load": 0.0}
    models: set[str] = set()
    quarantine: list[dict[str, Any]] = []
    quarantined = 0
    for loc in staged:
        stats = staging.read_json(loc + ".stats.json")
        for k, v in stats["stage_seconds"].items():
            stage_seconds[k] += v
        models.update(stats["models"])
        for row in staging.read_jsonl(loc):
            if row["kind"] == "quarantine":
                quarantined += 1
                if len(quarantine) < MAX_QUARANTINE_IN_RECORD:
                    quarantine.append({k: v for k, v in row.items() if k != "kind"})
    for r in results:
        stage_seconds["load"] += r.get("seconds", 0.0)
        quarantined += len(r["quarantine"])
        quarantine.extend(r["quarantine"][: max(0, MAX_QUARANTINE_IN_RECORD - len(quarantine))])
    counts = {
        "files_seen": found["files_seen"],
        "new": sum(r["new"] for r in results),
        "updated": sum(r["updated"] for r in results),
        "unchanged": found["skipped_unchanged"] + sum(r["unchanged"] for r in results),
        "quarantined": quarantined,
        "failed": sum(r["failed"] for r in results),
    }
    record: dict[str, Any] = {
        "run_id": ctx.run_id,
        "mode": ctx.mode,
        "status": "dry_run" if ctx.dry_run else "success",
        "alias": ctx.alias,
        "index": ctx.target_index,
        "input": ctx.input_root,
        "dry_run": ctx.dry_run,
        "started_at": ctx.started_at,
        "counts": counts,
        "stage_seconds": {k: round(v, 3) for k, v in stage_seconds.items()},
        "quarantine": quarantine,
        "versions": {"pipeline": PIPELINE_VERSION, "model": sorted(models)},
    }
    if ctx.dry_run:
        record["would_load"] = sum(r.get("would_load", 0) for r in results)
    if es is not None and not ctx.dry_run and ctx.target_index:
        record["versions"]["elasticsearch"] = es.info()["version"]["number"]
        if ctx.mode == "full":
            _publish_generation(es, ctx, expected=counts["new"], settings=settings)
        else:
            es.indices.refresh(index=ctx.target_index)
    ended = datetime.now(UTC)
    record["ended_at"] = ended.isoformat()
    record["duration_seconds"] = round(
        (ended - datetime.fromisoformat(ctx.started_at)).total_seconds(), 3
    )
    if es is not None and not ctx.dry_run:
        index.write_run_record(es, ctx.alias, record)
    # Staged batches are only a hand-over between tasks; a failed run keeps them for a look.
    staging.remove(ctx.staging)
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
    current = index.current_index(es, ctx.alias)
    if have == 0 and current is not None and int(es.count(index=ctx.alias)["count"]) > 0:
        raise PipelineError(
            f"full rebuild produced no documents; alias {ctx.alias} left on {current}"
        )
    index.swap_alias(es, ctx.alias, ctx.target_index)
    index.prune_generations(es, ctx.alias, settings.elasticsearch.keep_generations)


def record_failure(es: Elasticsearch | None, ctx: RunContext, error: BaseException) -> None:
    """Best effort: leave a run record saying the run failed and why."""
    if es is None or ctx.dry_run:
        return
    ended = datetime.now(UTC)
    # Best effort: the original error is what the user must see, not a failure to record it.
    with contextlib.suppress(Exception):
        index.write_run_record(
            es,
            ctx.alias,
            {
                "run_id": ctx.run_id,
                "mode": ctx.mode,
                "status": "failed",
                "alias": ctx.alias,
                "index": ctx.target_index,
                "input": ctx.input_root,
                "dry_run": ctx.dry_run,
                "started_at": ctx.started_at,
                "ended_at": ended.isoformat(),
                "error": str(error)[:2000],
                "versions": {"pipeline": PIPELINE_VERSION},
            },
        )


Progress = Callable[[int, int], None]


def run(
    es: Elasticsearch | None,
    *,
    input_root: str | Path,
    alias: str,
    mode: str,
    settings: Settings,
    staging_root: str,
    since: datetime | None = None,
    dry_run: bool = False,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The whole pipeline in this process, through exactly the stages the DAG runs."""
    ctx = start_run(
        es,
        input_root=input_root,
        alias=alias,
        mode=mode,
        staging_root=staging_root,
        settings=settings,
        since=since,
        dry_run=dry_run,
    )
    try:
        batches = discover(
            ctx, settings, batch_size=batch_size or settings.airflow.batch_size, es=es
        )
        total = sum(len(staging.read_json(b)) for b in batches)
        done = 0
        if progress:
            progress(done, total)
        results = []
        for b in batches:
            staged = process_batch(ctx, b, settings)
            results.append(load_batch(es, ctx, staged, settings))
            done += len(staging.read_json(b))
            if progress:
                progress(done, total)
        return finalize(es, ctx, results, settings)
    except Exception as e:
        record_failure(es, ctx, e)
        raise
