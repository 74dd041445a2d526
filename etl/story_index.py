"""Stories in the index: near-duplicate copies joined once a run's documents are loaded.

Runs in one place after all of a run's batches are in (the CLI's run, the DAG's ``finalize``),
so mapped load tasks on several workers never race to start two stories for two copies. Each
page of documents without a story is fingerprinted (the band keys the process step stored,
else from the body), its candidates are found with one terms query on ``story.bands``, and
confirmed on their stored bodies (:mod:`etl.stories`). Then every story whose stored size or
representative no longer matches its documents (a copy added, changed or removed) is fixed,
so ``story.size`` stays true as copies come and go.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from elasticsearch import helpers

from etl.es import composite_buckets
from etl.load import apply
from etl.settings import Settings
from etl.stories import (
    StoryMember,
    StorySettings,
    assign_batch,
    candidate_pairs,
    fingerprint,
    load_story_settings,
    shingles,
    similarity,
    story_fields,
    story_key,
)

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

PAGE = 200  # documents assigned per round (one terms query for their candidates)
_NEW = {"bool": {"must_not": {"exists": {"field": "story.id"}}}}
_FIELDS = ["body", "published_at", "story.id", "story.bands"]


@dataclass
class StoryCounts:
    """What the pass did: documents given a story, stories merged, stories fixed."""

    assigned: int = 0
    merged: int = 0
    fixed: int = 0


@dataclass(frozen=True)
class _Doc:
    member: StoryMember
    shingles: frozenset[str]
    bands: tuple[str, ...]


def story_settings(settings: Settings) -> StorySettings:
    """The detector's parameters, from the file ``stories.config`` names."""
    return load_story_settings(settings.path(settings.stories.config))


def update_stories(es: Elasticsearch, index: str, settings: Settings) -> StoryCounts:
    """Give every document of ``index`` without a story its story, then fix story sizes."""
    cfg = story_settings(settings)
    counts = StoryCounts()
    es.indices.refresh(index=index)
    while True:
        hits = es.search(index=index, size=PAGE, query=_NEW, source_includes=_FIELDS, sort=["_doc"])
        page = hits["hits"]["hits"]
        done = _assign_page(es, index, page, cfg, counts) if page else 0
        es.indices.refresh(index=index)
        if done < len(page) or not page:
            break  # nothing left, or a write failed: never loop on the same page
    counts.fixed = fix_stories(es, index)
    return counts


def _doc(hit: dict[str, Any], cfg: StorySettings, seen: dict[str, frozenset[str]]) -> _Doc:
    """A hit as story assignment sees it; ``seen`` shares one shingle set between documents
    with the same body (syndicated copies are often exact), so a page of a story with
    hundreds of copies shingles that body once."""
    src = hit.get("_source") or {}
    body = str(src.get("body") or "")
    bands = tuple((src.get("story") or {}).get("bands") or ())
    if not bands:
        bands = fingerprint(body, cfg).band_keys
    if (sh := seen.get(body)) is None:
        sh = seen[body] = shingles(body, cfg.shingle_size)
    story = (src.get("story") or {}).get("id")
    return _Doc(StoryMember(hit["_id"], _date(src.get("published_at")), story), sh, bands)


