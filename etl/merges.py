"""One person's variants merged across the corpus, only when it is safe.

"Richard Guy" and "Richard K. Guy" are one facet value when nothing in the corpus says they
could be two people. The rule, a pure function of the corpus's person values and the alias
table (:func:`merge_map`):

- values are grouped by first and last name (fold keys, :func:`etl.names.name_parts`); a group
  merges only when every middle in it is consistent with one most complete middle: absent
  ("Richard Guy"), the same initials ("Richard K Guy" shows as "Richard K. Guy"), or initials
  of its names ("Richard K. Guy" -> "Richard Kenneth Guy"). Two different middles ("George
  W. Bush", "George H. W. Bush"; "Richard K. Guy", "Richard J. Guy") leave the whole group
  alone: "George Bush" could be either;
- generational suffixes differ -> different people: a group whose values carry different
  suffixes ("Jr.", "Sr.", none) is left alone too;
- a group holding a value the alias table knows is left to the table (its editor decides
  whether "George Bush" is "George W. Bush");
- names that are not "First [Middle...] Last" (a lone initial as first or last name, a
  particle, more than two middle words) are never merged;
- a second surname ("Wanda Vazquez" -> "Wanda Vazquez Garced", "Pedro Pierluisi" -> "Pedro R.
  Pierluisi Urrutia", Spanish naming): a group ("First Last") goes to the one longer value whose
  last middle word is that surname, when every value of the corpus with that first name and
  that middle word is that one person, the middles agree as above, the suffixes are the same,
  and the surname is no Census first name ("Martin Luther" is not "Martin Luther King").

The target is the most complete form, not the most frequent: it does not flip back and forth
as document counts drift from one nightly run to the next (each flip rewrites every document
holding the name), and it is the form every other one abbreviates. Counts only break ties.

Across the index (:func:`corpus_persons`, :func:`old_maps`, :func:`save_map`) the map is
computed in the re-derivation pass (:func:`etl.reprocess.plan`) and applied after
canonicalisation (:func:`apply_merges`); documents keep their model spans, so a merge is undone
by re-deriving them with a map that no longer has it. Each document records the fingerprint of
the map it was made with in ``pipeline.merges``; the maps are kept in ``ALIAS-runs``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from etl import staging as stg
from etl.es import composite_buckets
from etl.fingerprints import digest
from etl.gazetteer import AliasTable
from etl.names import display_form, name_parts, name_suffix
from etl.records import Entities
from etl.runs import runs_index

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)

MERGE_CODE = 2  # bump when the rule changes: every merged document is then re-derived
SNAPSHOT = "person-merges-"  # id prefix of merge-map snapshots in ALIAS-runs
FIELD = "pipeline.merges"  # the fingerprint of the map a document was made with
STAGED = "person-merges.json"  # the map handed from the plan to the re-derivation tasks
_PAGE = 1000  # person values per composite-aggregation page
_MAX_MIDDLE = 2  # "George H. W. Bush"; longer runs of names are not "First Middle Last"
_NONE = "-"


@dataclass(frozen=True)
class _Name:
    value: str
    first: str
    middle: tuple[str, ...]  # fold keys; an initial is one letter
    last: str
    suffix: str


def _parse(value: str) -> _Name | None:
    """``value`` as first, middle and last name, or None when it is not that shape."""
    tokens = display_form(value, "person").split(" ")
    suffix = name_suffix(value)
    words = tokens[:-1] if suffix else tokens
    parts = name_parts(value)
    if len(words) != len(parts) or not 2 <= len(parts) <= 2 + _MAX_MIDDLE:
        return None
    # A particle ("bin", "von") or a lowercase word means a name this rule cannot read.
    if any(not w[:1].isupper() for w in words):
        return None
    first, *middle, last = parts
    if len(first) < 2 or len(last) < 2:  # "R. Guy", "Richard G."
        return None
    return _Name(value, first, tuple(middle), last, suffix)


def _covers(full: tuple[str, ...], short: tuple[str, ...]) -> bool:
    """Whether middle ``short`` abbreviates (or equals) middle ``full``."""
    if not short:
        return True
    if len(short) != len(full):
        return False
    return all(
        s == f or (len(s) == 1 and f.startswith(s)) for s, f in zip(short, full, strict=True)
    )


def _group_map(names: list[_Name], counts: Mapping[str, int]) -> dict[str, str]:
    if len(names) < 2 or len({n.suffix for n in names}) > 1:
        return {}
    targets = [t for t in names if all(_covers(t.middle, n.middle) for n in names)]
    if not targets:
        return {}  # two middles neither of which abbreviates the other: maybe two people
    # Ties are values with the same middle fold keys (spelling): the most frequent wins.
    target = min(targets, key=lambda t: (-len("".join(t.middle)), -counts.get(t.value, 0), t.value))
    return {n.value: target.value for n in names if n.value != target.value}


def _second_surnames(
    groups: Mapping[tuple[str, str], list[_Name]], merged: Mapping[str, str]
) -> dict[str, str]:
    """{variant: target} for groups whose surname is the second-to-last word of one longer
    name (rule in the module docstring); ``merged``: the middle-name merges made so far."""
    from etl.validate import name_data  # Census names, loaded once per process

    longer: dict[tuple[str, str], list[_Name]] = {}
    for (first, _), names in groups.items():
        for n in names:
            if n.middle and len(n.middle[-1]) > 1:
                longer.setdefault((first, n.middle[-1]), []).append(n)
    out: dict[str, str] = {}
    for key, fulls in longer.items():
        shorts = groups.get(key)
        targets = {merged.get(f.value, f.value) for f in fulls}
        if not shorts or len(targets) != 1 or name_data().is_first(key[1]):
            continue
        target = {f.value: f for f in fulls}.get(targets.pop())
        if target is None:
            continue  # merged into a value of another group: left alone
        middle = target.middle[:-1]
        if all(n.suffix == target.suffix and _covers(middle, n.middle) for n in shorts):
            out.update({n.value: target.value for n in shorts})
    return out


def merge_map(values: Mapping[str, int], table: AliasTable | None = None) -> dict[str, str]:
    """{variant: target} for the corpus's person values (value -> documents holding it).

    Pure; the rules are in the module docstring.
    """
    groups: dict[tuple[str, str], list[_Name]] = {}
    for value in sorted(values):
        name = _parse(value)
        if name is not None:
            groups.setdefault((name.first, name.last), []).append(name)
    known = {
        key
        for key, names in groups.items()
        if table is not None and any(table.lookup(n.value) is not None for n in names)
    }  # the alias table's editor decides for these people
    free = {key: names for key, names in groups.items() if key not in known}
    out: dict[str, str] = {}
    for names in free.values():
        out.update(_group_map(names, values))
    out.update(_second_surnames(free, out))
    return out


def map_fingerprint(merges: Mapping[str, str]) -> str | None:
    """The map's fingerprint (None for no merges: a document made without any)."""
    return digest("merges", MERGE_CODE, sorted(merges.items())) if merges else None


