"""``python -m etl search`` / ``summary`` against the real local Elasticsearch."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from cli_support import run_etl as etl
from search_indices import (
    HOSTILE_DOCS,
    HOSTILE_PERSONS,
    HOSTILE_SOURCE,
    HOSTILE_TITLE,
    KIM_STORY,
    LONE_TITLE,
    SATELLITE_STORY,
    SEARCH_DOCS,
    STORY_DOCS,
    XSS_TITLE,
    create_foreign,
    create_index,
    drop_alias,
    template,
)

pytestmark = pytest.mark.integration

FACET_NAMES = ["persons", "organizations", "locations", "countries", "sources", "languages"]
HIT_KEYS = {"id", "score", "title", "source", "date", "language", "highlights", "entities"}


DOCS = SEARCH_DOCS


@pytest.fixture(scope="module")
def alias(es: Any) -> Iterator[str]:
    """A uuid alias over an index made from the index contract, with DOCS loaded."""
    name = f"test-search-{uuid.uuid4().hex[:10]}"
    create_index(es, name, DOCS)
    yield name
    drop_alias(es, name)


def search_json(alias: str, *args: str) -> dict[str, Any]:
    proc = etl("search", *args, "--index", alias, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _facet(result: dict[str, Any], name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in result["facets"][name]}


def test_filter_narrows_results_and_facets(alias: str) -> None:
    everything = search_json(alias, "satellite")
    assert everything["total"] == 5  # stemmed "satellites" matches; German "Satellit" too
    persons = _facet(everything, "persons")
    assert persons == {"Vladimir Putin": 4, "Kim Jong Un": 4, "Dmitry Peskov": 1}

    narrowed = search_json(alias, "satellite", "--filter", "entities.persons=Vladimir Putin")
    assert narrowed["total"] == persons["Vladimir Putin"] == 4
    assert all("Vladimir Putin" in h["entities"]["persons"] for h in narrowed["hits"])
    assert _facet(narrowed, "persons") == {
        "Vladimir Putin": 4,
        "Kim Jong Un": 3,
        "Dmitry Peskov": 1,
    }
    assert _facet(narrowed, "sources") == {"AP": 1, "DW": 1, "NHK": 1, "TASS": 1}
    # Facet counts add up to what the result list holds.
    assert sum(_facet(narrowed, "languages").values()) == narrowed["total"]

    both = search_json(
        alias,
        "satellite",
        "--filter",
        "persons=Vladimir Putin",
        "--filter",
        "places=North Korea",
        "--language",
        "en",
    )
    assert [h["title"] for h in both["hits"]] == ["Putin promises help with satellites"]
    assert both["total"] == 1 and _facet(both, "locations") == {"North Korea": 1, "Russia": 1}


def test_dates_and_source(alias: str) -> None:
    day = search_json(alias, "", "--since", "2023-09-13", "--until", "2023-09-13")
    assert day["total"] == 4  # the whole day of the 13th, 08:00 and 20:00 included
    assert day["date_range"]["min"].startswith("2023-09-13")
    assert day["date_range"]["max"].startswith("2023-09-13")
    tass = search_json(alias, "", "--source", "TASS")
    assert [h["title"] for h in tass["hits"]] == ["Kremlin on the satellite talks"]


def test_json_shape(alias: str) -> None:
    result = search_json(alias, "satellite", "--size", "2")
    assert set(result) == {
        "total",
        "stories",
        "collapsed",
        "took_ms",
        "hits",
        "facets",
        "date_range",
    }
    assert result["collapsed"] is False and result["stories"] == 5  # no story ids: one each
    assert len(result["hits"]) == 2 and result["total"] == 5
    for hit in result["hits"]:
        assert set(hit) >= HIT_KEYS
        assert isinstance(hit["highlights"].get("body", []), list)
    assert any("<em>" in frag for h in result["hits"] for frag in h["highlights"].get("body", []))
    assert list(result["facets"]) == FACET_NAMES
    for pairs in result["facets"].values():
        counts = [p["count"] for p in pairs]
        assert counts == sorted(counts, reverse=True)
        assert all(set(p) == {"value", "count", "stories"} for p in pairs)
    assert set(result["date_range"]) == {"min", "max"}


def test_readable_output(alias: str) -> None:
    proc = etl(
        "search", "satellite", "--filter", "entities.persons=Vladimir Putin", "--index", alias
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "4 results" in out and "Kim wins big from talks with Putin" in out
    assert "»satellite«" in out  # highlights stay visible without colours
    for heading in ("Persons", "Organisations", "Places", "Sources", "Languages"):
        assert heading in out


def test_summary(es: Any, alias: str) -> None:
    proc = etl("summary", "--index", alias, "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["documents"] == len(DOCS) and summary["last_run"] is None
    assert _facet(summary, "languages") == {"en": 5, "de": 1}

    runs = template("runs_template.json")
    es.indices.create(index=f"{alias}-runs", mappings=runs["mappings"])
    record = {"run_id": "run_1", "mode": "full", "status": "success", "counts": {"new": 6}}
    es.index(index=f"{alias}-runs", document={**record, "ended_at": "2026-01-01T02:00:00Z"})
    es.indices.refresh(index=f"{alias}-runs")
    summary = json.loads(etl("summary", "--index", alias, "--json").stdout)
    assert summary["last_run"]["run_id"] == "run_1"
    text = etl("summary", "--index", alias).stdout
    assert f"{alias}: 6 documents" in text and "Last run run_1" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--filter", "entities.persons"], "a filter needs FIELD=VALUE"),
        (["--filter", "persons= "], "a filter needs FIELD=VALUE"),
        (["--filter", "people=Vladimir Putin"], "allowed: entities.persons, "),
        (["--since", "13.09.2023"], "not a date"),
        (["--size", "-1"], "size"),
        # Elasticsearch's max_result_window: refused here, before a long server error.
        (["--size", "100000"], "size + from must be at most 10000 (got 100000)"),
        (["--size", "10", "--from", "9995"], "size + from must be at most 10000 (got 10005)"),
    ],
)
def test_bad_usage_exits_2(alias: str, args: list[str], message: str) -> None:
    proc = etl("search", "satellite", *args, "--index", alias)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("satellite " * 1000, "the query is 9999 characters long; at most 1000 are allowed"),
        ("a " * 300, "the query has 300 words; at most 100 are allowed"),
    ],
)
def test_long_query_is_refused_in_one_line(alias: str, query: str, message: str) -> None:
    """A 10 kB query once failed with an opaque search_phase_execution_exception."""
    proc = etl("search", query, "--index", alias)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"etl search: error: {message}"]


def test_too_many_clauses_is_explained(es: Any, alias: str) -> None:
    """The server's own refusal (a query built elsewhere) reads as its cause, not its phase."""
    from elasticsearch import BadRequestError

    from etl import search as s

    words = " ".join("abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(5000))
    body = {"query": {"multi_match": {"query": words, "fields": list(s.TEXT_FIELDS)}}}
    with pytest.raises(BadRequestError) as caught:
        es.search(index=alias, body=body)
    assert caught.value.error == "search_phase_execution_exception"
    assert s.refusal(caught.value) == (
        "the query has too many words for Elasticsearch (too many clauses); use fewer words"
    )
    with pytest.raises(BadRequestError) as other:
        es.search(index=alias, body={"query": {"range": {"published_at": {"gte": "soon"}}}})
    assert "failed to parse date field [soon]" in s.refusal(other.value)


def test_could_not_complete_exits_1(alias: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens here once the socket is closed
    proc = etl("search", "x", "--index", alias, es_url=f"http://127.0.0.1:{closed}")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"etl search: error: cannot reach Elasticsearch at http://127.0.0.1:{closed} "
        "(ConnectionError)"
    ]
    missing = etl("summary", "--index", f"{alias}-nope")
    assert missing.returncode == 1 and "not found" in missing.stderr
    assert "Traceback" not in missing.stderr


@pytest.fixture(scope="module")
def seeds_alias(es: Any) -> Iterator[str]:
    """The five seed articles loaded by the pipeline itself (``python -m etl run``)."""
    name = f"test-seeds-{uuid.uuid4().hex[:10]}"
    proc = etl("run", "--input", "data/sample", "--index", name, "--mode", "full")
    try:
        assert proc.returncode == 0, proc.stderr[-3000:]
        yield name
    finally:
        drop_alias(es, name)


def test_acceptance_on_the_seeds(seeds_alias: str) -> None:
    """Issue 7: "satellite" with the Putin filter shows seed articles, highlights, facets."""
    args = ["search", "satellite", "--filter", "entities.persons=Vladimir Putin"]
    result = search_json(seeds_alias, *args[1:])
    assert result["total"] >= 1
    assert _facet(result, "persons")["Vladimir Putin"] == result["total"]
    assert all("Vladimir Putin" in h["entities"]["persons"] for h in result["hits"])
    assert all(h["highlights"] for h in result["hits"])
    assert sum(_facet(result, "languages").values()) == result["total"]
    text = etl(*args, "--index", seeds_alias)
    assert text.returncode == 0 and "»satellite" in text.stdout and "Persons" in text.stdout


@pytest.fixture(scope="module")
def hostile_alias(es: Any) -> Iterator[str]:
    """Documents whose values look like rich markup, and one whose title is the number 5."""
    name = f"test-hostile-{uuid.uuid4().hex[:10]}"
    create_index(es, name, HOSTILE_DOCS)
    yield name
    drop_alias(es, name)


def test_markup_in_values_prints_as_itself(hostile_alias: str) -> None:
    """Rich once raised MarkupError on a facet value [/] and followed [link=...] markup."""
    wide = {"COLUMNS": "200"}  # no table cell folds a value across lines
    proc = etl("search", "satellite", "--index", hostile_alias, env=wide)
    assert proc.returncode == 0, proc.stderr
    for value in (*HOSTILE_PERSONS, HOSTILE_SOURCE, HOSTILE_TITLE, "5"):
        assert value in proc.stdout
    summary = etl("summary", "--index", hostile_alias, env=wide)
    assert summary.returncode == 0, summary.stderr
    for value in (*HOSTILE_PERSONS, HOSTILE_SOURCE):
        assert value in summary.stdout


def test_numeric_title_is_text(hostile_alias: str) -> None:
    result = search_json(hostile_alias, "number")
    assert [h["title"] for h in result["hits"]] == ["5"]


@pytest.fixture
def foreign(es: Any) -> Iterator[str]:
    """A name prefix for indices the pipeline did not make; they are deleted afterwards."""
    base = f"test-foreign-{uuid.uuid4().hex[:10]}"
    yield base
    drop_alias(es, base)


@pytest.mark.parametrize("command", ["search", "summary"])
def test_foreign_indices_are_refused(es: Any, foreign: str, command: str) -> None:
    create_foreign(es, f"{foreign}-logs", alias=f"{foreign}-alias")
    plain = etl(command, "--index", f"{foreign}-logs")
    assert plain.returncode == 2 and plain.stdout == ""
    assert plain.stderr.strip().splitlines() == [
        f"etl {command}: error: '{foreign}-logs' is an index, not an alias news-etl manages; "
        "refusing to search it"
    ]
    aliased = etl(command, "--index", f"{foreign}-alias")
    assert aliased.returncode == 2 and aliased.stdout == ""
    assert aliased.stderr.strip().splitlines() == [
        f"etl {command}: error: alias '{foreign}-alias' points at {foreign}-logs, which "
        "news-etl did not create; refusing to search it"
    ]


# --- stories (issue 12): one hit per story ------------------------------------------------


@pytest.fixture(scope="module")
def stories_alias(es: Any) -> Iterator[str]:
    """STORY_DOCS: two stories with copies from other outlets, two documents without a story."""
    name = f"test-stories-{uuid.uuid4().hex[:10]}"
    create_index(es, name, STORY_DOCS)
    yield name
    drop_alias(es, name)


def _stories(result: dict[str, Any], name: str) -> dict[str, int]:
    return {f["value"]: f["stories"] for f in result["facets"][name]}


def test_collapse_gives_one_hit_per_story(stories_alias: str) -> None:
    result = search_json(stories_alias, "satellite", "--collapse")
    assert result["collapsed"] is True
    assert (result["total"], result["stories"]) == (9, 6)
    hits = result["hits"]
    assert len(hits) == 6
    ids = [h["story_id"] for h in hits if h["story_id"]]
    assert len(ids) == len(set(ids)) == 5
    by_story = {h["story_id"]: h for h in hits}
    satellites = by_story[SATELLITE_STORY]
    # The representative (the earliest, AP) shows; its copies are listed oldest first.
    assert (satellites["source"], satellites["copy_count"]) == ("AP", 2)
    assert [c["source"] for c in satellites["copies"]] == ["The Guardian", "Yonhap"]
    assert all(c["title"] == satellites["title"] for c in satellites["copies"])
    kim = by_story[KIM_STORY]
    assert (kim["source"], kim["copy_count"]) == ("NHK", 1)
    assert [c["source"] for c in kim["copies"]] == ["The Japan Times"]
    # A document indexed before stories existed is a story of its own, not folded away.
    [lone] = [h for h in hits if h["story_id"] is None]
    assert (lone["title"], lone["copy_count"], lone["copies"]) == (LONE_TITLE, 0, [])


def test_documents_without_story_each_show(stories_alias: str) -> None:
    """Elasticsearch folds every document without the collapse field into one group."""
    result = search_json(stories_alias, "", "--collapse", "--size", "20")
    assert (result["total"], result["stories"], len(result["hits"])) == (10, 7, 7)
    titles = [h["title"] for h in result["hits"] if h["story_id"] is None]
    assert sorted(titles) == sorted([LONE_TITLE, XSS_TITLE])
    # Paging walks the merged order: every story once, none twice.
    pages = [
        search_json(stories_alias, "", "--collapse", "--size", "3", "--from", str(start))
        for start in (0, 3, 6)
    ]
    paged = [h["id"] for page in pages for h in page["hits"]]
    assert paged == [h["id"] for h in result["hits"]]


def test_facets_count_stories(stories_alias: str) -> None:
    result = search_json(stories_alias, "satellite", "--collapse")
    assert _facet(result, "persons") == {"Kim Jong Un": 8, "Vladimir Putin": 7, "Dmitry Peskov": 1}
    assert _stories(result, "persons") == {
        "Kim Jong Un": 5,  # the lone document counts as its own story
        "Vladimir Putin": 4,
        "Dmitry Peskov": 1,
    }
    assert _stories(result, "sources")["AP"] == 2 and _facet(result, "sources")["AP"] == 2
    assert _stories(result, "languages") == {"en": 5, "de": 1}
    # Without --collapse the hits are documents, and both numbers are there too.
    plain = search_json(stories_alias, "satellite")
    assert (plain["total"], plain["stories"], len(plain["hits"])) == (9, 6, 9)
    assert _stories(plain, "persons") == _stories(result, "persons")


def test_story_filter_lists_its_copies(stories_alias: str) -> None:
    result = search_json(stories_alias, "--filter", f"story.id={SATELLITE_STORY}")
    assert sorted(h["source"] for h in result["hits"]) == ["AP", "The Guardian", "Yonhap"]


def test_collapse_readable_output(stories_alias: str) -> None:
    proc = etl(
        "search", "satellite", "--collapse", "--index", stories_alias, env={"COLUMNS": "200"}
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "6 stories (9 documents)" in out
    assert "+2 copies from The Guardian, Yonhap" in out
    assert "+1 copy from The Japan Times" in out
    assert out.count("Putin promises help with") == 1  # title highlighted
    assert "stories" in out.split("Persons", 1)[1]  # the facet tables count stories
    summary = etl("summary", "--index", stories_alias)
    assert f"{stories_alias}: 10 documents in 7 stories" in summary.stdout
    assert json.loads(etl("summary", "--index", stories_alias, "--json").stdout)["stories"] == 7