def _date(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _assign_page(
    es: Elasticsearch, index: str, page: list[dict[str, Any]], cfg: StorySettings, c: StoryCounts
) -> int:
    seen: dict[str, frozenset[str]] = {}
    batch = {h["_id"]: _doc(h, cfg, seen) for h in page}
    indexed = dict(_candidates(es, index, batch, cfg, seen))
    by_key: dict[str, list[str]] = defaultdict(list)
    for i, d in indexed.items():
        for k in d.bands:
            by_key[k].append(i)
    edges: set[tuple[str, str]] = set()
    for a, d in batch.items():  # each document against the candidates sharing one of its keys
        for b in {i for k in d.bands for i in by_key.get(k, ())}:
            if _alike(d, indexed[b], cfg):
                edges.add((min(a, b), max(a, b)))
    for a, b in candidate_pairs({i: d.bands for i, d in batch.items()}):
        if _alike(batch[a], batch[b], cfg):
            edges.add((a, b))
    result = assign_batch(
        [d.member for d in batch.values()], [d.member for d in indexed.values()], edges
    )
    actions = (
        {
            "_op_type": "update",
            "_index": index,
            "_id": i,
            "doc": {"story": {**story_fields(sid, i, 1), "bands": list(batch[i].bands)}},
        }
        for i, sid in result.story_ids.items()
    )
    done = apply(es, actions, "set the story of")
    for old, new in result.relabel.items():
        c.merged += 1
        apply(es, _relabel(es, index, old, new), "relabel the story of")
    c.assigned += done
    return done


def _candidates(
    es: Elasticsearch,
    index: str,
    batch: dict[str, _Doc],
    cfg: StorySettings,
    seen: dict[str, frozenset[str]],
) -> Iterator[tuple[str, _Doc]]:
    """Indexed documents with a story that share a band key with the batch."""
    keys = sorted({k for d in batch.values() for k in d.bands})
    if not keys:
        return
    query = {
        "bool": {"filter": [{"terms": {"story.bands": keys}}, {"exists": {"field": "story.id"}}]}
    }
    for hit in helpers.scan(es, index=index, query={"query": query, "_source": _FIELDS}):
        if hit["_id"] not in batch:
            yield hit["_id"], _doc(hit, cfg, seen)


def _alike(a: _Doc, b: _Doc, cfg: StorySettings) -> bool:
    if not (a.shingles and b.shingles):
        return False
    return a.shingles is b.shingles or similarity(a.shingles, b.shingles) >= cfg.threshold


def _relabel(es: Elasticsearch, index: str, old: str, new: str) -> Iterator[dict[str, Any]]:
    hits = helpers.scan(
        es, index=index, query={"query": {"term": {"story.id": old}}}, _source=False
    )
    for h in hits:
        yield {
            "_op_type": "update",
            "_index": index,
            "_id": h["_id"],
            "doc": {"story": {"id": new}},
        }


def fix_stories(es: Elasticsearch, index: str) -> int:
    """Rewrite ``story.size`` and ``story.canonical`` of every story whose documents no longer
    agree with them (a copy added, changed or removed; its representative removed, in which
    case the earliest remaining copy represents it). Returns the stories fixed."""
    es.indices.refresh(index=index)
    bad = [b["key"]["value"] for b in _story_buckets(es, index) if not _consistent(b)]
    for story in bad:
        members = [
            (h["_id"], _date((h.get("_source") or {}).get("published_at")))
            for h in helpers.scan(
                es,
                index=index,
                query={"query": {"term": {"story.id": story}}, "_source": ["published_at"]},
            )
        ]
        if not members:
            continue
        ids = {i for i, _ in members}
        new_id = (
            story if story.split("~", 1)[-1] in ids else min(story_key(i, w) for i, w in members)
        )
        actions = (
            {
                "_op_type": "update",
                "_index": index,
                "_id": i,
                "doc": {"story": story_fields(new_id, i, len(members))},
            }
            for i, _ in members
        )
        apply(es, actions, "fix the story of")
    if bad:
        es.indices.refresh(index=index)
    return len(bad)


def _story_buckets(es: Elasticsearch, index: str) -> Iterator[dict[str, Any]]:
    """Per story: its documents, the smallest and largest stored size, its canonical count."""
    aggs = {
        "lo": {"min": {"field": "story.size"}},
        "hi": {"max": {"field": "story.size"}},
        "canon": {"filter": {"term": {"story.canonical": True}}},
    }
    return composite_buckets(es, index, "story.id", aggs=aggs)


def _consistent(bucket: dict[str, Any]) -> bool:
    n = bucket["doc_count"]
    return bool(
        bucket["lo"]["value"] == bucket["hi"]["value"] == n and bucket["canon"]["doc_count"] == 1
    )
