"""The curated alias table (``config/entities.yml``) and a gazetteer matcher over it.

Pure Python, no spaCy: the same table canonicalises model output (:meth:`AliasTable.lookup`) and
finds entities in text by itself (:meth:`AliasTable.find`) for languages without a model.

Matching rules (also documented for editors at the top of the YAML file):

- aliases without a lowercase letter (acronyms: ``US``, ``DPRK``) match only exactly as written;
- other aliases match on whole words, first letter exactly as written, the rest ignoring case and
  Latin diacritics, so ``Vostochny cosmodrome`` and ``KIM JONG-UN`` are found but ``us`` is not;
- aliases in Chinese, Japanese or Korean script match inside longer words (those scripts attach
  particles without a space).

:meth:`AliasTable.find` looks up token n-grams in dicts, so its cost per document does not grow
with the number of aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml

from etl.errors import UsageError
from etl.kinds import KINDS, Kind
from etl.text import SPACES as _SPACES
from etl.text import ascii_fold, fold_key, fold_punctuation, normalize_surface

_TOKEN = re.compile(r"\w+|[^\w\s]")
_CJK = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


def _exact_only(alias: str) -> bool:
    # Acronyms and very short aliases are ambiguous in other case ("US" vs "us").
    letters = [c for c in alias if c.isalpha()]
    return len(letters) <= 2 or not any(c.islower() for c in letters)


def _is_cjk(alias: str) -> bool:
    return bool(_CJK.search(alias)) and not re.search(r"[A-Za-z]", alias)


def _ci(token: str) -> str:
    return ascii_fold(fold_punctuation(token)).casefold()


@dataclass(frozen=True)
class AliasEntry:
    """One real-world entity: its facet value, facet type and other spellings."""

    name: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    # Locations only: ISO 3166-1 alpha-2 code(s) and (lat, lon), for places the reference data
    # (etl.geo) does not resolve; they win over it.
    countries: tuple[str, ...] = ()
    point: tuple[float, float] | None = None


@dataclass(frozen=True)
class Match:
    """An alias found in a text, with character offsets."""

    start: int
    end: int
    text: str
    entry: AliasEntry


# (exact tokens if the alias is case-sensitive, else the alias's first character, entry)
_Candidate = tuple[tuple[str, ...] | None, str, AliasEntry]


class AliasError(ValueError):
    """A table that cannot be used, with the entry (its position) and alias at fault."""

    def __init__(self, message: str, entry: int | None = None, alias: str | None = None) -> None:
        super().__init__(message)
        self.entry = entry
        self.alias = alias


class AliasTableError(UsageError):
    """The alias table file is broken: ``path:line: what`` (the run stops at its start)."""


class AliasTable:
    """Alias lookup for model output plus a whole-word gazetteer matcher."""

    def __init__(self, entries: Iterable[AliasEntry], ignore: Iterable[str] = ()) -> None:
        self.entries: tuple[AliasEntry, ...] = tuple(entries)
        self._ignore = frozenset(normalize_surface(s) for s in ignore)
        self._exact: dict[str, AliasEntry] = {}
        self._folded: dict[str, AliasEntry] = {}
        self._ngrams: dict[tuple[str, ...], list[_Candidate]] = {}
        self._first: set[str] = set()
        self._max_tokens = 0
        cjk: list[tuple[str, AliasEntry]] = []
        acronyms: list[tuple[str, AliasEntry]] = []
        for i, entry in enumerate(self.entries):
            for alias in (entry.name, *entry.aliases):
                alias = normalize_surface(alias)
                self._claim(self._exact, alias, entry, i)
                if _exact_only(alias):
                    acronyms.append((alias, entry))
                else:
                    self._claim(self._folded, fold_key(alias), entry, i, alias)
                if _is_cjk(alias):
                    cjk.append((alias, entry))
                else:
                    self._add_ngram(alias, entry)
        for alias, entry in acronyms:  # "KIM JONG-UN" may not name another "Kim Jong-un"
            other = self._folded.get(fold_key(alias), entry)
            if other is not entry:
                raise AliasError(
                    f"alias {alias!r} of {entry.name!r} clashes with {other.name!r}",
                    self.entries.index(entry),
                    alias,
                )
        cjk.sort(key=lambda a: -len(a[0]))  # longest first: regex alternation is ordered
        self._cjk_entries = {_SPACES.sub("", a): e for a, e in cjk}
        self._cjk = (
            re.compile("|".join(re.escape(a).replace(r"\ ", r"\s*") for a, _ in cjk))
            if cjk
            else None
        )

    @staticmethod
    def _claim(
        index: dict[str, AliasEntry],
        key: str,
        entry: AliasEntry,
        position: int,
        alias: str | None = None,
    ) -> None:
        other = index.setdefault(key, entry)
        if other is not entry:
            shown = alias or key
            raise AliasError(
                f"alias {shown!r} of {entry.name!r} already belongs to {other.name!r}",
                position,
                shown,
            )

    def _add_ngram(self, alias: str, entry: AliasEntry) -> None:
        tokens = tuple(_TOKEN.findall(alias))
        key = tuple(_ci(t) for t in tokens)
        exact = tokens if _exact_only(alias) else None
        cands = self._ngrams.setdefault(key, [])
        if not any(c[0] == exact and c[1] == alias[0] and c[2] is entry for c in cands):
            cands.append((exact, alias[0], entry))
        self._first.add(key[0])
        self._max_tokens = max(self._max_tokens, len(key))

    def __len__(self) -> int:
        return len(self.entries)

    def is_ignored(self, surface: str) -> bool:
        """Whether the table says this string is never an entity ("UTC"), exact case."""
        return normalize_surface(surface) in self._ignore

    def lookup(self, surface: str) -> AliasEntry | None:
        """The entry a model's span names, by exact alias or (non-acronyms) by fold key."""
        surface = normalize_surface(surface)
        if not surface:
            return None
        return self._exact.get(surface) or self._folded.get(fold_key(surface))

    def find(self, text: str) -> list[Match]:
        """Non-overlapping alias matches in ``text``, leftmost-longest, in text order."""
        found = self._find_tokens(text)
        if self._cjk is not None and _CJK.search(text):
            found += [
                Match(m.start(), m.end(), m.group(), self._cjk_entries[_SPACES.sub("", m.group())])
                for m in self._cjk.finditer(text)
            ]
            found.sort(key=lambda m: (m.start, -(m.end - m.start)))
            kept: list[Match] = []
            for m in found:
                if not kept or m.start >= kept[-1].end:
                    kept.append(m)
            found = kept
        return found

    def _find_tokens(self, text: str) -> list[Match]:
        spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        ci = [_ci(text[s:e]) for s, e in spans]
        out: list[Match] = []
        i, n = 0, len(spans)
        while i < n:
            if ci[i] not in self._first:
                i += 1
                continue
            for k in range(min(self._max_tokens, n - i), 0, -1):
                cands = self._ngrams.get(tuple(ci[i : i + k]))
                if not cands:
                    continue
                start, end = spans[i][0], spans[i + k - 1][1]
                surface = text[start:end]
                if "\n" in surface:  # a name never spans lines
                    continue
                entry = self._accept(cands, surface, spans[i : i + k], text)
                if entry is not None:
                    out.append(Match(start, end, surface, entry))
                    i += k
                    break
            else:
                i += 1
        return out

    @staticmethod
    def _accept(
        cands: list[_Candidate], surface: str, spans: list[tuple[int, int]], text: str
    ) -> AliasEntry | None:
        tokens: tuple[str, ...] | None = None
        for exact, first, entry in cands:
            if exact is None:
                if surface[0] == first:
                    return entry
                continue
            if tokens is None:
                tokens = tuple(fold_punctuation(text[s:e]) for s, e in spans)
            if tokens == exact:
                return entry
        return None


