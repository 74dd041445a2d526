"""Typed records that flow between the pipeline's stages.

RawDoc (readers) -> Article (clean + metadata) -> Article with Entities (entities) -> ES document.
Anything that cannot go on becomes a Quarantine record instead; nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Format = Literal["txt", "html", "json"]
DateSource = Literal["sidecar", "html_meta", "jsonld", "header", "text", "none"]
Stage = Literal["read", "clean", "metadata", "entities", "load"]


@dataclass(frozen=True)
class SourceInfo:
    """Where a document came from (provenance, all facetable)."""

    path: str  # relative to the input root, POSIX separators
    sha256: str  # of the raw file's bytes
    format: Format
    size: int
    modified_at: datetime | None = None
    name: str = "unknown"  # publisher
    url: str | None = None
    # Fingerprint of the fields its sidecar/manifest give this file: a change there is a change.
    meta_sha256: str | None = None


@dataclass(frozen=True)
class RawDoc:
    """One document as a reader found it: decoded, not yet cleaned.

    A .txt or .html file gives one RawDoc; a .jsonl/.json file gives one per record.
    ``hints`` holds what the record, a sidecar NAME.meta.json or a manifest says
    (url, title, published_at, source, language...); hints override what is inferred.
    """

    source: SourceInfo
    text: str | None = None  # plain text (txt, or a JSON record's `text`)
    html: str | None = None  # markup (html, or a JSON record's `html`)
    record: int | None = None  # position in a JSON/JSONL file, else None
    hints: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Entities:
    """Canonical entity names per type; flat lists so Kibana facets them directly."""

    persons: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    # canonical name -> mentions in this document, for ranking salience (not a facet)
    mentions: dict[str, int] = field(default_factory=dict)
    model: str = "none"
    # The model's own spans (text, label, start, end) over title + body, before the alias table
    # and canonicalisation: stored, so an alias-table edit re-canonicalises without NER.
    spans: tuple[tuple[str, str, int, int], ...] = ()
    # ISO 3166-1 alpha-2 codes of the places mentioned (and of each city's or region's country),
    # and one (lat, lon) per place resolved to coordinates (etl.geo).
    countries: tuple[str, ...] = ()
    points: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Article:
    """A cleaned document with its metadata; ``entities`` is filled by the entities stage."""

    source: SourceInfo
    title: str | None
    body: str
    published_at: datetime | None = None
    date_source: DateSource = "none"
    language: str = "und"
    language_confidence: float = 0.0
    record: int | None = None
    entities: Entities | None = None


@dataclass(frozen=True)
class Quarantine:
    """A file (or record) that could not go on, with the reason. The raw file is never touched."""

    path: str
    sha256: str | None
    stage: Stage
    reason: str
    record: int | None = None

    def line(self) -> str:
        """``path #record [stage]: reason``, as the CLI and the task logs print it."""
        return quarantine_line(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "path": self.path,
            "sha256": self.sha256,
            "stage": self.stage,
            "reason": self.reason,
        }
        if self.record is not None:
            d["record"] = self.record
        return d


def where(entry: dict[str, Any]) -> str:
    """``path`` or ``path #record`` of a quarantine or warning entry."""
    rec = entry.get("record")
    return str(entry.get("path")) + (f" #{rec}" if rec is not None else "")


def warning_line(entry: dict[str, Any]) -> str:
    """One warning entry (a document loaded without some metadata) as one line."""
    return f"{where(entry)}: metadata ignored: {entry.get('reason')}"


def quarantine_line(entry: dict[str, Any]) -> str:
    """One quarantine entry (a run record's, or :meth:`Quarantine.as_dict`) as one line."""
    return f"{where(entry)} [{entry.get('stage')}]: {entry.get('reason')}"
