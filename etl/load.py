"""Bulk loading with ``helpers.streaming_bulk``: streamed, retried, accounted for per document.

Every document ends in exactly one count: ``new``, ``updated`` or ``unchanged`` when it is in the
index, or ``quarantined`` (stage ``load``) with Elasticsearch's reason when it is not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from elasticsearch import ConnectionError as ESConnectionError
from elasticsearch import ConnectionTimeout, helpers

from etl.batching import cut
from etl.documents import FILE_FIELDS
from etl.errors import PipelineError
from etl.es import RETRY_STATUS
from etl.records import Quarantine
from etl.settings import Settings
from etl.stats import LoadCounts

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)

# Per-document errors that say the index cannot take writes, whatever the document.
_CLUSTER_ERRORS = frozenset(
    {"cluster_block_exception", "index_closed_exception", "index_not_found_exception"}
)
# Stages re-derived from a stored document (etl.reprocess) rather than from its file.
FROM_STORE = frozenset({"ner", "entities", "merges"})
_LOOKUP_FIELDS = ["content_sha256", "run_id", "source.path", *(f"source.{f}" for f in FILE_FIELDS)]


class Item(NamedTuple):
    """One staged document: its id, its source, and its record number in a JSON file."""

    id: str
    doc: dict[str, Any]
    record: int | None = None
    redo: str | None = None  # re-derived for this stale stage (its file did not change)


class LoadError(PipelineError):
    """Elasticsearch could not be reached even after the client's retries: the run stops."""


@dataclass(frozen=True)
class Decision:
    """What to do with one staged document, given what the index holds under its id."""

    action: dict[str, Any] | None = None  # a bulk action to send
    counted: str | None = None  # a count settled without waiting for a bulk result
    quarantine: Quarantine | None = None


@dataclass(frozen=True)
class _Pending:
    """A document sent to the bulk API whose result has not been seen yet."""

    kind: str  # "new" | "updated"
    path: str
    sha256: str | None
    record: int | None
    redo: str | None = None


@dataclass(frozen=True)
class _Outcome:
    """One staged document's decision, and what to remember of it until its bulk result."""

    id: str
    decision: Decision
    pending: _Pending | None = None  # set when the decision sends a document


def load(
    es: Elasticsearch,
    index: str,
    items: Iterable[Item],
    settings: Settings,
    *,
    incremental: bool,
    on_quarantine: Callable[[Quarantine], None],
    owner_alive: Callable[[str], bool] = lambda _: False,
) -> LoadCounts:
    """Index staged documents into ``index``; skip the unchanged ones; account for every one.

    Before each chunk is sent, one ``mget`` (``content_sha256`` and a few lineage fields only)
    sorts it into new, changed and unchanged. Full runs write with ``create`` into their fresh
    index, so two documents with the same id can never silently replace each other. Refused
    documents go to ``on_quarantine``. ``owner_alive(path)`` says whether the file an indexed
    document came from still exists: then another file with the same identity is a duplicate,
    not a move. Memory is bounded by a chunk, plus one id per document of this call (to catch
    duplicates).
    """
    s = settings.elasticsearch
    tally = _Tally(on_quarantine)
    seen: dict[str, str] = {}  # id -> source path, for everything this call handled

    def actions() -> Iterator[dict[str, Any]]:
        for chunk in cut(items, max_docs=s.chunk_docs):
            existing = _lookup(es, index, [i.id for i in chunk])
            for outcome in _decide(chunk, existing, seen, index, incremental, owner_alive):
                tally.settle(outcome)
                if outcome.decision.action is not None:
                    yield outcome.decision.action

    for ok, item in _guarded(
        es,
        actions(),
        chunk_size=s.chunk_docs,
        max_chunk_bytes=s.chunk_bytes,
        raise_on_error=False,
        raise_on_exception=False,
        max_retries=s.max_retries,
        initial_backoff=s.initial_backoff,
        max_backoff=s.max_backoff,
        retry_on_status=RETRY_STATUS,
    ):
        tally.result(ok, item)
    return tally.counts


