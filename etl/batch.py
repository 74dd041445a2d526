"""The per-batch stages: process (read, clean, entities) into a staged file, then load it.

Both stream: one raw file is read at a time, entities run over bounded batches of articles, and
the loader reads the staged file line by line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl import runs
from etl import staging as stg
from etl.context import RunContext
from etl.documents import doc_id, to_document
from etl.entities import add_entities
from etl.load import Item, load, remove_stale
from etl.prepare import prepare
from etl.readers import metadata_warning, read
from etl.records import Article, Quarantine, RawDoc
from etl.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)


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


def process_batch(ctx: RunContext, batch_uri: str, settings: Settings) -> str:
    """Read, clean, add metadata and entities for one batch; return the staged file's location.

    Streams: one file is read at a time and entities run over bounded batches of articles.
    A document whose sidecar or manifest was broken still loads; a warning row says so.
    """
    paths: list[str] = stg.read_json(batch_uri)
    name = runs.batch_name(batch_uri)
    out = runs.staged_location(ctx.staging, name)
    root = Path(ctx.input_root)
    timer = _Timer()
    ingested_at = datetime.now(UTC).isoformat()
    stats: dict[str, Any] = {"docs": 0, "quarantined": 0, "warnings": 0}
    models: set[str] = set()
    held: list[Quarantine] = []  # quarantined while the entity stage buffers articles

    def articles(wf: Any) -> Iterator[Article]:
        for rel in paths:
            items = iter(read(root, rel, settings))
            while (raw := timer.timed("read", partial(next, items, None))) is not None:
                if isinstance(raw, Quarantine):
                    held.append(raw)
                    continue
                article = timer.timed("clean", partial(prepare, raw, settings))
                if isinstance(article, Quarantine):
                    held.append(article)
                    continue
                # An Article keeps no hints: its RawDoc says whether metadata was ignored.
                if reason := metadata_warning(raw):
                    _warn(wf, raw, reason)
                    stats["warnings"] += 1
                yield article

    def rows(wf: Any) -> Iterator[dict[str, Any]]:
        enriched = iter(add_entities(articles(wf), settings))
        while True:
            article = timer.timed("entities", partial(next, enriched, None))
            while held:
                stats["quarantined"] += 1
                yield {"kind": "quarantine", **held.pop(0).as_dict()}
            if article is None:
                return
            stats["docs"] += 1
            if article.entities is not None:
                models.add(article.entities.model)
            row = {
                "kind": "doc",
                "id": doc_id(article),
                "doc": to_document(article, run_id=ctx.run_id, ingested_at=ingested_at),
            }
            if article.record is not None:
                row["record"] = article.record
            yield row

    with (
        stg.open_text(runs.quarantine_location(ctx.staging, name, "process"), "w") as qf,
        stg.open_text(runs.warnings_location(ctx.staging, name), "w") as wf,
    ):
        stg.write_jsonl(out, _tee_quarantine(rows(wf), qf))
    # The entity stage pulls articles through read and clean: keep their time out of its share.
    timer.seconds["entities"] = max(
        0.0, timer.seconds["entities"] - timer.seconds["read"] - timer.seconds["clean"]
    )
    stats["models"] = sorted(models)
    stats["stage_seconds"] = timer.seconds
    stg.write_json(runs.stats_location(ctx.staging, name), stats)
    return out


def _warn(wf: Any, raw: RawDoc, reason: str) -> None:
    """Keep a warning for a document that loads without its sidecar/manifest fields."""
    # INFO, not WARNING: the run summary and the DAG's finalize report every warning once,
    # while a broken manifest would repeat here for each file of its folder.
    log.info("%s: metadata ignored: %s", raw.source.path, reason)
    row: dict[str, Any] = {"path": raw.source.path, "sha256": raw.source.sha256, "reason": reason}
    if raw.record is not None:
        row["record"] = raw.record
    stg.write_line(wf, row)


def _tee_quarantine(rows: Iterator[dict[str, Any]], qf: Any) -> Iterator[dict[str, Any]]:
    """Pass rows through, copying quarantine rows to the batch's small quarantine file."""
    for row in rows:
        if row["kind"] == "quarantine":
            stg.write_line(qf, {k: v for k, v in row.items() if k != "kind"})
        yield row


def load_batch(
    es: Elasticsearch | None, ctx: RunContext, staged_uri: str, settings: Settings
) -> dict[str, Any]:
    """Bulk-load one staged batch into the run's target index; return its counts (small).

    Documents Elasticsearch refuses go to the batch's load quarantine file, which a retried
    task rewrites rather than appends to.
    """
    started = time.perf_counter()
    produced: dict[str, set[str]] = {}  # path -> ids, to find documents a file no longer makes
    refused: set[str] = set()

    def items() -> Iterator[Item]:
        for row in stg.read_jsonl(staged_uri):
            if row["kind"] == "doc":
                produced.setdefault(row["doc"]["source"]["path"], set()).add(row["id"])
                yield Item(row["id"], row["doc"], row.get("record"))

    def quarantined(q: Quarantine) -> None:
        refused.add(q.path)
        stg.write_line(qf, q.as_dict())

    out: dict[str, Any] = {"staged": staged_uri}
    if ctx.dry_run or es is None or ctx.target_index is None:
        zero = dict.fromkeys(("new", "updated", "unchanged", "failed", "quarantined", "removed"), 0)
        out.update(zero, would_load=sum(1 for _ in items()))
    else:
        qloc = runs.quarantine_location(ctx.staging, runs.batch_name(staged_uri), "load")
        with stg.open_text(qloc, "w") as qf:
            result = load(
                es,
                ctx.target_index,
                items(),
                settings,
                incremental=ctx.incremental,
                on_quarantine=quarantined,
            )
        out.update(result.counts())
        # A full run fills a new generation: nothing stale can be in it.
        keep = {p: ids for p, ids in produced.items() if p not in refused}
        out["removed"] = remove_stale(es, ctx.target_index, keep) if ctx.incremental else 0
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out
