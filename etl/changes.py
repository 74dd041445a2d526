"""Which files are unchanged since they were indexed, decided without reading them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from etl import __version__
from etl.fingerprints import Fingerprints
from etl.readers import FileRef

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Documents of files without sidecar/manifest fields have no fingerprint; count them as this.
_NO_META = "-"
SAME = "same"
_META_TERMS = {"terms": {"field": "source.meta_sha256", "missing": _NO_META, "size": 2}}


def epoch_millis(when: datetime) -> int:
    """Milliseconds since the epoch, as Elasticsearch stores a date (exact, no float rounding)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // timedelta(milliseconds=1)


def file_states(
    es: Elasticsearch, index: str, refs: list[FileRef], stages: Fingerprints
) -> dict[str, str]:
    """Per path whose file is unchanged since it was indexed: ``same`` (skip it), or the first
    stage whose fingerprint is stale (``clean`` or ``metadata``: re-read it, though its bytes
    did not change). Paths left out changed, are new, or were indexed by another pipeline
    version (a new version re-derives everything).

    A file is unchanged when every indexed document of it has the file's current size, mtime
    and metadata fingerprint (its sidecar/manifest fields). One aggregation per chunk of paths,
    so requests and memory do not grow with the index.
    """
    by_path = {r.rel_path: r for r in refs}
    stats = {
        f"{fn}_{name}": {fn: {"field": f"source.{name}"}}
        for fn in ("min", "max")
        for name in ("size", "modified_at")
    }
    stale = {
        "old": _not_term("pipeline_version", __version__),
        "clean": _not_term("pipeline.clean", stages.clean),
        "metadata": _not_term("pipeline.metadata", stages.metadata),
    }
    resp = es.search(
        index=index,
        size=0,
        query={"terms": {"source.path": list(by_path)}},
        aggs={
            "paths": {
                "terms": {"field": "source.path", "size": len(by_path)},
                "aggs": {**stats, **stale, "meta": _META_TERMS},
            }
        },
    )
    states: dict[str, str] = {}
    for b in resp["aggregations"]["paths"]["buckets"]:
        ref = by_path.get(b["key"])
        if ref is None or b["old"]["doc_count"] or not _same_file(b, ref):
            continue
        redo = [stage for stage in ("clean", "metadata") if b[stage]["doc_count"]]
        states[ref.rel_path] = redo[0] if redo else SAME
    return states


def _not_term(field: str, value: str) -> dict[str, Any]:
    return {"filter": {"bool": {"must_not": {"term": {field: value}}}}}


def _same_file(bucket: dict[str, Any], ref: FileRef) -> bool:
    """Size, mtime and metadata fingerprint of every document match the file's."""
    if [m["key"] for m in bucket["meta"]["buckets"]] != [ref.meta_sha256 or _NO_META]:
        return False  # the sidecar or manifest fields changed (or came or went)
    mtime = epoch_millis(ref.modified_at)
    b = bucket
    return (
        b["min_size"]["value"] == b["max_size"]["value"] == ref.size
        and b["min_modified_at"]["value"] == b["max_modified_at"]["value"] == mtime
    )
