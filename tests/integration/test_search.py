"""``python -m etl search`` / ``summary`` against the real local Elasticsearch."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from search_indices import create_index, drop_alias, search_doc, template

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
FACET_NAMES = ["persons", "organizations", "locations", "sources", "languages"]
HIT_KEYS = {"id", "score", "title", "source", "date", "language", "highlights", "entities"}


_DOCS = [
    search_doc(
        "Kim wins big from talks with Putin",
        "Putin and Kim Jong Un discussed the satellite program at the Vostochny Cosmodrome.",
        "2023-09-13T08:00:00Z",
        "NHK",
        ["Vladimir Putin", "Kim Jong Un"],
        locations=["Russia", "Vostochny Cosmodrome"],
    ),
    search_doc(
        "Putin promises help with satellites",
        "Vladimir Putin said Russia would help North Korea build satellites.",
        "2023-09-13T20:00:00Z",
        "AP",
        ["Vladimir Putin", "Kim Jong Un"],
        locations=["Russia", "North Korea"],
    ),
    search_doc(
        "Pyongyang's satellite plans",
        "Kim Jong Un inspected a satellite launch site.",
        "2023-09-12",
        "KCNA Watch",
        ["Kim Jong Un"],
        locations=["North Korea"],
    ),
    search_doc(
        "Kremlin on the satellite talks",
        "Spokesman Dmitry Peskov said satellite cooperation was discussed.",
        "2023-09-14",
        "TASS",
        ["Vladimir Putin", "Dmitry Peskov"],
        organizations=["Kremlin"],
    ),
    search_doc(
        "Satellit im Gespräch",
        "Putin und Kim sprachen über einen Satellit.",
        "2023-09-13",
        "DW",
        ["Vladimir Putin", "Kim Jong Un"],
        language="de",
    ),
    search_doc(
        "Markets rally", "Stocks rose on Wednesday.", "2023-09-13", "Reuters", ["Janet Yellen"]
    ),
]
DOCS = [{**doc, "run_id": "run_1"} for doc in _DOCS]


def _es_url() -> str:
    from etl.settings import get_settings

    return get_settings().env.es_target


@pytest.fixture(scope="module")
def alias(es: Any) -> Iterator[str]:
    """A uuid alias over an index made from the index contract, with DOCS loaded."""
    name = f"test-search-{uuid.uuid4().hex[:10]}"
    create_index(es, name, DOCS)
    yield name
    drop_alias(es, name)


def etl(*args: str, es_url: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m etl ARGS`` as a user would."""
    env = {**os.environ, "ES_URL": es_url or _es_url(), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


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
    assert set(result) == {"total", "took_ms", "hits", "facets", "date_range"}
    assert len(result["hits"]) == 2 and result["total"] == 5
    for hit in result["hits"]:
        assert set(hit) >= HIT_KEYS
        assert isinstance(hit["highlights"].get("body", []), list)
    assert any("<em>" in frag for h in result["hits"] for frag in h["highlights"].get("body", []))
    assert list(result["facets"]) == FACET_NAMES
    for pairs in result["facets"].values():
        counts = [p["count"] for p in pairs]
        assert counts == sorted(counts, reverse=True)
        assert all(set(p) == {"value", "count"} for p in pairs)
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
        (["--filter", "entities.persons"], "--filter needs FIELD=VALUE"),
        (["--filter", "people=Vladimir Putin"], "allowed: entities.persons, "),
        (["--since", "13.09.2023"], "not a date"),
        (["--size", "-1"], "size"),
    ],
)
def test_bad_usage_exits_2(alias: str, args: list[str], message: str) -> None:
    proc = etl("search", "satellite", *args, "--index", alias)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert proc.stdout == ""


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
