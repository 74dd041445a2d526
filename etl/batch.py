"""The per-batch stages: process (read, clean, entities) into a staged file, then load it.

Both stream: one work item is read at a time, entities run over bounded batches of articles,
and the loader reads the staged file line by line. Any exception from one file or record
becomes its quarantine record; one bad input never fails a batch.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from etl import staging as stg
from etl.batching import WorkItem
from etl.context import RunContext
from etl.documents import doc_id, to_document
from etl.entities import add_entities
from etl.fingerprints import fingerprints
from etl.load import Item, load, remove_stale
from etl.prepare import prepare_all
from etl.readers import FileRef, Span, read
from etl.records import Article, Quarantine, RawDoc, warning_line
from etl.reprocess import Rederiver, stored_docs
from etl.settings import Settings
from etl.staging import StagingLayout
from etl.stats import BatchStats, LoadCounts
from etl.stories import fingerprint
from etl.story_index import story_settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)

T = TypeVar("T")
DocsDone = Callable[[int], None]  # told how many more documents a batch has finished


def _timed(items: Iterable[T], seconds: dict[str, float], stage: str) -> Iterator[T]:
    """Pass items through, adding the time spent producing each to ``seconds[stage]``."""
    it = iter(items)
    while True:
        t = time.perf_counter()
        try:
            item = next(it)
        except StopIteration:
            seconds[stage] += time.perf_counter() - t
            return
        seconds[stage] += time.perf_counter() - t
        yield item


def read_items(root: Path, items: Iterable[WorkItem], settings: Settings) -> Iterator[Any]:
    """The raw documents (or quarantine records) of each work item, in order.

    A reader that raises is a bug, but still only costs its own file: the exception becomes
    that file's quarantine record.
    """
    for item in items:
        ref: FileRef | str = item.path
        if item.size is not None and item.modified_at is not None:
            when = datetime.fromisoformat(item.modified_at)
            ref = FileRef(rel_path=item.path, size=item.size, modified_at=when)
        span = None
        if item.start is not None and item.end is not None:
            span = Span(item.start, item.end, item.first_record or 1)
        try:
            yield from read(root, ref, settings, span=span, sha256=item.sha256)
        except Exception as e:
            yield Quarantine(item.path, item.sha256, "read", f"{type(e).__name__}: {e}")


class _Processor:
    """One batch's pass from work items to staged rows, with its stats and side files."""

    def __init__(self, ctx: RunContext, settings: Settings, warnings: IO[str]) -> None:
        self.ctx = ctx
        self.settings = settings
        self.warnings = warnings
        self.stats = BatchStats()
        self.held: deque[Quarantine] = deque()  # quarantined while entities buffer articles
        self.ingested_at = datetime.now(UTC).isoformat()
        self.stages = fingerprints(settings).as_dict()
        self.stories = story_settings(settings)
        self.redo: dict[str, str] = {}  # path -> the stale stage it is re-read for

    def articles(self, items: list[WorkItem]) -> Iterator[Article]:
        """Prepared articles; quarantine records are held for the row stream."""
        self.redo = {i.path: i.redo for i in items if i.redo}
        secs = self.stats.stage_seconds
        raws = _timed(read_items(Path(self.ctx.input_root), items, self.settings), secs, "read")
        for result, warning in _timed(prepare_all(raws, self.settings), secs, "clean"):
            if isinstance(result, Quarantine):
                self.held.append(result)
                continue
            if warning:
                self._warn(result, warning)
            yield result

    def rows(self, articles: Iterator[Article], done: DocsDone | None) -> Iterator[dict[str, Any]]:
        """Staged rows: quarantine records as they come, then each annotated document."""
        models: set[str] = set()
        for article in _timed(
            add_entities(articles, self.settings), self.stats.stage_seconds, "entities"
        ):
            while self.held:
                yield self._quarantined(self.held.popleft())
            if isinstance(article, Quarantine):
                yield self._quarantined(article)
                continue
            self.stats.docs += 1
            if article.entities is not None:
                models.add(article.entities.model)
            if done:
                done(1)
            yield self._row(article)
        while self.held:
            yield self._quarantined(self.held.popleft())
        self.stats.models = sorted(models)

    def _row(self, article: Article) -> dict[str, Any]:
        row: dict[str, Any] = {
            "kind": "doc",
            "id": doc_id(article),
            "doc": to_document(
                article, run_id=self.ctx.run_id, ingested_at=self.ingested_at, stages=self.stages
            ),
        }
        # Band keys here, in the worker processes: the story pass after loading only reads them.
        row["doc"]["story"] = {"bands": list(fingerprint(article.body, self.stories).band_keys)}
        if article.record is not None:
            row["record"] = article.record
        if redo := self.redo.get(article.source.path):
            row["redo"] = redo
        return row

    def _quarantined(self, q: Quarantine) -> dict[str, Any]:
        self.stats.quarantined += 1
        return {"kind": "quarantine", **q.as_dict()}

    def _warn(self, article: Article | RawDoc, reason: str) -> None:
        """Keep a warning for a document that loads without its sidecar/manifest fields."""
        # INFO, not WARNING: the run summary and the DAG's finalize report every warning once,
        # while a broken manifest would repeat here for each file of its folder.
        row: dict[str, Any] = {
            "path": article.source.path,
            "sha256": article.source.sha256,
            "reason": reason,
        }
        if article.record is not None:
            row["record"] = article.record
        log.info("%s", warning_line(row))
        self.stats.warnings += 1
        stg.write_line(self.warnings, row)

    def finish(self) -> BatchStats:
        # Entities pull articles through read and clean: keep their time out of its share.
        secs = self.stats.stage_seconds
        secs["clean"] = max(0.0, secs["clean"] - secs["read"])
        secs["entities"] = max(0.0, secs["entities"] - secs["read"] - secs["clean"])
        return self.stats