def apply_merges(ents: Entities, merges: Mapping[str, str]) -> Entities:
    """``ents`` with merged person values; mention counts of a variant go to its target."""
    if not any(p in merges for p in ents.persons):
        return ents
    mentions: dict[str, int] = {}
    for name, n in ents.mentions.items():
        to = merges.get(name, name) if name in ents.persons else name
        mentions[to] = mentions.get(to, 0) + n
    persons = {merges.get(p, p) for p in ents.persons}
    # Ordered by salience as etl.canonical orders them: mentions, then name.
    ranked = sorted((-c, n) for n, c in mentions.items())
    return replace(
        ents,
        persons=tuple(n for _, n in sorted((-mentions.get(p, 0), p) for p in persons)),
        mentions={n: -c for c, n in ranked},
    )


def names_of(*maps: Mapping[str, str]) -> set[str]:
    """Every variant and target of the maps: the values a changed map can move."""
    return {x for m in maps for pair in m.items() for x in pair}


# Elasticsearch side: streamed, never a document in memory.


def corpus_persons(es: Elasticsearch, index: str) -> Iterator[tuple[str, int]]:
    """(person value, documents holding it), one composite-aggregation page at a time."""
    for b in composite_buckets(es, index, "entities.persons", page=_PAGE):
        yield str(b["key"]["value"]), int(b["doc_count"])


def recorded(es: Elasticsearch, index: str) -> list[str]:
    """The merge fingerprints documents of ``index`` were made with (``-``: none)."""
    agg = {"terms": {"field": FIELD, "size": 100, "missing": _NONE}}
    resp = es.search(index=index, size=0, aggs={"fp": agg})
    return [str(b["key"]) for b in resp["aggregations"]["fp"]["buckets"]]


def old_maps(es: Elasticsearch, alias: str, fps: Iterable[str]) -> dict[str, str] | None:
    """The union of the maps with these fingerprints (kept in ``ALIAS-runs``); None when one
    is not kept (then every document made with it must be re-derived)."""
    union: dict[str, str] = {}
    for fp in fps:
        if fp == _NONE:
            continue
        snap = es.options(ignore_status=404).get(index=runs_index(alias), id=SNAPSHOT + fp)
        if not snap.get("found"):
            return None
        union.update(dict(snap["_source"]["person_merges"]["pairs"]))
    return union


def save_map(es: Elasticsearch, alias: str, merges: Mapping[str, str]) -> None:
    """Keep a map under its fingerprint in ``ALIAS-runs``: the next pass diffs against it."""
    fp = map_fingerprint(merges)
    if fp is None:
        return
    doc = {"person_merges": {"fingerprint": fp, "pairs": sorted(merges.items())}}
    es.options(ignore_status=409).create(index=runs_index(alias), id=SNAPSHOT + fp, document=doc)


def unmerged(values: Mapping[str, int], old: Mapping[str, str]) -> dict[str, int]:
    """The corpus's values before merging: a variant an old map merged away is back (count
    unknown, 0) when its target is still in the index."""
    out = dict(values)
    for variant, target in old.items():
        if target in values:
            out.setdefault(variant, 0)
    return out


def write_staged(staging: str, merges: Mapping[str, str]) -> None:
    stg.write_json(stg.join(staging, STAGED), dict(merges))


def read_staged(staging: str) -> dict[str, str]:
    """The map the plan staged for this run (none staged: no merges)."""
    loc = stg.join(staging, STAGED)
    return {str(k): str(v) for k, v in stg.read_json(loc).items()} if stg.exists(loc) else {}
