"""Bulk loading with ``helpers.streaming_bulk``: streamed, retried, accounted per item."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from elasticsearch import helpers

from etl.records import Quarantine
from etl.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

# Ids looked up per mget when deciding new / changed / unchanged.
LOOKUP_CHUNK = 500


@dataclass
class LoadResult:
    """Counts of one load and the documents Elasticsearch refused."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    quarantine: list[Quarantine] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "quarantine": [q.as_dict() for q in self.quarantine],
        }


def _chunks(docs: Iterable[tuple[str, dict[str, Any]]]) -> Iterator[list[tuple[str, dict]]]:
    chunk: list[tuple[str, dict[str, Any]]] = []
    for item in docs:
        chunk.append(item)
        if len(chunk) >= LOOKUP_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(
    es: Elasticsearch,
    index: str,
    docs: Iterable[tuple[str, dict[str, Any]]],
    settings: Settings,
    *,
    incremental: bool,
) -> LoadResult:
    """Index ``(id, document)`` pairs; in incremental mode skip those whose content is unchanged.

    Memory stays bounded by one lookup chunk whatever the number of documents.
    """
    s = settings.elasticsearch
    result = LoadResult()
    kinds: dict[str, str] = {}  # id -> "new" | "updated", for the current chunk only
    sources: dict[str, dict[str, Any]] = {}

    def actions() -> Iterator[dict[str, Any]]:
        for chunk in _chunks(docs):
            kinds.clear()
            sources.clear()
            existing = _existing_hashes(es, index, [i for i, _ in chunk]) if incremental else {}
            for doc_id, doc in chunk:
                old = existing.get(doc_id)
                if old is not None and old == doc.get("content_sha256"):
                    result.unchanged += 1
                    continue
                kinds[doc_id] = "updated" if old is not None else "new"
                sources[doc_id] = doc["source"]
                yield {"_op_type": "index", "_index": index, "_id": doc_id, "_source": doc}

    for ok, item in helpers.streaming_bulk(
        es,
        actions(),
        chunk_size=s.chunk_docs,
        max_chunk_bytes=s.chunk_bytes,
        raise_on_error=False,
        # A transport failure (server gone after the client's retries) ends the run: it is
        # not the document's fault, so it must not be quarantined as if it were.
        raise_on_exception=True,
        max_retries=s.max_retries,
        initial_backoff=s.initial_backoff,
        max_backoff=s.max_backoff,
    ):
        info = item.get("index", {})
        doc_id = str(info.get("_id"))
        if ok:
            if kinds.get(doc_id) == "updated":
                result.updated += 1
            else:
                result.new += 1
            continue
        result.failed += 1
        src = sources.get(doc_id, {})
        result.quarantine.append(
            Quarantine(
                path=src.get("path", doc_id),
                sha256=src.get("sha256"),
                stage="load",
                reason=_reason(info),
            )
        )
    return result


def _existing_hashes(es: Elasticsearch, index: str, ids: list[str]) -> dict[str, str]:
    resp = es.mget(index=index, ids=ids, source_includes=["content_sha256"])
    return {
        d["_id"]: d["_source"].get("content_sha256", "") for d in resp["docs"] if d.get("found")
    }


def _reason(info: dict[str, Any]) -> str:
    err = info.get("error")
    if isinstance(err, dict):
        reason = f"{err.get('type')}: {err.get('reason')}"
        cause = err.get("caused_by")
        if isinstance(cause, dict) and cause.get("reason"):
            reason += f" ({cause.get('type')}: {cause.get('reason')})"
        return reason
    return f"HTTP {info.get('status')}: {err}"
