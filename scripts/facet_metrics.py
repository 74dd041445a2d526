"""Facet quality metrics over the labels in ``tests/data/facets/`` (see its GUIDE.md).

Pure functions on plain values, shared by ``scripts/bench_facets.py`` and its unit test, so the
numbers in ``docs/benchmarks.md`` come from code that is tested on hand-made inputs. Values are
compared after :func:`fold` (case, accents, punctuation), since canonicalisation may change those
and a label should not be lost to "Munoz" vs "Muñoz".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TYPES = ("person", "organization", "location")
FACET = {"person": "persons", "organization": "organizations", "location": "locations"}
VERDICTS = ("right", "wrong", "wrong_type")
LABELS = Path(__file__).resolve().parent.parent / "tests" / "data" / "facets"


def fold(value: str) -> str:
    """Comparison key: accents dropped, case folded, punctuation dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    # dots and apostrophes join ("U.S." = "US", "O'Donnell"); other punctuation separates
    text = re.sub(r"[.'\u2019]", "", text)
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


# --- precision ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Precision:
    right: int
    judged: int  # output values with a label
    unlabelled: tuple[str, ...]  # output values without one, to be judged later

    @property
    def value(self) -> float | None:
        return ratio(self.right, self.judged)


def verdicts(records: Iterable[Mapping[str, Any]], typ: str) -> dict[str, str]:
    """fold(value) -> verdict for the value labels of one type."""
    return {fold(r["value"]): r["verdict"] for r in records if r["type"] == typ}


def held_out(value: str) -> bool:
    """The half of the labels no rule was tuned on (a stable hash of the folded value): rules
    were developed looking at the other half only, so this half's precision is the honest one."""
    return int(hashlib.sha1(fold(value).encode("utf-8")).hexdigest(), 16) % 2 == 1


def precision(values: Iterable[str], labels: Mapping[str, str]) -> Precision:
    """Share of the labelled distinct output values that are right (``labels``: fold -> verdict)."""
    right = judged = 0
    unlabelled: list[str] = []
    seen: set[str] = set()
    for value in sorted(set(values)):
        key = fold(value)
        if key in seen:
            continue
        seen.add(key)
        verdict = labels.get(key)
        if verdict is None:
            unlabelled.append(value)
            continue
        judged += 1
        right += verdict == "right"
    return Precision(right, judged, tuple(unlabelled))


# --- recall ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recall:
    found: int
    total: int
    missed: tuple[str, ...] = ()

    @property
    def value(self) -> float | None:
        return ratio(self.found, self.total)


def recall(
    labelled: Iterable[Mapping[str, Any]],
    output: Mapping[str, Mapping[str, Sequence[str]]],
    typ: str,
    any_type: bool = False,
) -> Recall:
    """Entities of ``typ`` in the fully labelled articles found in the output.

    ``output``: article id -> facet name -> values. An entity (a list of acceptable values) is
    found when one of its variants is a value of the article's facet of that type, or with
    ``any_type`` of any of the three facets (found, but perhaps typed wrong).
    """
    found = total = 0
    missed: list[str] = []
    facets = list(FACET.values()) if any_type else [FACET[typ]]
    for article in labelled:
        facet_values = output.get(article["id"], {})
        present = {fold(v) for f in facets for v in facet_values.get(f, ())}
        for variants in article[FACET[typ]]:
            total += 1
            if any(fold(v) in present for v in variants):
                found += 1
            else:
                missed.append(variants[0])
    return Recall(found, total, tuple(missed))


# --- splits ---------------------------------------------------------------------------------


class _Union:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


@dataclass(frozen=True)
class Splits:
    split: int  # entities with two or more distinct output values
    entities: int  # labelled entities with at least one output value
    examples: tuple[tuple[str, ...], ...] = ()

    @property
    def value(self) -> float | None:
        return ratio(self.split, self.entities)


