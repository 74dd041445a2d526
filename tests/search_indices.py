"""Small search indices for tests: documents shaped by the index contract, and their cleanup.

Shared by the integration tests of ``etl search`` and the browser tests of the plugin page, so
both search the same corpus in an index made the way the pipeline makes its generations.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def search_doc(
    title: Any, body: str, day: str, source: str, persons: list[str], **more: Any
) -> dict[str, Any]:
    """A document as the pipeline writes it; ``language`` defaults to en, the rest are entities."""
    return {
        "title": title,
        "body": body,
        "published_at": day,
        "language": more.pop("language", "en"),
        "source": {"name": source},
        "entities": {"persons": persons, **more},
    }


# Five mention the satellite program (stemmed "satellites" and German "Satellit" too); four of
# those name Putin, four Kim; the sixth has a title full of HTML that must stay text.
XSS_TITLE = "Markets <b>rally</b> & <img src=x onerror=alert(1)>"
SEARCH_DOCS = [
    {**doc, "run_id": "run_1"}
    for doc in (
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
            XSS_TITLE, "Stocks rose on Wednesday.", "2023-09-13", "Reuters", ["Janet Yellen"]
        ),
    )
]


def in_story(doc: dict[str, Any], story_id: str, size: int, canonical: bool) -> dict[str, Any]:
    """``doc`` with the story fields the pipeline writes (etl.stories)."""
    story = {"id": story_id, "size": size, "canonical": canonical, "bands": [f"b-{story_id}"]}
    return {**doc, "story": story}


# SEARCH_DOCS as stories, plus copies from other outlets: the AP article republished by
# Yonhap and The Guardian (3 copies, AP the earliest), NHK's by The Japan Times (2). The XSS
# document and one late article were indexed before stories existed: no story id.
SATELLITE_STORY, KIM_STORY = "story-satellites", "story-kim-putin"
LONE_TITLE = "Satellite launch delayed again"
STORY_DOCS = [
    in_story(SEARCH_DOCS[0], KIM_STORY, 2, True),
    in_story(SEARCH_DOCS[1], SATELLITE_STORY, 3, True),
    *(in_story(doc, f"story-{i}", 1, True) for i, doc in enumerate(SEARCH_DOCS[2:5], 2)),
    SEARCH_DOCS[5],
    in_story(
        {**SEARCH_DOCS[1], "source": {"name": "Yonhap"}, "published_at": "2023-09-14T01:00:00Z"},
        SATELLITE_STORY,
        3,
        False,
    ),
    in_story(
        {**SEARCH_DOCS[1], "source": {"name": "The Guardian"}, "published_at": "2023-09-14"},
        SATELLITE_STORY,
        3,
        False,
    ),
    in_story(
        {**SEARCH_DOCS[0], "source": {"name": "The Japan Times"}, "published_at": "2023-09-14"},
        KIM_STORY,
        2,
        False,
    ),
    {
        **search_doc(
            LONE_TITLE,
            "The satellite launch moved to October.",
            "2023-09-15",
            "AP",
            ["Kim Jong Un"],
        ),
        "run_id": "run_0",
    },
]

# Values a terminal or a page must show as themselves: rich markup, a closing tag rich cannot
# match, and a number where the contract says text.
HOSTILE_PERSONS = ["[/]", "[bold]Bold[/bold]", "[link=https://evil.example]click[/link]"]
HOSTILE_SOURCE = "[red]Red News[/red]"
HOSTILE_TITLE = "[/] [link=https://evil.example]Hostile[/link]"
HOSTILE_DOCS = [
    search_doc(
        HOSTILE_TITLE, "A hostile satellite story.", "2023-09-13", HOSTILE_SOURCE, HOSTILE_PERSONS
    ),
    search_doc(5, "A satellite story whose title is a number.", "2023-09-14", "Numbers", ["Five"]),
]


def template(name: str) -> dict[str, Any]:
    """The ``template`` part of an index template in ``config/``."""
    return json.loads((ROOT / "config" / name).read_text())["template"]


def create_index(es: Any, alias: str, docs: list[dict[str, Any]]) -> str:
    """A generation behind ``alias`` made as the pipeline makes one (marked), ``docs`` loaded."""
    from etl.index import new_generation
    from etl.settings import get_settings

    name = new_generation(es, alias, get_settings(), with_alias=True)
    for i, doc in enumerate(docs):
        es.index(index=name, id=f"doc-{i}", document=doc)
    es.indices.refresh(index=name)
    return name


def create_foreign(es: Any, name: str, *, alias: str | None = None) -> str:
    """An index the pipeline did not make (no marker), with one document, optionally aliased."""
    es.indices.create(index=name, aliases={alias: {}} if alias else None)
    es.index(index=name, id="foreign", document={"title": "not news-etl's"}, refresh=True)
    return name


def drop_alias(es: Any, alias: str) -> None:
    """Delete every index behind ``alias`` and ``alias-*`` (explicit names: no wildcard delete)."""
    names: set[str] = set()
    for pattern in (alias, f"{alias}-*"):
        with contextlib.suppress(Exception):  # nothing there
            names.update(es.indices.get(index=pattern, expand_wildcards="all").body)
    for name in sorted(names):
        es.indices.delete(index=name, ignore_unavailable=True)