def _decide(
    chunk: list[Item],
    existing: dict[str, dict[str, Any]],
    seen: dict[str, str],
    index: str,
    incremental: bool,
    owner_alive: Callable[[str], bool],
) -> list[_Outcome]:
    """The outcome of each document of a chunk, in order; adds the chunk's ids to ``seen``."""
    outcomes = []
    for it in chunk:
        src = it.doc.get("source", {})
        path = str(src.get("path", it.id))
        if it.id in seen:
            outcomes.append(_Outcome(it.id, Decision(quarantine=_duplicate(it, seen[it.id]))))
            continue
        seen[it.id] = path
        d = classify(
            it, existing.get(it.id), index, incremental=incremental, owner_alive=owner_alive
        )
        pending = None
        if d.action is not None and d.action["_op_type"] != "update":
            kind = "updated" if it.id in existing else "new"
            pending = _Pending(kind, path, src.get("sha256"), it.record, it.redo)
        outcomes.append(_Outcome(it.id, d, pending))
    return outcomes


class _Tally:
    """The counts of one load call, and the sent documents whose bulk result is still due."""

    def __init__(self, on_quarantine: Callable[[Quarantine], None]) -> None:
        self.counts = LoadCounts()
        self._pending: dict[str, _Pending] = {}
        self._on_quarantine = on_quarantine

    def quarantine(self, q: Quarantine) -> None:
        self.counts.quarantined += 1
        self._on_quarantine(q)

    def settle(self, outcome: _Outcome) -> None:
        """Count what a decision settles now; remember a sent document until its result."""
        d = outcome.decision
        if d.quarantine is not None:
            self.quarantine(d.quarantine)
        if d.counted is not None:
            self.counts.add(d.counted)
        if outcome.pending is not None:
            self._pending[outcome.id] = outcome.pending

    def result(self, ok: bool, item: dict[str, Any]) -> None:
        """Count one bulk result; a failure that is not the document's stops the run."""
        op, info = next(iter(item.items()))
        if not ok and not_the_documents_fault(info):
            # Overloaded, blocked or gone even after the retries: quarantining would blame the
            # document, so the run stops instead and a re-run picks up from here.
            raise PipelineError(f"Elasticsearch could not take the documents: {_reason(info)}")
        doc_id = str(info.get("_id"))
        if op == "update":  # only the file's mtime, on an unchanged document
            if not ok:
                log.warning("could not refresh source.modified_at of %s: %s", doc_id, _reason(info))
            return
        p = self._pending.pop(doc_id, None) or _Pending("new", doc_id, None, None)
        if ok and p.redo and p.kind == "updated":
            self.counts.add_reprocessed(p.redo)
        elif ok:
            self.counts.add(p.kind)
        else:
            self.counts.failed += 1
            self.quarantine(Quarantine(p.path, p.sha256, "load", _reason(info), p.record))


def classify(
    it: Item,
    old: dict[str, Any] | None,
    index: str,
    *,
    incremental: bool,
    owner_alive: Callable[[str], bool] = lambda _: False,
) -> Decision:
    """The bulk action for one document, its count when settled already, or its quarantine.

    A URL has one owner file: a document whose id is held by a document of another file that
    still exists is quarantined on every run (the two used to replace each other nightly),
    until one of them changes; when the other file is gone, the document moved and is updated.
    """
    doc = it.doc
    if old is None:
        op = "index" if incremental else "create"
        return Decision(action={"_op_type": op, "_index": index, "_id": it.id, "_source": doc})
    same = old.get("content_sha256") == doc.get("content_sha256")
    # Re-derived from the index itself, it cannot duplicate another file's document; the merge
    # pass rewrites documents this very run loaded from their files.
    if old.get("run_id") == doc.get("run_id") and it.redo not in FROM_STORE:
        if same:
            # Written by an earlier attempt of this very batch (a retried task): it is loaded.
            return Decision(counted="new")
        return Decision(quarantine=_duplicate(it, str(old.get("source", {}).get("path"))))
    owner = str(old.get("source", {}).get("path", ""))
    path = str(doc.get("source", {}).get("path", ""))
    if owner and owner != path and owner_alive(owner):
        return Decision(quarantine=_duplicate(it, owner, indexed=True))
    if not same or it.redo:
        # A re-derived document is written even when its content came out the same: its
        # stage fingerprints (outside the content hash) must be brought up to date.
        return Decision(action={"_op_type": "index", "_index": index, "_id": it.id, "_source": doc})
    src, was = doc.get("source", {}), old.get("source", {})
    moved = {k: src[k] for k in FILE_FIELDS if src.get(k) is not None and was.get(k) != src[k]}
    if moved:
        # A touched file, or an export that grew: same content, new mtime or size. Record them
        # (so discover can skip the file next time) without re-writing the document.
        update = {"_op_type": "update", "_index": index, "_id": it.id, "doc": {"source": moved}}
        return Decision(action=update, counted="unchanged")
    return Decision(counted="unchanged")