def split_share(
    values: Iterable[str],
    entity_of: Mapping[str, str],
    same: Iterable[tuple[str, str]],
) -> Splits:
    """Share of labelled entities that appear in the output as two or more distinct values.

    ``values``: all output values of one type over the corpus; ``entity_of``: right value ->
    canonical entity name (values.jsonl); ``same``: value pairs judged to be one entity
    (splits.jsonl). Values are joined through both; an output value equal (folded) to an entity's
    canonical name belongs to it. Distinct means distinct as output, before folding.
    """
    union = _Union()
    labelled: set[str] = set()
    for value, entity in entity_of.items():
        union.join(fold(value), fold(entity))
        labelled.add(fold(value))
    for a, b in same:
        union.join(fold(a), fold(b))
        labelled.update((fold(a), fold(b)))
    roots = {union.find(k) for k in labelled}
    members: dict[str, set[str]] = defaultdict(set)
    for value in set(values):
        root = union.find(fold(value))
        if root in roots:
            members[root].add(value)
    split = sorted(tuple(sorted(m)) for m in members.values() if len(m) >= 2)
    return Splits(len(split), len(members), tuple(split))


def entities_of(records: Iterable[Mapping[str, Any]], typ: str) -> dict[str, str]:
    """Right value -> canonical entity name, for one type of values.jsonl."""
    return {
        r["value"]: r["entity"] or r["value"]
        for r in records
        if r["type"] == typ and r["verdict"] == "right"
    }


def same_pairs(records: Iterable[Mapping[str, Any]], typ: str) -> list[tuple[str, str]]:
    return [(r["a"], r["b"]) for r in records if r["type"] == typ and r["same"]]


def split_candidates(values: Iterable[str], typ: str) -> list[tuple[str, str]]:
    """Pairs of values that may name one entity, to be judged by hand (splits.jsonl).

    Same folded key or same letters; persons sharing first and last token ("Richard Guy",
    "Richard K. Guy"); one value's tokens a proper subset of the other's (for organisations and
    places at least two tokens, since one shared word says little there).
    """
    tokens = {v: fold(v).split() for v in sorted(set(values))}
    out = []
    for a, b in itertools.combinations(sorted(tokens), 2):
        ta, tb = tokens[a], tokens[b]
        if not ta or not tb:
            continue
        sa, sb = set(ta), set(tb)
        smallest = 1 if typ == "person" else 2
        if (
            ta == tb
            or "".join(ta) == "".join(tb)
            or (
                typ == "person"
                and min(len(ta), len(tb)) >= 2
                and (ta[0], ta[-1]) == (tb[0], tb[-1])
            )
            or ((sa < sb or sb < sa) and min(len(sa), len(sb)) >= smallest)
        ):
            out.append((a, b))
    return out


# --- place resolution ---------------------------------------------------------------------


@dataclass(frozen=True)
class Accuracy:
    correct: int
    total: int
    wrong: tuple[tuple[str, str, str | None], ...] = ()  # (value, expected, resolved)

    @property
    def value(self) -> float | None:
        return ratio(self.correct, self.total)


def country_labels(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """fold(value) -> ISO alpha-2 of the right places that are in one country."""
    return {
        fold(r["value"]): r["country"]
        for r in records
        if r["type"] == "location" and r["verdict"] == "right" and r["country"]
    }


def country_accuracy(
    resolved: Iterable[tuple[str, str | None]], labels: Mapping[str, str]
) -> Accuracy:
    """Share of labelled places (with a country) whose resolved country equals the label.

    ``resolved``: (place value, resolved ISO alpha-2 or None) per occurrence, e.g. per article;
    unlabelled values are left out; an unresolved labelled place counts as wrong.
    """
    correct = total = 0
    wrong: list[tuple[str, str, str | None]] = []
    for value, country in resolved:
        expected = labels.get(fold(value))
        if expected is None:
            continue
        total += 1
        if country is not None and country.upper() == expected:
            correct += 1
        else:
            wrong.append((value, expected, country))
    return Accuracy(correct, total, tuple(wrong))