def parse_alias_table(data: Mapping[str, Any] | None) -> AliasTable:
    """Build a table from the YAML ``{"entities": [{name, type, aliases}], "ignore": [...]}``."""
    entries: list[AliasEntry] = []
    for i, item in enumerate((data or {}).get("entities") or []):
        name = normalize_surface(str(item.get("name") or ""))
        kind = item.get("type")
        if not name or kind not in KINDS:
            raise AliasError(f"an entry needs a name and a type in {KINDS}, got {item!r}", i)
        aliases = tuple(str(a) for a in item.get("aliases") or ())
        countries, point = _geo(item, kind, i)
        entries.append(AliasEntry(name, cast(Kind, kind), aliases, countries, point))
    ignore = [str(s) for s in (data or {}).get("ignore") or ()]
    return AliasTable(entries, ignore)


def _geo(
    item: Mapping[str, Any], kind: str, i: int
) -> tuple[tuple[str, ...], tuple[float, float] | None]:
    """An entry's optional ``country:`` (a code or a list) and ``point: [lat, lon]``, checked."""
    country, point = item.get("country"), item.get("point")
    if country is None and point is None:
        return (), None
    if kind != "location":
        raise AliasError(f"country/point are for locations only, not {kind} {item['name']!r}", i)
    codes = tuple(
        str(c) for c in (country if isinstance(country, list) else [country] if country else [])
    )
    for code in codes:
        if not _iso_country(code):
            raise AliasError(
                f"country {code!r} of {item['name']!r} is no ISO 3166-1 alpha-2 code", i
            )
    if point is None:
        return codes, None
    if (
        not isinstance(point, list)
        or len(point) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)
        or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180)
    ):
        raise AliasError(
            f"point of {item['name']!r} must be [lat, lon] in degrees, got {point!r}", i
        )
    return codes, (float(point[0]), float(point[1]))


