"""Which files are unchanged since they were indexed, decided without reading them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from etl import __version__
from etl.readers import FileRef

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Documents of files without sidecar/manifest fields have no fingerprint; count them as this.
_NO_META = "-"
_META_TERMS = {"terms": {"field": "source.meta_sha256", "missing": _NO_META, "size": 2}}


def epoch_millis(when: datetime) -> int:
    """Milliseconds since the epoch, as Elasticsearch stores a date (exact, no float rounding)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // timedelta(milliseconds=1)


def unchanged_paths(es: Elasticsearch, index: str, refs: list[FileRef]) -> set[str]:
    """Paths whose every indexed document has the file's current size, mtime and metadata
    fingerprint (its sidecar/manifest fields), and was made by this pipeline version (a new
    version re-derives everything).

    One aggregation per chunk of paths, so requests and memory do not grow with the index.
    """
    by_path = {r.rel_path: r for r in refs}
    stats = {
        f"{fn}_{name}": {fn: {"field": f"source.{name}"}}
        for fn in ("min", "max")
        for name in ("size", "modified_at")
    }
    stale = {"filter": {"bool": {"must_not": {"term": {"pipeline_version": __version__}}}}}
    resp = es.search(
        index=index,
        size=0,
        query={"terms": {"source.path": list(by_path)}},
        aggs={
            "paths": {
                "terms": {"field": "source.path", "size": len(by_path)},
                "aggs": {**stats, "stale": stale, "meta": _META_TERMS},
            }
        },
    )
    same: set[str] = set()
    for b in resp["aggregations"]["paths"]["buckets"]:
        ref = by_path.get(b["key"])
        if ref is None or b["stale"]["doc_count"]:
            continue
        if [m["key"] for m in b["meta"]["buckets"]] != [ref.meta_sha256 or _NO_META]:
            continue  # the sidecar or manifest fields changed (or came or went)
        mtime = epoch_millis(ref.modified_at)
        if (
            b["min_size"]["value"] == b["max_size"]["value"] == ref.size
            and b["min_modified_at"]["value"] == b["max_modified_at"]["value"] == mtime
        ):
            same.add(ref.rel_path)
    return same
