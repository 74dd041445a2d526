"""The plugin's search page without a server: its facet list and the country filter."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from starlette.datastructures import QueryParams

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins"))

from news_search import links
from news_search.page import FACET_TITLES, parse_state, render_page

from etl import search as s

SITE = links.Site(default_index="news", kibana_url="http://kibana.test")
RESULT = s.SearchResult(
    total=3,
    hits=[],
    facets={"countries": [("RU", 3), ("KP", 2), ("ZZ", 1)], "persons": [("Kim Jong Un", 2)]},
    date_range=(None, None),
)


def test_the_page_shows_every_facet_the_command_line_shows() -> None:
    assert list(FACET_TITLES) == list(s.FACETS)
    assert FACET_TITLES["countries"] == "Countries"
    html = render_page(parse_state(QueryParams(""), SITE), RESULT, kibana_url=SITE.kibana_url)
    for name, title in FACET_TITLES.items():
        assert f'data-testid="facet-{name}"><h2>{title}</h2>' in html


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("", {}),
        ("country=fr", {"geo.countries": ["FR"]}),  # the page's short form of --country
        ("country=FR&country=kp", {"geo.countries": ["FR", "KP"]}),
        ("f=countries%3Dkp&country=KP", {"geo.countries": ["KP"]}),
        ("f=country%3DFrance", {"geo.countries": ["FR"]}),
        ("country=", {}),
        (
            "f=places%3DMoscow&country=RU",
            {"entities.locations": ["Moscow"], "geo.countries": ["RU"]},
        ),
    ],
)
def test_country_parameters(query: str, filters: dict[str, list[str]]) -> None:
    st = parse_state(QueryParams(query), SITE)
    assert st.filters == filters
    # links keep the filter in its long form, which parses back to the same state
    assert parse_state(QueryParams(st.href()[1:]), SITE).filters == filters


def test_an_unknown_country_is_refused_with_the_command_line_message() -> None:
    with pytest.raises(s.SearchUsageError, match=r"unknown country 'Narnia'"):
        parse_state(QueryParams("country=Narnia"), SITE)


@pytest.mark.parametrize(
    ("query", "fragments"),
    [
        (
            "",
            [
                'data-value="RU" data-count="3"',
                "<span>RU Russia</span>",
                "<span>KP North Korea</span>",
                "<span>ZZ</span>",  # no name known: the code alone
                "<span>Kim Jong Un</span>",
            ],
        ),
        (
            "country=KP",
            [
                'data-testid="chip" title="remove this filter">Countries: KP North Korea ×',
                'class="on" data-field="geo.countries" data-value="KP"',
            ],
        ),
    ],
)
def test_country_facet_html(query: str, fragments: list[str]) -> None:
    st = parse_state(QueryParams(query), SITE)
    html = render_page(st, RESULT, kibana_url=SITE.kibana_url)
    for fragment in fragments:
        assert fragment in html


def test_a_country_value_links_to_its_filter_and_back() -> None:
    st = parse_state(QueryParams("q=satellite"), SITE)
    on = st.href(filters=st.toggled("geo.countries", "KP"), page=1)
    assert ("f", "geo.countries=KP") in parse_qsl(on[1:])
    chosen = parse_state(QueryParams(on[1:]), SITE)
    assert parse_qsl(chosen.href(filters=chosen.toggled("geo.countries", "KP"))[1:]) == [
        ("q", "satellite")
    ]
