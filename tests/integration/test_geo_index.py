"""geo.countries and geo.points in a real index made from the template (mapping version 4).

Documents are made by etl.documents from Entities with countries and points, as the pipeline
writes them, and loaded into a generation created from config/index_template.json; each test
gets its own uuid alias.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cli_support import run_etl as etl
from search_indices import create_index, drop_alias

from etl.documents import to_document
from etl.records import Article, Entities, SourceInfo

pytestmark = pytest.mark.integration

STAGES = {"clean": "c", "metadata": "m", "ner": "n", "entities": "e"}
# Vostochny Cosmodrome (Amur Oblast, Russia), Pyongyang, Paris.
VOSTOCHNY, PYONGYANG, PARIS = (51.884, 128.334), (39.034, 125.755), (48.857, 2.352)


def _doc(title: str, places: tuple[str, ...], countries: tuple[str, ...], points) -> dict:
    article = Article(
        source=SourceInfo(path=f"{title}.txt", sha256="0" * 64, format="txt", size=1, name="W"),
        title=title,
        body=f"{title}.",
        published_at=datetime(2023, 9, 13, tzinfo=UTC),
        language="en",
        entities=Entities(locations=places, countries=countries, points=points),
    )
    return to_document(article, run_id="r", ingested_at="2026-01-01T00:00:00+00:00", stages=STAGES)


DOCS = [
    _doc(
        "Kim visits the cosmodrome",
        ("Vostochny Cosmodrome", "Pyongyang"),
        ("RU", "KP"),
        (VOSTOCHNY, PYONGYANG),
    ),
    _doc("Paris summit", ("Paris",), ("FR",), (PARIS,)),
    _doc("Talks in Russia", ("Russia",), ("RU",), ()),  # a country: no point
    _doc("Markets calm", (), (), ()),  # no places at all
]
TITLES = [d["title"] for d in DOCS]
NAMES = {"RU": "Russia", "KP": "North Korea", "FR": "France"}


@pytest.fixture
def alias(es: Any) -> Iterator[str]:
    """A fresh uuid alias over a generation made from the template, DOCS loaded."""
    name = f"test-geo-{uuid.uuid4().hex[:10]}"
    create_index(es, name, DOCS)
    yield name
    drop_alias(es, name)


def _titles(es: Any, alias: str, query: dict[str, Any]) -> list[str]:
    hits = es.search(index=alias, query=query, sort=["title.keyword"])["hits"]["hits"]
    return [h["_source"]["title"] for h in hits]


def test_the_template_maps_geo_points_as_geo_points(es: Any, alias: str) -> None:
    [name] = es.indices.get_alias(name=alias)
    props = es.indices.get_mapping(index=name)[name]["mappings"]["properties"]["geo"]
    assert props == {
        "properties": {"countries": {"type": "keyword"}, "points": {"type": "geo_point"}}
    }


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        (  # 50 km around the cosmodrome: only the document with a point there
            {"geo_distance": {"distance": "50km", "geo.points": {"lat": 51.9, "lon": 128.3}}},
            [TITLES[0]],
        ),
        (  # the second point of a document counts too (Pyongyang)
            {"geo_distance": {"distance": "20km", "geo.points": "39.0,125.7"}},
            [TITLES[0]],
        ),
        (  # a box over France
            {
                "geo_bounding_box": {
                    "geo.points": {
                        "top_left": {"lat": 51.1, "lon": -5.2},
                        "bottom_right": {"lat": 42.3, "lon": 8.3},
                    }
                }
            },
            [TITLES[1]],
        ),
        (  # a box over the Atlantic: nothing
            {"geo_bounding_box": {"geo.points": {"top_left": "40,-40", "bottom_right": "30,-30"}}},
            [],
        ),
        ({"exists": {"field": "geo.points"}}, [TITLES[0], TITLES[1]]),
    ],
)
def test_geo_queries_find_the_documents_with_points_there(
    es: Any, alias: str, query: dict[str, Any], titles: list[str]
) -> None:
    assert _titles(es, alias, query) == sorted(titles)


def test_countries_aggregation(es: Any, alias: str) -> None:
    resp = es.search(index=alias, size=0, aggs={"c": {"terms": {"field": "geo.countries"}}})
    buckets = {b["key"]: b["doc_count"] for b in resp["aggregations"]["c"]["buckets"]}
    assert buckets == {"RU": 2, "KP": 1, "FR": 1}


def _json(*args: str) -> dict[str, Any]:
    proc = etl(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("args", "titles", "countries"),
    [
        ([], TITLES, {"RU": 2, "KP": 1, "FR": 1}),
        (["--country", "kp"], [TITLES[0]], {"RU": 1, "KP": 1}),
        (["--country", "RU"], TITLES[0:1] + TITLES[2:3], {"RU": 2, "KP": 1}),
        (["--country", "France"], [TITLES[1]], {"FR": 1}),
        (["--filter", "country=FR", "--filter", "country=KP"], TITLES[0:2], None),
        (["--country", "RU", "--filter", "places=Russia"], [TITLES[2]], {"RU": 1}),
        (["--country", "US"], [], {}),
    ],
)
def test_search_country_filter_and_facet(
    alias: str, args: list[str], titles: list[str], countries: dict[str, int] | None
) -> None:
    result = _json("search", "--index", alias, *args)
    assert sorted(h["title"] for h in result["hits"]) == sorted(titles)
    facet = {f["value"]: f["count"] for f in result["facets"]["countries"]}
    if countries is not None:
        assert facet == countries
    for row in result["facets"]["countries"]:
        assert row["name"] == NAMES[row["value"]]


def test_summary_and_readable_output_name_the_countries(alias: str) -> None:
    summary = _json("summary", "--index", alias)
    assert summary["facets"]["countries"] == [
        {"value": "RU", "count": 2, "name": "Russia"},
        {"value": "FR", "count": 1, "name": "France"},
        {"value": "KP", "count": 1, "name": "North Korea"},
    ]
    proc = etl("search", "--index", alias, "--country", "KP")
    assert proc.returncode == 0, proc.stderr
    assert "1 result" in proc.stdout and "Countries" in proc.stdout
    assert "KP North Korea" in proc.stdout
    bad = etl("search", "--index", alias, "--country", "Narnia")
    assert bad.returncode == 2 and "unknown country 'Narnia'" in bad.stderr


def test_an_older_generation_gains_the_geo_fields_in_place(es: Any) -> None:
    """A generation made with mapping version 3 (no geo) refuses geo documents (strict);
    an incremental run's sync_mapping adds the fields in place, and geo queries work."""
    from elasticsearch import BadRequestError

    from etl import index
    from etl.settings import get_settings

    settings = get_settings()
    alias = f"test-geo-{uuid.uuid4().hex[:10]}"
    tpl = copy.deepcopy(index.template(settings))
    mappings = tpl["mappings"]
    mappings["properties"].pop("geo")
    mappings["_meta"] = {**index.marker(alias, settings), "mapping_version": 3}
    name = f"{alias}-20260101000000"
    es.indices.create(index=name, settings=tpl["settings"], mappings=mappings, aliases={alias: {}})
    try:
        old = {k: v for k, v in DOCS[2].items() if k != "geo"}
        es.index(index=name, id="old", document=old, refresh=True)
        with pytest.raises(BadRequestError, match="strict_dynamic_mapping_exception"):
            es.index(index=name, id="new", document=DOCS[0])
        index.sync_mapping(es, name, alias, settings)
        meta = es.indices.get_mapping(index=name)[name]["mappings"]
        assert meta["_meta"]["mapping_version"] == 4
        assert meta["properties"]["geo"]["properties"]["points"] == {"type": "geo_point"}
        es.index(index=name, id="new", document=DOCS[0], refresh=True)
        near = {"geo_distance": {"distance": "50km", "geo.points": list(VOSTOCHNY[::-1])}}
        assert _titles(es, alias, near) == [TITLES[0]]
        # The old document has no geo: it is in no country, and the search still answers.
        assert _json("search", "--index", alias, "--country", "RU")["total"] == 1
        assert _json("search", "--index", alias)["total"] == 2
    finally:
        drop_alias(es, alias)