def not_the_documents_fault(info: dict[str, Any]) -> bool:
    """A failure of the whole request or of the cluster, not a refusal of this document."""
    if "exception" in info:  # the whole bulk request failed (raise_on_exception=False)
        return True
    try:
        status = int(info.get("status") or 0)
    except (TypeError, ValueError):
        status = 0
    err = info.get("error")
    kind = err.get("type") if isinstance(err, dict) else None
    return status == 429 or status >= 500 or kind in _CLUSTER_ERRORS


def _duplicate(it: Item, first_path: str, *, indexed: bool = False) -> Quarantine:
    src = it.doc.get("source", {})
    why = (
        f"duplicate: same source identity (id {it.id}) as {first_path}, which is indexed and "
        "still in the raw root; change one of the two (URL, or remove a copy)"
        if indexed
        else f"duplicate: same source identity (id {it.id}) as {first_path}, loaded by this run"
    )
    return Quarantine(str(src.get("path", it.id)), src.get("sha256"), "load", why, it.record)


def _lookup(es: Elasticsearch, index: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """What the index holds for these ids (only the fields change detection needs)."""
    resp = es.mget(index=index, ids=ids, source_includes=_LOOKUP_FIELDS)
    return {d["_id"]: d.get("_source", {}) for d in resp["docs"] if d.get("found")}


def _guarded(es: Elasticsearch, actions: Iterator[dict[str, Any]], **kw: Any) -> Iterator[Any]:
    """``streaming_bulk`` with a connection failure (after the client's retries) as LoadError.

    The mget lookups run inside ``actions`` and so are covered too.
    """
    try:
        yield from helpers.streaming_bulk(es, actions, **kw)
    except (ESConnectionError, ConnectionTimeout) as e:
        raise LoadError(
            f"Elasticsearch at {_url(es)} unreachable after {_retries(es)} retries: {e}"
        ) from e


def _url(es: Elasticsearch) -> str:
    nodes = es.transport.node_pool.all()
    return str(nodes[0].base_url) if nodes else "?"


def _retries(es: Elasticsearch) -> int:
    n = getattr(es, "_max_retries", None)  # the per-client option; not public API
    return n if isinstance(n, int) else 3


def _reason(info: dict[str, Any]) -> str:
    """Elasticsearch's error type and reason, with the cause when it says more."""
    err = info.get("error")
    if isinstance(err, dict):
        reason = f"{err.get('type')}: {err.get('reason')}"
        cause = err.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" (caused by {cause.get('type')}: {cause.get('reason')})"
        return reason
    return f"HTTP {info.get('status')}: {' '.join(str(err).split())}"


def remove_stale(es: Elasticsearch, index: str, produced: dict[str, set[str]]) -> int:
    """Delete documents of re-read files that those files no longer produce; return how many.

    A file's document id follows its URL (or publisher): when a sidecar corrects it, or a
    record leaves a ``.jsonl``, the old document would otherwise stay searchable next to the
    new one for good. ``produced`` maps each re-read path to the ids it loaded this time; leave
    out paths whose documents did not all land, so nothing is deleted in favour of a failure.
    """
    if not produced:
        return 0
    hits = helpers.scan(
        es,
        index=index,
        query={"query": {"terms": {"source.path": list(produced)}}},
        _source=["source.path"],
    )
    # Every hit's path is one of produced's keys: the query asked for exactly those paths.
    stale = [h["_id"] for h in hits if h["_id"] not in produced[h["_source"]["source"]["path"]]]
    actions = ({"_op_type": "delete", "_index": index, "_id": i} for i in stale)
    return apply(es, actions, "remove stale document")


def apply(es: Elasticsearch, actions: Iterable[dict[str, Any]], what: str) -> int:
    """Send maintenance actions (deletes, partial updates) in bulk; return how many succeeded.

    A refused action is logged with Elasticsearch's reason (``could not WHAT ID: ...``) and
    the others go on: the caller's next run sees what is still to do.
    """
    done = 0
    for ok, item in helpers.streaming_bulk(es, actions, raise_on_error=False):
        if ok:
            done += 1
            continue
        info = next(iter(item.values()))
        log.warning("could not %s %s: %s", what, info.get("_id"), _reason(info))
    return done
