"""Document ids, content hashes, and the document against the strict mapping."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from mapping_support import (
    document_leaves,
    document_paths,
    leaf_types,
    mapping_paths,
    object_valued,
)

from etl.documents import (
    content_hash,
    doc_id,
    geo_fields,
    normalize_url,
    to_document,
    with_entities,
)
from etl.records import Article, Entities, SourceInfo
from etl.settings import PROJECT_ROOT

STAGES = {"clean": "c1", "metadata": "m1", "ner": "n1", "entities": "e1"}
SRC = SourceInfo(
    path="a/b.txt",
    sha256="f" * 64,
    format="txt",
    size=10,
    modified_at=datetime(2024, 1, 1, tzinfo=UTC),
    name="Wire",
)
ART = Article(
    source=SRC,
    title="T",
    body="Body text.",
    published_at=datetime(2023, 9, 13, tzinfo=UTC),
    date_source="header",
    language="en",
    language_confidence=0.99,
    entities=Entities(
        persons=("Vladimir Putin",),
        locations=("Russia",),
        mentions={"Vladimir Putin": 3, "Russia": 1},
        model="en_core_web_sm 3.8.0",
        countries=("RU",),
        points=((61.5, 105.0),),
    ),
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.ORG/a/b/", "https://example.org/a/b"),
        ("https://example.org/a#comments", "https://example.org/a"),
        ("https://example.org/a?id=1", "https://example.org/a?id=1"),
        (" https://example.org ", "https://example.org"),
    ],
)
def test_normalize_url(url, expected) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (ART, replace(ART, body="Other body"), True),  # identity, not content
        (ART, replace(ART, source=replace(SRC, path="a/c.txt")), False),
        (ART, replace(ART, source=replace(SRC, name="Other")), False),
        (
            replace(ART, source=replace(SRC, url="https://x.org/1/")),
            replace(ART, source=replace(SRC, url="https://X.org/1", path="elsewhere.txt")),
            True,
        ),
        (replace(ART, record=1), replace(ART, record=2), False),
    ],
)
def test_doc_id(a, b, same) -> None:
    assert (doc_id(a) == doc_id(b)) is same
    assert len(doc_id(a)) == 40


@pytest.mark.parametrize(
    ("b", "same"),
    [
        (replace(ART, body="Changed."), False),
        (
            replace(
                ART,
                entities=replace(
                    ART.entities, persons=("Kim Jong Un",), mentions={"Kim Jong Un": 3, "Russia": 1}
                ),
            ),
            False,
        ),
        (replace(ART, entities=replace(ART.entities, model="other 1.0")), False),
        # countries and coordinates are content: a better resolution is a change
        (replace(ART, entities=replace(ART.entities, countries=("RU", "KP"))), False),
        (replace(ART, entities=replace(ART.entities, points=((55.75, 37.62),))), False),
        (replace(ART, entities=replace(ART.entities, points=())), False),
        (replace(ART, source=replace(SRC, modified_at=datetime(2025, 1, 1, tzinfo=UTC))), True),
    ],
)
def test_content_hash(b, same) -> None:
    assert (_hash(ART) == _hash(b)) is same


def _hash(article) -> str:
    return content_hash(_doc(article))


def _doc(article, run_id: str = "r1", ingested_at: str = "2026-01-01T00:00:00+00:00", **kw):
    return to_document(article, run_id=run_id, ingested_at=ingested_at, stages=STAGES, **kw)


@pytest.mark.parametrize(
    "article",
    [
        ART,
        replace(ART, entities=None, published_at=None),
        replace(ART, source=replace(SRC, url="https://x.org")),
    ],
)
def test_every_document_field_is_in_the_strict_mapping(article) -> None:
    tpl = json.loads((PROJECT_ROOT / "config" / "index_template.json").read_text())
    props = tpl["template"]["mappings"]["properties"]
    doc = _doc(article)
    assert document_paths(doc, atomic=object_valued(props)) - mapping_paths(props) == set()


def test_document_fields() -> None:
    doc = _doc(ART, "r1", "2026-01-01T00:00:00+00:00")
    assert doc["entities"]["persons"] == ["Vladimir Putin"]
    assert doc["geo"] == {"countries": ["RU"], "points": [{"lat": 61.5, "lon": 105.0}]}
    assert doc["entity_mentions"][0] == {"name": "Vladimir Putin", "type": "person", "count": 3}
    assert doc["published_at"] == "2023-09-13T00:00:00+00:00"
    assert doc["source"]["modified_at"] == "2024-01-01T00:00:00+00:00"
    assert doc["entities_model"] == "en_core_web_sm 3.8.0"
    assert doc["content_sha256"] == _hash(ART) and doc["run_id"] == "r1"


def test_load_time_and_run_do_not_change_the_hash_or_id() -> None:
    a = _doc(ART, "r1", "2026-01-01T00:00:00+00:00")
    b = _doc(ART, "r2", "2026-06-01T00:00:00+00:00")
    assert a["content_sha256"] == b["content_sha256"] and a["ingested_at"] != b["ingested_at"]
    assert doc_id(ART) == doc_id(replace(ART, body="Other", entities=None))


def _fits(kind: str, value: object) -> bool:
    if kind == "object":  # enabled: false, stored and never parsed (ner_spans)
        return True
    if kind in ("keyword", "text"):
        return isinstance(value, str)
    if kind == "date":
        return isinstance(value, str) and datetime.fromisoformat(value) is not None
    if kind in ("long", "integer"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, float)
    if kind == "geo_point":  # the {lat, lon} object form, in range
        return (
            isinstance(value, dict)
            and set(value) == {"lat", "lon"}
            and all(isinstance(v, float) for v in value.values())
            and -90 <= value["lat"] <= 90
            and -180 <= value["lon"] <= 180
        )
    return False


@pytest.mark.parametrize(
    "article",
    [
        ART,
        replace(ART, source=replace(SRC, url="https://x.org/a"), record=3),
        replace(ART, entities=replace(ART.entities, points=((39, 125),))),  # ints become floats
    ],
)
def test_every_value_has_the_type_its_field_is_mapped_to(article) -> None:
    """What dynamic:strict does not catch: a value Elasticsearch would refuse to parse."""
    tpl = json.loads((PROJECT_ROOT / "config" / "index_template.json").read_text())
    props = tpl["template"]["mappings"]["properties"]
    types = leaf_types(props)
    leaves = document_leaves(_doc(article), atomic=object_valued(props))
    wrong = [(f, v) for f, v in leaves if v is not None and not _fits(types[f], v)]
    assert wrong == []


def test_a_stored_document_hashes_like_the_one_made_from_its_file() -> None:
    """The index's copy (a JSON round trip) re-hashes to its content_sha256, so a document
    re-derived from what is stored compares with one made from its file."""
    doc = _doc(replace(ART, entities=replace(ART.entities, spans=(("Putin", "PERSON", 0, 5),))))
    stored = json.loads(json.dumps(doc))
    assert stored["ner_spans"] == [["Putin", "PERSON", 0, 5]]
    assert content_hash(stored) == doc["content_sha256"]
    same = with_entities(stored, replace(ART.entities, spans=(("Putin", "PERSON", 0, 5),)), STAGES)
    assert same["content_sha256"] == doc["content_sha256"]
    mentions = ART.entities.mentions.items()
    counts = {("V. Putin" if k == "Vladimir Putin" else k): v for k, v in mentions}
    renamed = replace(
        ART.entities, persons=("V. Putin",), mentions=counts, spans=(("Putin", "PERSON", 0, 5),)
    )
    new = with_entities(stored, renamed, {**STAGES, "entities": "e2"})
    assert new["entities"]["persons"] == ["V. Putin"] and new["pipeline"]["entities"] == "e2"
    # Fingerprints alone are no change of content; the entities are.
    assert new["content_sha256"] != doc["content_sha256"]
    assert (new["run_id"], new["body"]) == (doc["run_id"], doc["body"])


@pytest.mark.parametrize("field", ["clean", "metadata", "ner", "entities"])
def test_fingerprints_are_lineage_not_content(field: str) -> None:
    """A stage re-derived to the same output hashes the same (the loader rewrites it anyway
    to store the new fingerprint, since it is marked as re-derived)."""
    a = _doc(ART)
    b = to_document(ART, run_id="r1", ingested_at="x", stages={**STAGES, field: "other"})
    assert a["content_sha256"] == b["content_sha256"] and b["pipeline"][field] == "other"


@pytest.mark.parametrize(
    ("countries", "points", "expected"),
    [
        ((), (), {"countries": [], "points": []}),
        (
            ("RU", "KP"),
            ((51.88, 128.33), (39.03, 125.75)),
            {
                "countries": ["RU", "KP"],
                "points": [{"lat": 51.88, "lon": 128.33}, {"lat": 39.03, "lon": 125.75}],
            },
        ),
        (("FR",), ((48, 2),), {"countries": ["FR"], "points": [{"lat": 48.0, "lon": 2.0}]}),
        # out of range (lat and lon swapped somewhere) or NaN: Elasticsearch would refuse the
        # whole document, so the point is left out and the document keeps its countries
        (("US",), ((-122.4, 37.8),), {"countries": ["US"], "points": []}),
        (("US",), ((float("nan"), 1.0), (1.0, 181.0)), {"countries": ["US"], "points": []}),
        ((), ((90.0, -180.0),), {"countries": [], "points": [{"lat": 90.0, "lon": -180.0}]}),
    ],
)
def test_geo_fields(countries, points, expected) -> None:
    assert geo_fields(Entities(countries=countries, points=points)) == expected


def test_geo_goes_with_the_entities_when_re_derived() -> None:
    """with_entities replaces geo with the new entities' (a stored document made before geo
    existed gains it), and the stored copy with geo re-hashes to its content_sha256."""
    doc = _doc(ART)
    stored = json.loads(json.dumps(doc))
    assert content_hash(stored) == doc["content_sha256"]
    assert with_entities(stored, ART.entities, STAGES)["content_sha256"] == doc["content_sha256"]
    old = {k: v for k, v in stored.items() if k != "geo"}  # indexed before mapping version 4
    new = with_entities(old, ART.entities, STAGES)
    assert new["geo"] == doc["geo"] and new["content_sha256"] == doc["content_sha256"]
    moved = with_entities(stored, replace(ART.entities, countries=("KP",), points=()), STAGES)
    assert moved["geo"] == {"countries": ["KP"], "points": []}
    assert moved["content_sha256"] != doc["content_sha256"]
