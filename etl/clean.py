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

import yaml

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)]?\s+[A-Z“\"‘]")


@dataclass(frozen=True)
class Patterns:
    """Compiled boilerplate patterns."""

    headers: tuple[re.Pattern[str], ...]
    lines: tuple[re.Pattern[str], ...]
    cut_from: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=4)
def load_patterns(path: str) -> Patterns:
    """Parse and compile a boilerplate file once per process."""
    with Path(path).open(encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}

    def comp(key: str) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.I) for p in data.get(key) or ())

    return Patterns(comp("headers"), comp("lines"), comp("cut_from"))


@dataclass(frozen=True)
class CleanText:
    """A cleaned text: its headline (if the first line is one), a header date, the body."""

    title: str | None
    header_date: str | None
    body: str


def normalize_whitespace(text: str) -> str:
    """One space inside lines, no trailing spaces, paragraphs split by exactly one blank line."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [_SPACES.sub(" ", ln).strip() for ln in block.split("\n")]
        joined = "\n".join(ln for ln in lines if ln)
        if joined:
            paragraphs.append(joined)
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


def is_headline(line: str, rest: str) -> bool:
    """A first line that is a headline: short, one sentence, followed by more text.

    Never a paragraph: a line of several sentences or over 16 words is the article's start.
    """
    words = line.split()
    return (
        bool(rest.strip())
        and 2 <= len(words) <= 16
        and len(line) <= 160
        and not _SENTENCE_END.search(line)
        and not line.endswith((":", ","))
    )


def clean_text(text: str, patterns: Patterns) -> CleanText:
    """Clean scraped plain text: header, boilerplate, whitespace; split off a headline."""
    text, header_date = strip_header(text, patterns)
    body = normalize_whitespace(drop_boilerplate(text, patterns))
    first, _, rest = body.partition("\n\n")
    title = None
    if "\n" not in first and is_headline(first, rest):
        title, body = first, rest
    return CleanText(title=title, header_date=header_date, body=body)


def extract_html(html: str) -> str:
    """Main content of a web page as paragraphs of plain text ('' when nothing is found)."""
    import trafilatura

    text = trafilatura.extract(
        html,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
    )
    return normalize_whitespace(text or "")