def batch_documents(batch_uri: str) -> int:
    """The documents a batch's manifest expects (for progress)."""
    if StagingLayout.is_reprocess(StagingLayout.batch_name(batch_uri)):
        return sum(1 for _ in stg.read_jsonl(batch_uri))
    return sum(WorkItem.from_json(i).docs for i in stg.read_json(batch_uri))


def process_batch(
    ctx: RunContext, batch_uri: str, settings: Settings, done: DocsDone | None = None
) -> str:
    """Read, clean, add metadata and entities for one batch; return the staged file's location.

    ``done(n)`` is told as documents finish (progress). A document whose sidecar or manifest
    was broken still loads; a warning row says so.
    """
    layout = StagingLayout(ctx.staging)
    name = layout.batch_name(batch_uri)
    out = layout.staged(name)
    if layout.is_reprocess(name):
        with stg.open_text(layout.quarantine(name, "process"), "w") as qf:
            again = Rederiver(ctx, settings, done)
            stg.write_jsonl(out, _tee_quarantine(again.rows(stored_docs(batch_uri)), qf))
        stg.write_json(layout.stats(name), again.stats.to_json())
        return out
    items = [WorkItem.from_json(i) for i in stg.read_json(batch_uri)]
    with (
        stg.open_text(layout.quarantine(name, "process"), "w") as qf,
        stg.open_text(layout.warnings(name), "w") as wf,
    ):
        proc = _Processor(ctx, settings, wf)
        rows = proc.rows(proc.articles(items), done)
        stg.write_jsonl(out, _tee_quarantine(rows, qf))
    stg.write_json(layout.stats(name), proc.finish().to_json())
    return out


def _tee_quarantine(rows: Iterator[dict[str, Any]], qf: IO[str]) -> Iterator[dict[str, Any]]:
    """Pass rows through, copying quarantine rows to the batch's small quarantine file."""
    for row in rows:
        if row["kind"] == "quarantine":
            stg.write_line(qf, {k: v for k, v in row.items() if k != "kind"})
        yield row


def staged_items(staged_uri: str) -> Iterator[Item]:
    """The documents of a staged batch, streamed."""
    for row in stg.read_jsonl(staged_uri):
        if row["kind"] == "doc":
            yield Item(row["id"], row["doc"], row.get("record"), row.get("redo"))


