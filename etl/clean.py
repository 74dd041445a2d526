"""Cleaning: boilerplate out of scraped text, main content out of web pages.

Text patterns live in ``config/boilerplate.yml`` so users extend them without code. For HTML
the main-content decision is trafilatura's (measured in docs/benchmarks.md), not hand-written
heuristics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
# extract_html's fallback: below this many characters the precision output may be a fragment.
_SHORT_CHARS = 500
_FALLBACK_RATIO = 0.5
_WRAP_END = re.compile(r"[.!?…:;\"'”’)\]]$")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]?\s+[A-Z“\"‘]")


@dataclass(frozen=True)
class Patterns:
    """Compiled boilerplate patterns."""

    headers: tuple[re.Pattern[str], ...]
    lines: tuple[re.Pattern[str], ...]
    cut_from: tuple[re.Pattern[str], ...]
    tail: tuple[re.Pattern[str], ...] = ()
    paragraphs: tuple[re.Pattern[str], ...] = ()


@lru_cache(maxsize=4)
def load_patterns(path: str) -> Patterns:
    """Parse and compile a boilerplate file once per process."""
    with Path(path).open(encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}

    def comp(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.I) for p in data.get(key) or ())

    return Patterns(
        comp("headers"), comp("lines"), comp("cut_from"), comp("tail"), comp("paragraphs")
    )


@dataclass(frozen=True)
class CleanText:
    """A cleaned text: its headline (if the first line is one), a header date, the body."""

    title: str | None
    header_date: str | None
    body: str


def normalize_whitespace(text: str) -> str:
    """One space inside lines, no trailing spaces, paragraphs split by exactly one blank line.

    A single line break is a paragraph break too (scrapers often emit one line per paragraph),
    unless it sits inside a sentence: a line not ending in punctuation followed by a lowercase
    start is a hard wrap and is joined back.
    """
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        current = ""
        for raw in block.split("\n"):
            line = _SPACES.sub(" ", raw).strip()
            if not line:
                continue
            if current and _WRAP_END.search(current) is None and line[0].islower():
                current = f"{current} {line}"
                continue
            if current:
                paragraphs.append(current)
            current = line
        if current:
            paragraphs.append(current)
    return "\n\n".join(paragraphs)


def strip_header(text: str, patterns: Patterns) -> tuple[str, str | None]:
    """Remove a leading metadata header; return the rest and the header's date, if any."""
    lead = text.lstrip("\ufeff")
    for p in patterns.headers:
        m = p.match(lead)
        if m:
            date = m.groupdict().get("date")
            return lead[m.end() :], date
    return text, None


def drop_boilerplate(text: str, patterns: Patterns) -> str:
    """Drop boilerplate lines, and everything from a comment-section marker on."""
    kept: list[str] = []
    for line in text.split("\n"):
        probe = line.strip()
        if probe and any(p.search(probe) for p in patterns.cut_from):
            break
        if probe and any(p.search(probe) for p in patterns.lines):
            continue
        kept.append(line)
    return "\n".join(kept)


def drop_paragraphs(body: str, patterns: Patterns) -> str:
    """Drop whole paragraphs that are furniture wherever they sit (e.g. photo captions).

    Matched after whitespace is normalised, so a hard-wrapped line of a real paragraph is
    never mistaken for one.
    """
    if not patterns.paragraphs:
        return body
    kept = [p for p in body.split("\n\n") if not any(x.search(p) for x in patterns.paragraphs)]
    return "\n\n".join(kept)


def clean_body(text: str, patterns: Patterns) -> str:
    """Boilerplate lines and the comment section out, whitespace normalised, furniture
    paragraphs and closing credits out: the same for text files and extracted web pages."""
    body = normalize_whitespace(drop_boilerplate(text, patterns))
    return drop_tail(drop_paragraphs(body, patterns), patterns)


def drop_tail(body: str, patterns: Patterns) -> str:
    """Drop closing paragraphs that are sign-offs or credits (only at the very end)."""
    paragraphs = body.split("\n\n")
    while paragraphs and any(p.search(paragraphs[-1]) for p in patterns.tail):
        paragraphs.pop()
    return "\n\n".join(paragraphs)


def is_headline(line: str, rest: str) -> bool:
    """A first line that is a headline: short, one sentence, followed by more text.

    Never a paragraph: a line of several sentences, over 20 words, or a long sentence ending
    in a period (a lead paragraph) is the article's start.
    """
    words = line.split()
    return (
        bool(rest.strip())
        and 2 <= len(words) <= 20
        and len(line) <= 200
        and not (line.endswith(".") and len(words) > 16)
        and not _SENTENCE_END.search(line)
        and not line.endswith((":", ",", ";"))
        and not rest.lstrip()[:1].islower()
    )


def clean_text(text: str, patterns: Patterns) -> CleanText:
    """Clean scraped plain text: header, boilerplate, whitespace; split off a headline."""
    text, header_date = strip_header(text, patterns)
    body = normalize_whitespace(drop_boilerplate(text, patterns))
    # The headline first: "Putin and Kim to meet on Wednesday" has a caption's shape.
    first, _, rest = body.partition("\n\n")
    title = None
    if is_headline(first, rest):
        title, body = first, rest
    body = drop_tail(drop_paragraphs(body, patterns), patterns)
    return CleanText(title=title, header_date=header_date, body=body)


def extract_html(html: str, *, tree: Any = None, patterns: Patterns | None = None) -> str:
    """Main content of a web page as paragraphs of plain text ('' when nothing is found).

    trafilatura with ``favor_precision`` measured best alone (docs/benchmarks.md); when its
    output is short, a recall-oriented second pass catches pages where precision dropped most
    of the article (kept if precision kept under half of it). The second pass runs on short
    outputs only, so throughput stays near a single extraction. ``tree`` (from
    ``etl.metadata.parse_html``) saves parsing the page again and is consumed; ``patterns``
    also drops the known boilerplate lines that text files get rid of.
    """
    import trafilatura

    common: dict[str, Any] = {
        "include_comments": False,
        "include_tables": True,
        "deduplicate": False,
    }
    page = tree if tree is not None else html
    text = trafilatura.extract(page, favor_precision=True, **common) or ""
    if len(text) < _SHORT_CHARS:
        # fast=True skips trafilatura's fallback extractors: same F1 on the benchmark, cheaper.
        wider = trafilatura.extract(html, favor_recall=True, fast=True, **common) or ""
        if len(text) < _FALLBACK_RATIO * len(wider):
            text = wider
    if patterns is not None:
        return clean_body(text, patterns)
    return normalize_whitespace(text)