def _iso_country(code: str) -> bool:
    # Current codes, and withdrawn ones a place in the news may still need (SU: Soviet Union).
    import pycountry

    if not re.fullmatch(r"[A-Z]{2}", code):
        return False
    return bool(
        pycountry.countries.get(alpha_2=code) or pycountry.historic_countries.get(alpha_2=code)
    )


def load_alias_table(path: Path | str) -> AliasTable:
    """Parse the alias table file, once per process per file version."""
    p = Path(path).resolve()
    return _load_cached(str(p), p.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int) -> AliasTable:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        data = yaml.safe_load(text)
        if data is not None and not isinstance(data, dict):
            raise AliasError("the table must be a mapping with an `entities:` list")
        return parse_alias_table(data)
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else 1
        raise AliasTableError(f"{path}:{line}: {e.problem or e}") from None
    except AliasError as e:
        raise AliasTableError(f"{path}:{_line_of(text, e.entry, e.alias)}: {e}") from None
    except (TypeError, AttributeError, ValueError) as e:  # wrong shapes: a list where a name is
        raise AliasTableError(f"{path}: {type(e).__name__}: {e}") from None


def _line_of(text: str, entry: int | None, alias: str | None) -> int:
    """The 1-based line of entry ``entry`` of ``entities:``, or of its alias ``alias``."""
    root = yaml.compose(text)
    if entry is None or not isinstance(root, yaml.MappingNode):
        return 1
    items = next((v for k, v in root.value if k.value == "entities"), None)
    if not isinstance(items, yaml.SequenceNode) or entry >= len(items.value):
        return 1
    node = items.value[entry]
    if alias is not None and isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            values = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for v in values:
                if key.value in ("name", "aliases") and _same_alias(str(v.value), alias):
                    return int(v.start_mark.line) + 1
    return int(node.start_mark.line) + 1


def _same_alias(written: str, alias: str) -> bool:
    w = normalize_surface(written)
    return w == alias or fold_key(w) == fold_key(alias)
