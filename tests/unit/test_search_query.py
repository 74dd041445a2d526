"""build_query: input -> the query parts Elasticsearch gets (no server needed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from etl.search import (
    FACET_TITLES,
    FACETS,
    STORY_FIELD,
    SearchUsageError,
    build_query,
    country_name,
    facet_label,
    lone_query,
    parse_filters,
    resolve_field,
    segments,
    shape_response,
)


def _filters(body: dict[str, Any]) -> list[dict[str, Any]]:
    return body["query"]["bool"]["filter"]


def _must(body: dict[str, Any]) -> dict[str, Any]:
    [must] = body["query"]["bool"]["must"]
    return must


@pytest.mark.parametrize(
    ("kwargs", "expected_filters"),
    [
        ({}, []),
        (
            {"filters": {"entities.persons": ["Vladimir Putin"]}},
            [{"terms": {"entities.persons": ["Vladimir Putin"]}}],
        ),
        (  # short names resolve to the keyword field; values of one field are OR-ed
            {"filters": {"persons": ["Vladimir Putin", "Kim Jong Un"]}},
            [{"terms": {"entities.persons": ["Vladimir Putin", "Kim Jong Un"]}}],
        ),
        (  # different fields are AND-ed: one clause each
            {"filters": {"persons": ["Vladimir Putin"], "places": ["Russia"]}},
            [
                {"terms": {"entities.persons": ["Vladimir Putin"]}},
                {"terms": {"entities.locations": ["Russia"]}},
            ],
        ),
        (  # --language/--source are filters on the keyword fields, duplicates dropped
            {"filters": {"language": ["en"]}, "language": "en", "source": "NHK"},
            [{"terms": {"language": ["en"]}}, {"terms": {"source.name": ["NHK"]}}],
        ),
        (  # a bare day as upper bound covers that whole day
            {"since": "2023-09-01", "until": "2023-09-13"},
            [{"range": {"published_at": {"gte": "2023-09-01", "lte": "2023-09-13||/d"}}}],
        ),
        (
            {"since": date(2023, 9, 1)},
            [{"range": {"published_at": {"gte": "2023-09-01"}}}],
        ),
        (
            {"until": datetime(2023, 9, 13, 12, 30)},
            [{"range": {"published_at": {"lte": "2023-09-13T12:30:00"}}}],
        ),
        (
            {"filters": {"run_id": ["manual__1"]}, "until": "2023-09-13T08:00:00"},
            [
                {"terms": {"run_id": ["manual__1"]}},
                {"range": {"published_at": {"lte": "2023-09-13T08:00:00"}}},
            ],
        ),
    ],
)
def test_filters(kwargs: dict[str, Any], expected_filters: list[dict[str, Any]]) -> None:
    assert _filters(build_query("satellite", **kwargs)) == expected_filters


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {"match_all": {}}),
        ("   ", {"match_all": {}}),
        (
            " satellite ",
            {
                "multi_match": {
                    "query": "satellite",
                    "fields": [
                        "title^3",
                        "title.english",
                        "body",
                        "body.english",
                        "entities.*.text",
                    ],
                    "type": "best_fields",
                }
            },
        ),
    ],
)
def test_text_query(text: str, expected: dict[str, Any]) -> None:
    assert _must(build_query(text)) == expected


def test_facets_highlights_and_paging() -> None:
    body = build_query("putin", size=5, from_=10, facet_size=3)
    assert body["size"] == 5 and body["from"] == 10 and body["track_total_hits"] is True
    stories = {
        "stories": {"cardinality": {"field": "story.id", "precision_threshold": 40_000}},
        "unstoried": {"missing": {"field": "story.id"}},
    }
    for name, fld in FACETS.items():
        assert body["aggs"][name] == {"terms": {"field": fld, "size": 3}, "aggs": stories}
    assert {k: body["aggs"][k] for k in stories} == stories
    assert "collapse" not in body and "post_filter" not in body
    assert body["aggs"]["date_min"] == {"min": {"field": "published_at"}}
    assert body["aggs"]["date_max"] == {"max": {"field": "published_at"}}
    assert set(body["highlight"]["fields"]) == {"title", "body"}
    assert "body" not in body["_source"]  # result lists never ship whole articles


@pytest.mark.parametrize(
    "kwargs",
    [
        {"filters": {"entities.nope": ["x"]}},
        {"filters": {"body": ["x"]}},  # text fields are not filterable
        {"since": "13/09/2023"},
        {"until": "2023-02-30"},
        {"size": -1},
        {"from_": -5},
        {"size": 100_000},  # beyond Elasticsearch's max_result_window
        {"size": 10, "from_": 9_991},
    ],
)
def test_bad_usage(kwargs: dict[str, Any]) -> None:
    with pytest.raises(SearchUsageError):
        build_query("x", **kwargs)


def test_unknown_field_message_names_allowed_fields() -> None:
    with pytest.raises(SearchUsageError, match=r"allowed: entities\.persons, .*source\.name"):
        resolve_field("people")


@pytest.mark.parametrize(
    ("fragment", "parts"),
    [
        ("plain", [("plain", False)]),
        ("the <em>satellite</em> plan", [("the ", False), ("satellite", True), (" plan", False)]),
        ("<em>a</em><em>b</em>", [("a", True), ("b", True)]),
        ("<script>x</script>", [("<script>x</script>", False)]),
    ],
)
def test_segments(fragment: str, parts: list[tuple[str, bool]]) -> None:
    assert segments(fragment) == parts


def test_shape_response() -> None:
    raw = {
        "took": 3,
        "hits": {
            "total": {"value": 7, "relation": "eq"},
            "hits": [
                {
                    "_id": "a1",
                    "_score": 1.5,
                    "_source": {
                        "title": "Kim meets Putin",
                        "source": {"name": "NHK"},
                        "published_at": "2023-09-13",
                        "language": "en",
                        "entities": {"persons": ["Vladimir Putin"], "locations": []},
                    },
                    "highlight": {"body": ["<em>Putin</em> said"]},
                }
            ],
        },
        "aggregations": {
            "persons": {"buckets": [{"key": "Vladimir Putin", "doc_count": 7}]},
            "languages": {"buckets": [{"key": "en", "doc_count": 7}]},
            "date_min": {"value": 1.0, "value_as_string": "2023-09-13T00:00:00.000Z"},
            "date_max": {"value": None},
        },
    }
    result = shape_response(raw)
    assert result.total == 7 and result.took_ms == 3
    [hit] = result.hits
    assert (hit.id, hit.title, hit.source, hit.date) == (
        "a1",
        "Kim meets Putin",
        "NHK",
        "2023-09-13",
    )
    assert hit.entities == {"persons": ["Vladimir Putin"]}
    assert hit.highlights == {"body": ["<em>Putin</em> said"]}
    assert result.facets["persons"] == [("Vladimir Putin", 7)]
    assert result.facets["organizations"] == []
    assert result.date_range == ("2023-09-13T00:00:00.000Z", None)
    out = result.as_dict()
    # A response without story counts (no story aggregations) counts each document as one.
    assert out["facets"]["persons"] == [{"value": "Vladimir Putin", "count": 7, "stories": 7}]
    assert (out["total"], out["stories"], out["collapsed"]) == (7, 7, False)
    assert list(out["facets"]) == list(FACETS)


def test_paging_up_to_the_result_window() -> None:
    body = build_query("x", size=20, from_=9_980)
    assert (body["size"], body["from"]) == (20, 9_980)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * 1001, "the query is 1001 characters long; at most 1000 are allowed"),
        ("a " * 101, "the query has 101 words; at most 100 are allowed"),
    ],
)
def test_long_queries_are_refused(text: str, message: str) -> None:
    with pytest.raises(SearchUsageError) as caught:
        build_query(text)
    assert str(caught.value) == message
    assert _must(build_query("x" * 1000))["multi_match"]["query"] == "x" * 1000


def test_parse_filters() -> None:
    items = ["persons=Vladimir Putin", " places = Russia ", "persons=Vladimir Putin", "run_id=a=b"]
    assert parse_filters(items) == {
        "entities.persons": ["Vladimir Putin"],
        "entities.locations": ["Russia"],
        "run_id": ["a=b"],  # only the first = separates field from value
    }


@pytest.mark.parametrize("item", ["persons", "persons=", "persons=  ", "=Putin", ""])
def test_malformed_filters_are_refused(item: str) -> None:
    with pytest.raises(SearchUsageError, match=r"a filter needs FIELD=VALUE, got "):
        parse_filters([item])


def test_non_string_values_become_text() -> None:
    """A document may hold a number where the contract says text (``"title": 5``)."""
    raw = {
        "hits": {
            "total": 1,
            "hits": [
                {
                    "_id": 7,
                    "_source": {
                        "title": 5,
                        "source": {"name": 12},
                        "language": ["en", "de"],
                        "entities": {"persons": [1, "Kim"], "other": 3},
                        "run_id": 2,
                    },
                }
            ],
        }
    }
    [hit] = shape_response(raw).hits
    assert (hit.id, hit.title, hit.source, hit.language, hit.run_id) == (
        "7",
        "5",
        "12",
        "en de",
        "2",
    )
    assert hit.entities == {"persons": ["1", "Kim"], "other": ["3"]}
    untitled = shape_response({"hits": {"hits": [{"_id": "x", "_source": {"source": "AP"}}]}})
    assert (untitled.hits[0].title, untitled.hits[0].source) == ("(untitled)", "AP")


@pytest.mark.parametrize(
    ("kwargs", "key", "expected"),
    [
        ({}, "collapse", None),
        ({"collapse": False}, "post_filter", None),
        ({"collapse": True}, "post_filter", {"exists": {"field": "story.id"}}),
        ({"collapse": True}, "collapse.field", "story.id"),
        ({"collapse": True}, "collapse.inner_hits.name", "copies"),
        (
            {"collapse": True},
            "collapse.inner_hits.sort",
            [{"published_at": {"order": "asc"}}],
        ),
        (  # among equal scores the story's representative is the hit that shows
            {"collapse": True},
            "sort",
            [
                "_score",
                {"story.canonical": {"order": "desc", "unmapped_type": "boolean"}},
                {"published_at": {"order": "desc", "unmapped_type": "date"}},
            ],
        ),
        ({"collapse": True, "size": 5, "from_": 10}, "from", 10),
    ],
)
def test_collapse_body(kwargs: dict[str, Any], key: str, expected: Any) -> None:
    value: Any = build_query("satellite", **kwargs)
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    assert value == expected


@pytest.mark.parametrize(
    ("fetch", "has_source", "has_highlight"), [(True, True, True), (False, False, False)]
)
def test_lone_query(fetch: bool, has_source: bool, has_highlight: bool) -> None:
    """Documents without a story id: same query and sort, from the top to from + size."""
    collapsed = build_query(
        "satellite", {"persons": ["Kim Jong Un"]}, size=5, from_=10, collapse=True
    )
    body = lone_query(collapsed, fetch=fetch)
    assert body["query"]["bool"]["must"] == collapsed["query"]["bool"]["must"]
    assert body["query"]["bool"]["filter"] == collapsed["query"]["bool"]["filter"]
    assert body["query"]["bool"]["must_not"] == [{"exists": {"field": STORY_FIELD}}]
    assert (body["from"], body["size"], body["sort"]) == (0, 15, collapsed["sort"])
    assert not {"collapse", "post_filter", "aggs"} & set(body)
    assert (body["_source"] is not False, "highlight" in body) == (has_source, has_highlight)
    assert "must_not" not in collapsed["query"]["bool"]  # the collapsed body is unchanged


def test_story_id_is_a_filter_field() -> None:
    assert parse_filters(["story.id=abc", "story=def"]) == {"story.id": ["abc", "def"]}


def _story_agg(ids: int, missing: int) -> dict[str, Any]:
    return {"stories": {"value": ids}, "unstoried": {"doc_count": missing}}


def test_shape_collapsed_response() -> None:
    copy = {"_id": "c1", "_source": {"title": "T", "source": {"name": "Yonhap"}}}
    raw = {
        "hits": {
            "total": 5,
            "hits": [
                {
                    "_id": "a1",
                    "_source": {"title": "T", "source": {"name": "AP"}, "story": {"id": "s1"}},
                    "inner_hits": {
                        "copies": {
                            "hits": {
                                "total": {"value": 4},
                                "hits": [
                                    {"_id": "a1", "_source": {"source": {"name": "AP"}}},
                                    copy,
                                    {**copy, "_id": "c2"},
                                ],
                            }
                        }
                    },
                },
                {"_id": "b1", "_source": {"title": "Alone"}},
            ],
        },
        "aggregations": {
            **_story_agg(1, 1),
            "sources": {
                "buckets": [{"key": "AP", "doc_count": 3, **_story_agg(1, 1)}],
            },
        },
    }
    result = shape_response(raw, collapsed=True)
    story, alone = result.hits
    assert (story.story_id, story.copy_count, [c.id for c in story.copies]) == (
        "s1",
        3,  # four in the story, one of them the hit itself
        ["c1", "c2"],
    )
    assert story.copy_sources == ["Yonhap"]
    assert (alone.story_id, alone.copy_count, alone.copies) == (None, 0, [])
    assert (result.total, result.stories, result.shown_total) == (5, 2, 2)
    assert result.facet_rows("sources") == [("AP", 3, 2)]
    assert result.as_dict()["facets"]["sources"] == [{"value": "AP", "count": 3, "stories": 2}]


@pytest.mark.parametrize(
    ("kwargs", "expected_filters"),
    [
        ({"country": "fr"}, [{"terms": {"geo.countries": ["FR"]}}]),  # --country fr
        ({"country": " KP "}, [{"terms": {"geo.countries": ["KP"]}}]),
        ({"country": "France"}, [{"terms": {"geo.countries": ["FR"]}}]),  # an ISO name
        ({"country": "rus"}, [{"terms": {"geo.countries": ["RU"]}}]),  # alpha-3
        (  # the facet's short names, values OR-ed, each once
            {"filters": {"country": ["kp", "RU"], "countries": ["KP"]}},
            [{"terms": {"geo.countries": ["KP", "RU"]}}],
        ),
        (  # --country and a filter on the same field are one clause
            {"filters": {"geo.countries": ["RU"]}, "country": "KP"},
            [{"terms": {"geo.countries": ["RU", "KP"]}}],
        ),
        (  # AND-ed with the other facets like any facet
            {"filters": {"places": ["Vostochny Cosmodrome"]}, "country": "RU"},
            [
                {"terms": {"entities.locations": ["Vostochny Cosmodrome"]}},
                {"terms": {"geo.countries": ["RU"]}},
            ],
        ),
        ({"country": "XK"}, [{"terms": {"geo.countries": ["XK"]}}]),  # GeoNames' Kosovo
        # The names the facets show ("RU Russia", "XK Kosovo", "SU USSR") are typed back.
        ({"country": "Russia"}, [{"terms": {"geo.countries": ["RU"]}}]),
        ({"country": "kosovo"}, [{"terms": {"geo.countries": ["XK"]}}]),
        ({"country": "USSR"}, [{"terms": {"geo.countries": ["SU"]}}]),
        ({"country": "Russian Federation"}, [{"terms": {"geo.countries": ["RU"]}}]),
    ],
)
def test_country_filter(kwargs: dict[str, Any], expected_filters: list[dict[str, Any]]) -> None:
    assert _filters(build_query("", **kwargs)) == expected_filters


@pytest.mark.parametrize("value", ["Narnia", "Russia of course", "K", "123"])
def test_unknown_country_is_a_usage_error(value: str) -> None:
    with pytest.raises(SearchUsageError, match=r"unknown country .*ISO 3166-1 code"):
        build_query("", country=value)
    with pytest.raises(SearchUsageError, match=r"unknown country"):
        parse_filters([f"country={value}"])


def test_countries_is_a_facet() -> None:
    assert FACETS["countries"] == "geo.countries" and FACET_TITLES["countries"] == "Countries"
    assert build_query("")["aggs"]["countries"]["terms"] == {"field": "geo.countries", "size": 10}
    assert parse_filters(["country=kp", "countries=KP", "geo.countries=ru"]) == {
        "geo.countries": ["KP", "RU"]
    }


@pytest.mark.parametrize(
    ("name", "value", "label"),
    [
        ("countries", "KP", "KP North Korea"),  # pycountry's common name where it has one
        ("countries", "RU", "RU Russia"),
        ("countries", "US", "US United States"),
        ("countries", "XK", "XK Kosovo"),
        ("countries", "ZZ", "ZZ"),  # no name known: the code alone
        ("countries", "", ""),
        ("locations", "KP", "KP"),  # only countries are codes
        ("persons", "Vladimir Putin", "Vladimir Putin"),
    ],
)
def test_facet_label(name: str, value: str, label: str) -> None:
    assert facet_label(name, value) == label


def test_country_facet_in_the_response_carries_names() -> None:
    raw = {
        "hits": {"total": {"value": 3}, "hits": []},
        "aggregations": {
            "countries": {
                "buckets": [
                    {"key": "RU", "doc_count": 3, "stories": {"value": 2}},
                    {"key": "KP", "doc_count": 2, "stories": {"value": 1}},
                ]
            },
        },
    }
    result = shape_response(raw)
    assert result.facets["countries"] == [("RU", 3), ("KP", 2)]
    assert result.as_dict()["facets"]["countries"] == [
        {"value": "RU", "count": 3, "stories": 2, "name": "Russia"},
        {"value": "KP", "count": 2, "stories": 1, "name": "North Korea"},
    ]
    assert country_name("kp") == "North Korea" and country_name("QQ") is None
