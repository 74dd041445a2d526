"""Entity mentions and how model spans combine with alias-table matches (pure, no spaCy)."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from etl.gazetteer import AliasEntry, Match
from etl.kinds import Kind

# spaCy labels kept, by facet type; DATE, TIME, CARDINAL, ORDINAL, MONEY, QUANTITY, PERCENT and
# LANGUAGE are dropped.
LABEL_KIND: dict[str, Kind] = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "location",
    "LOC": "location",
    "FAC": "location",
    "NORP": "other",
    "EVENT": "other",
    "PRODUCT": "other",
    "LAW": "other",
    "WORK_OF_ART": "other",
}
KIND_LABEL: dict[Kind, str] = {
    "person": "PERSON",
    "organization": "ORG",
    "location": "LOC",
    "other": "MISC",
}
# Tie-break when a name's mentions were typed differently equally often.
KIND_ORDER: tuple[Kind, ...] = ("person", "organization", "location", "other")

_SUFFIX_AFTER = re.compile(r",?[ \t]+(?:Jr|Sr)\b\.?|[ \t]+(?:II|III|IV)\b")
_GLUE = re.compile(r"^(?:[\W_]|\bthe\b|\band\b|\bs\b)*$", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """One entity mention: a model span (spaCy label) or an alias-table match (``entry`` set)."""

    text: str
    label: str
    start: int = 0
    end: int = 0
    entry: AliasEntry | None = None


def merge_mentions(text: str, model: Sequence[Mention], matches: Sequence[Match]) -> list[Mention]:
    """Combine model spans with alias-table matches; the table wins where they disagree.

    A table match that reaches beyond a model span replaces it (``Thae Song`` inside
    ``Pak Thae Song``); a model span made only of table names plus glue ("the", punctuation) is
    replaced by them (``NHK Seoul`` -> NHK, Seoul); a longer model span is kept otherwise.
    A generational suffix the model left out is added to a person (``Mario Ritter, Jr.``).
    """
    table = [Mention(m.text, KIND_LABEL[m.entry.kind], m.start, m.end, m.entry) for m in matches]
    starts = [t.start for t in table]
    ends = [t.end for t in table]
    consumed: set[int] = set()
    out: list[Mention] = []
    for m in (part for span in model for part in _lines(span)):
        if m.label == "PERSON" and (jr := _SUFFIX_AFTER.match(text, m.end)):
            m = Mention(text[m.start : jr.end()], m.label, m.start, jr.end())
        lo, hi = bisect_right(ends, m.start), bisect_left(starts, m.end)
        if lo >= hi:
            out.append(m)
            continue
        over = range(lo, hi)
        if any(table[i].start < m.start or table[i].end > m.end for i in over):
            continue
        pos, rest = m.start, []
        for i in over:
            rest.append(text[pos : table[i].start])
            pos = table[i].end
        rest.append(text[pos : m.end])
        if _GLUE.match("".join(rest)):
            continue
        out.append(m)
        consumed.update(over)
    out.extend(t for i, t in enumerate(table) if i not in consumed)
    out.sort(key=lambda m: m.start)
    return out


def _lines(m: Mention) -> Iterator[Mention]:
    # A name never spans lines; a model span that does is split at the line breaks.
    if "\n" not in m.text:
        yield m
        return
    pos = m.start
    for part in m.text.split("\n"):
        if part.strip():
            yield Mention(part, m.label, pos, pos + len(part))
        pos += len(part) + 1


def mentions_from_matches(matches: Iterable[Match]) -> list[Mention]:
    """Alias-table matches as mentions (the gazetteer-only path)."""
    return [Mention(m.text, KIND_LABEL[m.entry.kind], m.start, m.end, m.entry) for m in matches]
