"""Suggested alias-table entries: facet values that look like variants of one entity.

Pure functions over facet values and their document counts (what a terms aggregation gives).
The rules, each a reason shown with the suggestion:

- ``surname``: a one-word person value that is the last word of exactly one longer person
  value (``Putin`` beside ``Vladimir Putin``); with two candidates it is left alone;
- ``title``: a value that is a longer one once titles are cut (``President Trump``);
- ``middle``: the same first and last name, one with middle names or initials
  (``Richard Guy``, ``Richard K. Guy``), only when no other value shares that first and last
  name with a different middle (``George Bush``, ``George W. Bush``, ``George H. W. Bush``);
- ``acronym``: an all-capitals value that spells the initials of a longer value of the same
  type (``NASA``, ``National Aeronautics and Space Administration``);
- ``spelling``: the same number of words, the same first letters, and a spelling close enough
  to be a transliteration or a hyphenation (``Zelenskyy``/``Zelensky``, ``Shoigu``/``Shoygu``).

The tool suggests and never edits the table: merges are for a person to confirm.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from etl.names import TITLE_WORDS, strip_titles
from etl.text import ascii_fold

KINDS = ("person", "organization", "location")
# Words an acronym skips ("Federal Bureau of Investigation" -> FBI).
_SKIP = frozenset(
    ["of", "the", "and", "for", "on", "in", "at", "to", "de", "del", "des", "du", "la", "le", "von"]
)
_INITIAL = re.compile(r"^[A-Z]\.?$")
SPELLING_RATIO = 0.88  # difflib ratio of the folded names: hyphens, doubled letters, y/i


Together = Callable[["Value", "Value"], int]


@dataclass(frozen=True)
class Value:
    """One facet value and in how many documents it appears."""

    name: str
    kind: str
    docs: int


@dataclass
class Suggestion:
    """Variants that look like one entity: the name to keep and the aliases to merge in."""

    name: str
    kind: str
    aliases: list[str]
    docs: dict[str, int]  # value -> documents
    reasons: list[str] = field(default_factory=list)

    @property
    def weight(self) -> int:
        """Documents whose facet the merge would fix: those of the aliases."""
        return sum(self.docs[a] for a in self.aliases)

    def yaml(self) -> str:
        """A ready-to-paste entry for ``config/entities.yml``."""
        aliases = ", ".join(_yaml_str(a) for a in self.aliases)
        return f"  - name: {_yaml_str(self.name)}\n    type: {self.kind}\n    aliases: [{aliases}]"


def _yaml_str(s: str) -> str:
    plain = re.fullmatch(r"[A-Za-z][\w .'-]*", s) and not s.endswith(" ") and ": " not in s
    return s if plain else '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fold(name: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", ascii_fold(name).lower().replace("-", " ")).strip()


def _words(name: str) -> list[str]:
    return name.replace("-", " ").split()


def suggest(
    values: Iterable[Value], *, limit: int = 50, together: Together | None = None
) -> list[Suggestion]:
    """Suggested merges, the ones that would fix the most documents first.

    ``together(a, b)``: in how many documents both values appear. News introduces an acronym
    beside its expansion ("the National Hurricane Center (NHC)"), so an acronym is suggested
    only when some document has both; without ``together`` no acronym is suggested.
    A value is suggested as a variant once, under the best-supported name to keep; a name
    that is itself someone's variant is never kept.
    """
    by_kind: dict[str, list[Value]] = defaultdict(list)
    for v in values:
        by_kind[v.kind].append(v)
    pairs = [
        (k, variant, keep, why)
        for k, vals in by_kind.items()
        for variant, keep, why in _pairs(k, vals)
        if not why.startswith("initials") or (together is not None and together(variant, keep))
    ]
    variants = {(k, variant.name) for k, variant, _, _ in pairs}
    found: dict[tuple[str, str], Suggestion] = {}
    used: set[tuple[str, str]] = set()
    for kind, variant, keep, reason in sorted(pairs, key=lambda p: -p[2].docs):
        if (kind, keep.name) in variants or (kind, variant.name) in used:
            continue
        used.add((kind, variant.name))
        _add(found, kind, keep, variant, reason)
    ranked = sorted(found.values(), key=lambda s: (-s.weight, s.name))
    return ranked[:limit]


def _add(
    found: dict[tuple[str, str], Suggestion], kind: str, keep: Value, variant: Value, reason: str
) -> None:
    s = found.setdefault((kind, keep.name), Suggestion(keep.name, kind, [], {keep.name: keep.docs}))
    if variant.name not in s.docs:
        s.aliases.append(variant.name)
        s.docs[variant.name] = variant.docs
        s.reasons.append(f"{variant.name}: {reason}")


def _pairs(kind: str, vals: Sequence[Value]) -> Iterable[tuple[Value, Value, str]]:
    """(variant, name to keep, reason) for each rule that fires."""
    if kind == "person":
        yield from _surnames(vals)
        yield from _middles(vals)
        yield from _titled(vals, {v.name: v for v in vals})
    else:  # "Supreme Court" is no "Court" with a title
        yield from _acronyms(vals)
    yield from _spellings(vals)


def _untitled(vals: Sequence[Value]) -> list[Value]:
    return [v for v in vals if strip_titles(v.name) == v.name]


def _full_names(vals: Sequence[Value]) -> dict[str, list[Value]]:
    """Full names (two words or more, no title) by their folded last word."""
    by_last: dict[str, list[Value]] = defaultdict(list)
    for v in _untitled(vals):
        words = _words(v.name)
        if len(words) >= 2:
            by_last[_fold(words[-1])].append(v)
    return by_last


def _surnames(vals: Sequence[Value]) -> Iterable[tuple[Value, Value, str]]:
    by_last = _full_names(vals)
    for v in vals:
        words = _words(v.name)
        if len(words) == 1 and len(full := by_last.get(_fold(words[0]), [])) == 1:
            yield v, full[0], f"surname of {full[0].name}"


def _middles(vals: Sequence[Value]) -> Iterable[tuple[Value, Value, str]]:
    by_ends: dict[tuple[str, str], list[Value]] = defaultdict(list)
    for v in vals:
        words = _words(v.name)
        if len(words) >= 2:
            by_ends[(_fold(words[0]), _fold(words[-1]))].append(v)
    for group in by_ends.values():
        short = [v for v in group if len(_words(v.name)) == 2]
        longer = [v for v in group if len(_words(v.name)) > 2]
        # Only one way to fill the middle: with two (George W. / George H. W.) it is unsure.
        if len(short) == 1 and len(longer) == 1:
            yield short[0], longer[0], f"{longer[0].name} without the middle name"


def _titled(vals: Sequence[Value], names: dict[str, Value]) -> Iterable[tuple[Value, Value, str]]:
    by_last = _full_names(vals)
    for v in vals:
        words = v.name.split()
        if len(words) < 2 or words[0].lower().rstrip(".") not in TITLE_WORDS:
            continue
        bare = strip_titles(v.name)
        full = by_last.get(_fold(bare), []) if len(_words(bare)) == 1 else []
        if len(full) == 1:  # "President Trump": the one full name with that surname
            yield v, full[0], f"{full[0].name} with a title"
        elif bare != v.name and bare in names:
            yield v, names[bare], f"{bare} with a title"


def _initials(name: str) -> str:
    return "".join(w[0] for w in _words(name) if w.lower() not in _SKIP and w[0].isalpha())


def _spelled_out(name: str) -> bool:
    """Words an acronym can stand for: capitalised words, not codes ("CC BY-SA")."""
    words = [w for w in _words(name) if w.lower() not in _SKIP]
    return len(words) >= 2 and all(w[0].isupper() and any(c.islower() for c in w) for w in words)


def _acronyms(vals: Sequence[Value]) -> Iterable[tuple[Value, Value, str]]:
    by_initials: dict[str, list[Value]] = defaultdict(list)
    for v in vals:
        if _spelled_out(v.name):
            by_initials[_initials(v.name).upper()].append(v)
    for v in vals:
        if v.name.isupper() and v.name.isalpha() and 2 <= len(v.name) <= 8:
            full = by_initials.get(v.name, [])
            if len(full) == 1:
                yield v, full[0], f"initials of {full[0].name}"


def _spellings(vals: Sequence[Value]) -> Iterable[tuple[Value, Value, str]]:
    # Compared only within a bucket of the same word count and first letters: no all-pairs.
    buckets: dict[tuple[int, str], list[Value]] = defaultdict(list)
    for v in vals:
        words = _words(v.name)
        if any(_INITIAL.match(w) for w in words) or v.name.isupper():
            continue  # initials and acronyms: the other rules' business
        buckets[(len(words), "".join(_fold(w)[:1] for w in words))].append(v)
    for group in buckets.values():
        group = sorted(group, key=lambda v: (-v.docs, v.name))
        for i, keep in enumerate(group):
            for other in group[i + 1 :]:
                a, b = _fold(keep.name), _fold(other.name)
                # One a prefix of the other is a plural, a demonym or a cut ("Americas",
                # "Antarctic", "Beni"), not a spelling.
                if a.startswith(b) or b.startswith(a):
                    if a == b:
                        yield other, keep, f"spelling of {keep.name}"
                    continue
                if _close(a, b):
                    yield other, keep, f"spelling of {keep.name}"


def _close(a: str, b: str) -> bool:
    """Close spellings, word by word: each word pair alike, and the whole alike."""
    wa, wb = a.split(), b.split()
    if any(x[:2] != y[:2] for x, y in zip(wa, wb, strict=True)):
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= SPELLING_RATIO