def load_batch(
    es: Elasticsearch | None, ctx: RunContext, staged_uri: str, settings: Settings
) -> LoadCounts:
    """Bulk-load one staged batch into the run's target index; return its counts (small).

    Documents Elasticsearch refuses go to the batch's load quarantine file, which a retried
    task rewrites rather than appends to. A dry run only counts what would be loaded.
    """
    started = time.perf_counter()
    if ctx.dry_run or es is None or ctx.target_index is None:
        counts = LoadCounts(staged=staged_uri, would_load=sum(1 for _ in staged_items(staged_uri)))
    else:
        counts = _load(es, ctx, ctx.target_index, staged_uri, settings)
    counts.seconds = round(time.perf_counter() - started, 3)
    return counts


def _load(
    es: Elasticsearch, ctx: RunContext, target: str, staged_uri: str, settings: Settings
) -> LoadCounts:
    layout = StagingLayout(ctx.staging)
    name = layout.batch_name(staged_uri)
    split = {i.path for i in _manifest(layout, name) if i.is_span}
    produced: dict[str, set[str]] = {}  # path -> ids, to find documents a file no longer makes
    refused: set[str] = set()

    def items() -> Iterator[Item]:
        for it in staged_items(staged_uri):
            produced.setdefault(it.doc["source"]["path"], set()).add(it.id)
            yield it

    with stg.open_text(layout.quarantine(name, "load"), "w") as qf:

        def quarantined(q: Quarantine) -> None:
            refused.add(q.path)
            stg.write_line(qf, q.as_dict())

        counts = load(
            es,
            target,
            items(),
            settings,
            incremental=ctx.incremental,
            on_quarantine=quarantined,
            owner_alive=partial(_alive, Path(ctx.input_root)),
        )
    counts.staged = staged_uri
    if layout.is_reprocess(name):
        return counts  # stored documents, rewritten in place: no file was re-read
    if ctx.incremental:  # a full run fills a new generation: nothing stale can be in it
        whole = {p: ids for p, ids in produced.items() if p not in refused and p not in split}
        counts.removed = remove_stale(es, target, whole)
    if ctx.incremental and split:
        # A file split over batches is swept once all of them are in (remove_stale_spans).
        with stg.open_text(layout.produced(name), "w") as f:
            for path in split:
                rows = ({"path": path, "id": i} for i in sorted(produced.get(path, ())))
                for row in rows:
                    stg.write_line(f, row)
                if path in refused:
                    stg.write_line(f, {"path": path, "refused": True})
    return counts


def _alive(root: Path, rel: str) -> bool:
    """Whether ``rel`` (a path from the index) still names a file under the raw root."""
    parts = Path(rel).parts
    if not rel or Path(rel).is_absolute() or ".." in parts:
        return False  # not a path this pipeline wrote: nothing outside the root is looked at
    return os.path.lexists(root / rel)


def _manifest(layout: StagingLayout, name: str) -> list[WorkItem]:
    loc = layout.manifest_of(name)
    return [WorkItem.from_json(i) for i in stg.read_json(loc)] if stg.exists(loc) else []


def remove_stale_spans(es: Elasticsearch, ctx: RunContext, results: Iterable[LoadCounts]) -> int:
    """After all batches: documents of re-read, split JSON-lines files that they no longer
    produce (a record left the export) are removed; a file with a refused record keeps its.

    Holds the ids of one run's split files (about 40 bytes a record), not their documents.
    """
    layout = StagingLayout(ctx.staging)
    produced: dict[str, set[str]] = {}
    refused: set[str] = set()
    for r in results:
        loc = layout.produced(layout.batch_name(r.staged))
        if not stg.exists(loc):
            continue
        for row in stg.read_jsonl(loc):
            if row.get("refused"):
                refused.add(row["path"])
            else:
                produced.setdefault(row["path"], set()).add(row["id"])
    keep = {p: ids for p, ids in produced.items() if p not in refused}
    if not keep or ctx.target_index is None:
        return 0
    es.indices.refresh(index=ctx.target_index)
    return remove_stale(es, ctx.target_index, keep)
