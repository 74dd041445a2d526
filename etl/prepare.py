"""From a RawDoc to an Article: cleaning plus metadata, each value with its evidence."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from etl.clean import Patterns, clean_text, extract_html, load_patterns, normalize_whitespace
from etl.metadata import (
    date_from_text,
    detect_language,
    html_meta,
    parse_date,
    parse_html,
    source_name,
)
from etl.readers import metadata_warning
from etl.records import Article, DateSource, Quarantine, RawDoc
from etl.settings import Settings


def prepare(raw: RawDoc, settings: Settings) -> Article | Quarantine:
    """Clean a raw document and add its metadata; a document with no text left is quarantined."""
    try:
        return _prepare(raw, settings)
    except Exception as e:  # one bad document must not stop the run
        return Quarantine(
            raw.source.path, raw.source.sha256, "clean", f"{type(e).__name__}: {e}", raw.record
        )


@dataclass(frozen=True)
class _Found:
    """What a document says about itself, before the scraper's hints."""

    body: str
    title: str | None = None
    published: datetime | None = None
    date_source: DateSource = "none"
    site_name: str | None = None
    url: str | None = None


def _prepare(raw: RawDoc, settings: Settings) -> Article | Quarantine:
    hints = raw.hints
    found = _found(raw, load_patterns(str(settings.path(settings.clean.boilerplate))))
    body, published, date_source = found.body, found.published, found.date_source
    # What the scraper handed over (sidecar, manifest, record fields) wins over inference.
    title = normalize_whitespace(str(hints["title"])) if hints.get("title") else found.title
    if (hinted := parse_date(hints.get("published_at"))) is not None:
        published, date_source = hinted, "sidecar"
    if len(body) < settings.clean.min_body_chars:
        return Quarantine(
            raw.source.path,
            raw.source.sha256,
            "clean",
            f"no text left after cleaning ({len(body)} chars)",
            raw.record,
        )
    language, confidence = _language(title, body, hints, settings)
    url = str(hints["url"]) if hints.get("url") else (raw.source.url or found.url)
    name = source_name(
        hint=str(hints["source"]) if hints.get("source") else None,
        site_name=found.site_name,
        url=url,
        rel_path=raw.source.path,
        rules_path=str(settings.path(settings.metadata.sources)),
    )
    return Article(
        source=replace(raw.source, name=name, url=url),
        title=title,
        body=body,
        published_at=published,
        date_source=date_source,
        language=language,
        language_confidence=confidence,
        record=raw.record,
    )


def _found(raw: RawDoc, patterns: Patterns) -> _Found:
    """Body, title, date and source clues from the markup or the plain text itself."""
    if raw.html is not None:
        tree = parse_html(raw.html)  # parsed once: metadata reads it, extraction consumes it
        meta = html_meta(tree)
        published = parse_date(meta.published)
        found = _Found(
            body=extract_html(raw.html, tree=tree, patterns=patterns) if tree is not None else "",
            title=meta.title,
            published=published,
            date_source=meta.published_source if published else "none",
            site_name=meta.site_name,
            url=meta.url,
        )
    else:
        cleaned = clean_text(raw.text or "", patterns)
        published = parse_date(cleaned.header_date)
        found = _Found(
            body=cleaned.body,
            title=cleaned.title,
            published=published,
            date_source="header" if published else "none",
        )
    if found.published is None and (dated := date_from_text(found.body)) is not None:
        found = replace(found, published=dated, date_source="text")
    return found


def _language(
    title: str | None, body: str, hints: dict[str, Any], settings: Settings
) -> tuple[str, float]:
    """The hinted language if there is one, else the one detected in title and body."""
    if hints.get("language"):
        return str(hints["language"]).split("-")[0].lower(), 1.0
    m = settings.metadata
    return detect_language(
        f"{title or ''}\n{body}",
        min_chars=m.language_min_chars,
        min_confidence=m.language_min_confidence,
    )


Prepared = tuple[Article | Quarantine, str | None]


def prepare_all(items: Iterable[RawDoc | Quarantine], settings: Settings) -> Iterator[Prepared]:
    """Each read item prepared, with why its sidecar/manifest metadata was ignored (if it was).

    The one read -> prepare -> warning loop, for the pipeline's batches and ``etl clean``.
    """
    for item in items:
        if isinstance(item, Quarantine):
            yield item, None
            continue
        # An Article keeps no hints: its RawDoc says whether metadata was ignored.
        yield prepare(item, settings), metadata_warning(item)
