"""The Elasticsearch document for an article: its id, content hash and fields.

The id comes from the source's identity (URL when known, else publisher + relative path, plus
the record number inside a JSON file), so a re-run finds the same document; the content hash
covers everything the pipeline derives, so an unchanged article is skipped and a changed one
is updated in place.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from etl import __version__
from etl.records import Article, Entities

PIPELINE_VERSION = __version__
# What a document says of its whole file rather than of itself: outside the content hash, and
# refreshed in place by the loader when only they change.
FILE_FIELDS = ("modified_at", "size", "sha256")

_FIELDS = (
    ("person", "persons"),
    ("organization", "organizations"),
    ("location", "locations"),
    ("other", "other"),
)


def entity_mentions(entities: Entities) -> list[dict[str, Any]]:
    """``entity_mentions`` records for the index ({name, type, count}), most mentioned first."""
    kind = {n: k for k, f in _FIELDS for n in getattr(entities, f)}
    return [{"name": n, "type": kind[n], "count": c} for n, c in entities.mentions.items()]


def normalize_url(url: str) -> str:
    """Lower-case scheme and host, no fragment, no trailing slash: one URL, one id."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or ""
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def source_key(article: Article) -> str:
    """The identity a document id is derived from."""
    src = article.source
    key = f"url:{normalize_url(src.url)}" if src.url else f"path:{src.name}/{src.path}"
    if article.record is not None:
        key += f"#{article.record}"
    return key


def doc_id(article: Article) -> str:
    """Deterministic Elasticsearch ``_id``."""
    return hashlib.sha256(source_key(article).encode("utf-8")).hexdigest()[:40]


def geo_fields(ents: Entities) -> dict[str, Any]:
    """``geo.countries`` (ISO 3166-1 alpha-2, a facet) and ``geo.points`` (one geo_point per
    resolved place, as {lat, lon}: the one form Elasticsearch cannot read with lat and lon
    swapped)."""
    points = [(float(lat), float(lon)) for lat, lon in ents.points]
    return {
        "countries": list(ents.countries),
        # A point out of range would make Elasticsearch refuse the whole document.
        "points": [{"lat": la, "lon": lo} for la, lo in points if _on_earth(la, lo)],
    }


def _on_earth(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0  # False for NaN too


def entity_fields(ents: Entities) -> dict[str, Any]:
    """The document's entity fields: facets, salience, the model and its stored spans, and the
    places' countries and coordinates (derived with the entities, so re-derived with them)."""
    return {
        "entities": {
            "persons": list(ents.persons),
            "organizations": list(ents.organizations),
            "locations": list(ents.locations),
            "other": list(ents.other),
        },
        "entity_mentions": entity_mentions(ents),
        "entities_model": ents.model,
        "ner_spans": [list(span) for span in ents.spans],
        "geo": geo_fields(ents),
    }


def _fields(article: Article) -> dict[str, Any]:
    src = article.source
    doc: dict[str, Any] = {
        "title": article.title,
        "body": article.body,
        "date_source": article.date_source,
        "language": article.language,
        "language_confidence": round(article.language_confidence, 4),
        "source": {
            "name": src.name,
            "path": src.path,
            "sha256": src.sha256,
            "format": src.format,
            "size": src.size,
        },
        **entity_fields(article.entities or Entities()),
    }
    if article.published_at is not None:
        doc["published_at"] = article.published_at.isoformat()
    if src.url:
        doc["source"]["url"] = src.url
    if src.meta_sha256:
        doc["source"]["meta_sha256"] = src.meta_sha256
    return doc


# What a document says of the run and stages that wrote it, not of the article: outside the
# content hash. A stale stage's documents are rewritten whatever their hash (etl.load).
LINEAGE_FIELDS = ("content_sha256", "ingested_at", "run_id", "pipeline_version", "pipeline")
# Set across documents after loading (etl.story_index): also outside the content hash.
ASSIGNED_FIELDS = ("story",)


def content_hash(doc: dict[str, Any]) -> str:
    """Hash of what the pipeline derived (not of when or by which run it was loaded).

    Takes the document as :func:`to_document` makes it or as the index returns it, so a
    document re-derived from what is stored hashes exactly like one made from its file. The
    file's mtime, size and hash are left out: touching a file, or appending records to an
    export, is no change to the documents already in it (the loader refreshes those fields).
    """
    fields = {k: v for k, v in doc.items() if k not in LINEAGE_FIELDS and k not in ASSIGNED_FIELDS}
    src = fields.get("source") or {}
    fields["source"] = {k: v for k, v in src.items() if k not in (*FILE_FIELDS, "modified_at")}
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{PIPELINE_VERSION}\n{blob}".encode()).hexdigest()


def to_document(
    article: Article,
    *,
    run_id: str,
    ingested_at: str,
    stages: dict[str, str],
    pipeline_version: str = PIPELINE_VERSION,
) -> dict[str, Any]:
    """The document exactly as the index mapping expects it; ``stages`` are the fingerprints
    (:mod:`etl.fingerprints`) of the stages that made it."""
    doc = _fields(article)
    doc["pipeline"] = dict(stages)
    if article.source.modified_at is not None:
        doc["source"]["modified_at"] = article.source.modified_at.isoformat()
    doc["content_sha256"] = content_hash(doc)
    doc["ingested_at"] = ingested_at
    doc["run_id"] = run_id
    doc["pipeline_version"] = pipeline_version
    return doc


def with_entities(
    doc: dict[str, Any], entities: Entities, stages: dict[str, str]
) -> dict[str, Any]:
    """A stored document with new entities (re-derived without its file) and fingerprints."""
    out = {**doc, **entity_fields(entities), "pipeline": dict(stages)}
    out["content_sha256"] = content_hash(out)
    return out
