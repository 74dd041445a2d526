"""The facet labels (tests/data/facets/) keep their schema and size, and the facet metrics
(scripts/facet_metrics.py) give the right numbers on tiny hand-made inputs."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from corpus import WIKINEWS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from facet_metrics import (  # noqa: E402
    FACET,
    LABELS,
    TYPES,
    VERDICTS,
    country_accuracy,
    country_labels,
    entities_of,
    fold,
    load_jsonl,
    precision,
    recall,
    same_pairs,
    split_candidates,
    split_share,
    verdicts,
)

CORPUS = WIKINEWS
VALUES = load_jsonl(LABELS / "values.jsonl")
ARTICLES = load_jsonl(LABELS / "articles.jsonl")
SPLITS = load_jsonl(LABELS / "splits.jsonl")
ISO2 = re.compile(r"^[A-Z]{2}$")


# --- the label files ----------------------------------------------------------------------------


def test_guide_exists() -> None:
    assert (LABELS / "GUIDE.md").read_text(encoding="utf-8").startswith("# Facet labels")


@pytest.mark.parametrize("typ", TYPES)
def test_at_least_300_distinct_values_per_type(typ: str) -> None:
    values = [r["value"] for r in VALUES if r["type"] == typ]
    assert len(values) >= 300
    assert len(set(values)) == len(values), "a value is labelled twice"


@pytest.mark.parametrize("record", VALUES, ids=lambda r: f"{r['type']}:{r['value']}")
def test_value_label_schema(record: dict[str, Any]) -> None:
    assert set(record) == {"type", "value", "verdict", "right_type", "entity", "country", "note"}
    assert record["type"] in TYPES
    assert record["value"].strip() == record["value"] != ""
    assert record["verdict"] in VERDICTS
    assert isinstance(record["note"], str) and record["note"].strip()
    if record["verdict"] == "wrong_type":
        assert record["right_type"] in TYPES and record["right_type"] != record["type"]
    else:
        assert record["right_type"] is None
    if record["verdict"] == "right":
        assert isinstance(record["entity"], str) and record["entity"].strip()
    else:
        assert record["entity"] is None
    if record["type"] == "location" and record["verdict"] == "right":
        # a country code, or null with a note saying why (seas, continents, former states)
        assert record["country"] is None or ISO2.match(record["country"])
    else:
        assert record["country"] is None


def test_at_least_10_whole_articles() -> None:
    ids = [a["id"] for a in ARTICLES]
    assert len(ids) >= 10
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["id"][:60])
def test_article_label_schema(article: dict[str, Any]) -> None:
    assert set(article) == {"id", "persons", "organizations", "locations"}
    for facet in FACET.values():
        for variants in article[facet]:
            assert isinstance(variants, list) and variants
            assert all(isinstance(v, str) and v.strip() == v != "" for v in variants)


def test_article_ids_are_in_the_corpus() -> None:
    with CORPUS.open(encoding="utf-8") as f:
        ids = {json.loads(line)["id"] for line in f}
    assert {a["id"] for a in ARTICLES} <= ids


def test_split_label_schema() -> None:
    assert SPLITS
    for r in SPLITS:
        assert set(r) == {"type", "a", "b", "same"}
        assert r["type"] in TYPES
        assert r["a"] != r["b"]
        assert isinstance(r["same"], bool)
    pairs = Counter((r["type"], r["a"], r["b"]) for r in SPLITS)
    assert max(pairs.values()) == 1


# --- the metrics ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Juan Muñoz", "juan munoz"),
        ("Tak-Sing Wong", "tak sing wong"),
        ("U.S.", "us"),
        ("Sean O'Donnell", "sean odonnell"),
        ("St. Louis", "st louis"),
        ("  New   York ", "new york"),
        ("Łukasz", "łukasz"),  # a stroke is a letter, not a combining accent
    ],
)
def test_fold(value: str, expected: str) -> None:
    assert fold(value) == expected


LABELS_TINY = {"anna smith": "right", "court": "wrong", "pelosi": "wrong_type"}


@pytest.mark.parametrize(
    ("values", "right", "judged", "unlabelled"),
    [
        (["Anna Smith", "Court", "Pelosi"], 1, 3, ()),
        (["Anna Smith", "anna smith", "New Name"], 1, 1, ("New Name",)),  # folded once
        (["Court"], 0, 1, ()),
        ([], 0, 0, ()),
    ],
)
def test_precision(values: list[str], right: int, judged: int, unlabelled: tuple[str, ...]) -> None:
    p = precision(values, LABELS_TINY)
    assert (p.right, p.judged, p.unlabelled) == (right, judged, unlabelled)
    assert p.value == (right / judged if judged else None)


def test_verdicts_by_type() -> None:
    records = [
        {"type": "person", "value": "Anna Smith", "verdict": "right"},
        {"type": "location", "value": "Pelosi", "verdict": "wrong_type"},
    ]
    assert verdicts(records, "person") == {"anna smith": "right"}
    assert verdicts(records, "location") == {"pelosi": "wrong_type"}


ARTICLE = {
    "id": "a",
    "persons": [["Nancy Pelosi", "Pelosi"], ["Kitty Mak"]],
    "organizations": [["National Hurricane Center", "NHC"]],
    "locations": [["United States", "US"], ["Yonkers"]],
}


@pytest.mark.parametrize(
    ("output", "typ", "any_type", "found", "total"),
    [
        ({"persons": ["Pelosi"]}, "person", False, 1, 2),  # any variant counts
        ({"persons": ["Nancy Pelosi", "Kitty Mak"]}, "person", False, 2, 2),
        ({"organizations": ["Kitty Mak"]}, "person", False, 0, 2),  # wrong facet
        ({"organizations": ["Kitty Mak"]}, "person", True, 1, 2),  # found in any facet
        ({"organizations": ["NHC"]}, "organization", False, 1, 1),
        ({"locations": ["U.S."]}, "location", False, 1, 2),  # "U.S." folds to "US"
        ({}, "location", False, 0, 2),
    ],
)
def test_recall(
    output: dict[str, list[str]], typ: str, any_type: bool, found: int, total: int
) -> None:
    r = recall([ARTICLE], {"a": output}, typ, any_type=any_type)
    assert (r.found, r.total) == (found, total)
    assert len(r.missed) == total - found


def test_recall_of_an_article_missing_from_the_output() -> None:
    r = recall([ARTICLE], {}, "person")
    assert (r.found, r.total, r.missed) == (0, 2, ("Nancy Pelosi", "Kitty Mak"))


@pytest.mark.parametrize(
    ("values", "entity_of", "same", "split", "entities"),
    [
        # two values of one entity through the entity field
        (["Richard Guy", "Richard K. Guy"], {"Richard Guy": "Richard K. Guy"}, [], 1, 1),
        # ... through a judged pair
        (
            ["Richard Guy", "Richard K. Guy"],
            {"Richard Guy": "Richard Guy"},
            [("Richard Guy", "Richard K. Guy")],
            1,
            1,
        ),
        # a pair judged different joins nothing: two entities, none split
        (
            ["George Bush", "George W. Bush"],
            {"George Bush": "George Bush", "George W. Bush": "George W. Bush"},
            [],
            0,
            2,
        ),
        # one value per entity
        (
            ["Anna Smith", "Bob Jones"],
            {"Anna Smith": "Anna Smith", "Bob Jones": "Bob Jones"},
            [],
            0,
            2,
        ),
        # a labelled entity absent from the output is not counted
        (["Anna Smith"], {"Anna Smith": "Anna Smith", "Bob Jones": "Bob Jones"}, [], 0, 1),
        # an unlabelled output value equal to the entity's canonical name belongs to it
        (
            ["Robert Mugabe", "Robert Gabriel Mugabe"],
            {"Robert Gabriel Mugabe": "Robert Mugabe"},
            [],
            1,
            1,
        ),
        # unlabelled values outside any labelled entity are ignored
        (["Someone Else"], {"Anna Smith": "Anna Smith"}, [], 0, 0),
        # chains join: a~b (entity), b~c (pair) -> one entity with three values
        (["A B", "A X B", "A Xavier B"], {"A B": "A X B"}, [("A X B", "A Xavier B")], 1, 1),
    ],
)
def test_split_share(
    values: list[str],
    entity_of: dict[str, str],
    same: list[tuple[str, str]],
    split: int,
    entities: int,
) -> None:
    s = split_share(values, entity_of, same)
    assert (s.split, s.entities) == (split, entities)


def test_entities_and_pairs_from_records() -> None:
    values: list[dict[str, Any]] = [
        {"type": "person", "value": "Richard Guy", "verdict": "right", "entity": "Richard K. Guy"},
        {"type": "person", "value": "Tom Image", "verdict": "wrong", "entity": None},
    ]
    assert entities_of(values, "person") == {"Richard Guy": "Richard K. Guy"}
    pairs = [
        {"type": "person", "a": "A", "b": "B", "same": True},
        {"type": "person", "a": "A", "b": "C", "same": False},
        {"type": "location", "a": "D", "b": "E", "same": True},
    ]
    assert same_pairs(pairs, "person") == [("A", "B")]


@pytest.mark.parametrize(
    ("values", "typ", "expected"),
    [
        (["Richard Guy", "Richard K. Guy"], "person", [("Richard Guy", "Richard K. Guy")]),
        (["Donald Trump", "Trump"], "person", [("Donald Trump", "Trump")]),  # subset
        (["Juan Munoz", "Juan Muñoz"], "person", [("Juan Munoz", "Juan Muñoz")]),  # same fold
        (["Anna Smith", "Bob Smith"], "person", []),
        (
            ["Red Cross", "Philippine Red Cross"],
            "organization",
            [("Philippine Red Cross", "Red Cross")],
        ),
        (["Court", "Supreme Court"], "organization", []),  # one shared word says little
        (["Hong Kong", "HongKong"], "location", [("Hong Kong", "HongKong")]),  # same letters
    ],
)
def test_split_candidates(values: list[str], typ: str, expected: list[tuple[str, str]]) -> None:
    assert split_candidates(values, typ) == expected


def test_country_labels() -> None:
    records: list[dict[str, Any]] = [
        {"type": "location", "value": "Paris", "verdict": "right", "country": "FR"},
        {"type": "location", "value": "Pacific", "verdict": "right", "country": None},
        {"type": "location", "value": "Pelosi", "verdict": "wrong_type", "country": None},
    ]
    assert country_labels(records) == {"paris": "FR"}


@pytest.mark.parametrize(
    ("resolved", "correct", "total"),
    [
        ([("Paris", "FR"), ("Georgia", "US")], 2, 2),
        ([("Paris", "fr")], 1, 1),  # case of the code does not matter
        ([("Georgia", "GE")], 0, 1),  # the wrong Georgia
        ([("Georgia", None)], 0, 1),  # unresolved counts as wrong
        ([("Atlantis", "GR")], 0, 0),  # unlabelled places are left out
        ([("Paris", "FR"), ("Paris", "US")], 1, 2),  # per occurrence
    ],
)
def test_country_accuracy(resolved: list[tuple[str, str | None]], correct: int, total: int) -> None:
    acc = country_accuracy(resolved, {"paris": "FR", "georgia": "US"})
    assert (acc.correct, acc.total) == (correct, total)
    assert len(acc.wrong) == total - correct
