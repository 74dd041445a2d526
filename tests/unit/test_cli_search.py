"""The search command's terminal output: values from documents print as themselves."""

from __future__ import annotations

import argparse
import io
import re

import pytest
from rich.console import Console

from etl.cli_search import add_parsers, render_search, render_summary
from etl.search import Hit, SearchResult, Summary

HOSTILE = ["[/]", "[bold]b[/bold]", "[link=https://evil.example]x[/link]"]


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=200, color_system=None, highlight=False), out


def test_markup_and_control_characters_print_as_text() -> None:
    """rich once raised MarkupError on a facet value [/] and followed [link=...] markup."""
    hit = Hit(
        id="1",
        score=1.0,
        title="[red]t[/red]\x1b[2J",
        source="[/]",
        date=None,
        language=None,
        highlights={"body": ["a <em>[b]</em> \x1b]8;;x\x07c"]},
    )
    result = SearchResult(
        total=1, hits=[hit], facets={"persons": [(v, 1) for v in HOSTILE]}, date_range=(None, None)
    )
    args = argparse.Namespace(query="[/]", index="news", filter=["persons=[/]"], from_=0)
    console, out = _console()
    render_search(console, args, result)
    text = out.getvalue()
    for value in (*HOSTILE, "[red]t[/red]", '"[/]"', "[persons=[/]]", "»[b]«"):
        assert value in text
    assert "\x1b" not in text  # no value moves the terminal's cursor or clears it


def test_summary_prints_values_as_text() -> None:
    summary = Summary(
        index="news",
        documents=1,
        facets={"sources": [(v, 1) for v in HOSTILE]},
        date_range=(None, None),
        last_run={"run_id": "[/]", "mode": "full", "status": "[bold]ok", "counts": {"new": 1}},
    )
    console, out = _console()
    render_summary(console, summary)
    text = out.getvalue()
    for value in (*HOSTILE, "Last run [/] (full, [bold]ok)"):
        assert value in text


COUNTRIES = {"countries": [("RU", 3), ("KP", 2), ("XK", 1), ("ZZ", 1)]}


def test_summary_and_search_show_countries_with_their_names() -> None:
    summary = Summary(index="news", documents=3, facets=COUNTRIES, date_range=(None, None))
    console, out = _console()
    render_summary(console, summary)
    text = out.getvalue()
    for value in ("Countries", "geo.countries", "RU Russia", "KP North Korea"):
        assert value in text
    assert "XK Kosovo" in text and re.search(r"│ ZZ +│", text)  # no name: code alone
    result = SearchResult(total=3, hits=[], facets=COUNTRIES, date_range=(None, None))
    args = argparse.Namespace(query="", index="news", filter=[], from_=0, country="kp")
    console, out = _console()
    render_search(console, args, result)
    text = out.getvalue()
    assert "[country=kp]" in text and "KP North Korea" in text


@pytest.mark.parametrize(
    ("argv", "country"),
    [
        (["search", "x"], None),
        (["search", "x", "--country", "FR"], "FR"),
        (["search", "--country", "kp"], "kp"),  # normalised by etl.search, not argparse
    ],
)
def test_country_option(argv: list[str], country: str | None) -> None:
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers())
    assert parser.parse_args(argv).country == country


def test_summary_json_names_countries() -> None:
    summary = Summary(index="news", documents=3, facets=COUNTRIES, date_range=(None, None))
    rows = summary.as_dict()["facets"]["countries"]
    assert rows[:2] == [
        {"value": "RU", "count": 3, "name": "Russia"},
        {"value": "KP", "count": 2, "name": "North Korea"},
    ]
    assert rows[3] == {"value": "ZZ", "count": 1, "name": None}
