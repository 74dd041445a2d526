"""Issue 7: the plugin's faceted search page inside the Airflow UI, and its Kibana link."""

from __future__ import annotations

import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from search_indices import (
    HOSTILE_DOCS,
    HOSTILE_PERSONS,
    HOSTILE_TITLE,
    SATELLITE_STORY,
    SEARCH_DOCS,
    STORY_DOCS,
    XSS_TITLE,
    create_foreign,
    create_index,
    drop_alias,
)

from browser.browser_support import ARTIFACTS, Airflow, login

pytestmark = [pytest.mark.browser, pytest.mark.airflow, pytest.mark.integration]


@pytest.fixture(scope="module")
def loaded(es: Any, search_alias: str) -> Iterator[str]:
    """The documents behind the alias the search page shows by default."""
    create_index(es, search_alias, SEARCH_DOCS)
    yield search_alias
    drop_alias(es, search_alias)


def _facet_counts(frame: Any, name: str) -> dict[str, int]:
    links = frame.locator(f'[data-testid="facet-{name}"] a')
    return {
        links.nth(i).get_attribute("data-value"): int(links.nth(i).get_attribute("data-count"))
        for i in range(links.count())
    }


def _total(frame: Any) -> int:
    return int(frame.get_by_test_id("total").get_attribute("data-total"))


def test_search_and_narrow_by_person_facet(airflow: Airflow, page: Any, loaded: str) -> None:
    from playwright.sync_api import expect

    login(page, airflow)
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="News search").click()
    page.wait_for_url("**/plugin/news-search**")
    frame = page.frame_locator("iframe").first

    # Every document before a search; the markup-laden title is text, not elements.
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "6")
    expect(frame.get_by_text(XSS_TITLE, exact=True)).to_be_visible()
    assert frame.locator("[data-testid=results] img, [data-testid=results] b").count() == 0

    frame.get_by_label("Search text").fill("satellite")
    frame.get_by_role("button", name="Search").click()
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "5")
    # Stemming: "satellites" and the German "Satellit" count.
    assert _facet_counts(frame, "persons") == {
        "Vladimir Putin": 4,
        "Kim Jong Un": 4,
        "Dmitry Peskov": 1,
    }
    expect(frame.locator("mark").first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)

    frame.locator('[data-field="entities.persons"][data-value="Vladimir Putin"]').click()
    expect(frame.get_by_test_id("chip")).to_have_text("Persons: Vladimir Putin ×")
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "4")
    assert _facet_counts(frame, "persons") == {
        "Vladimir Putin": 4,
        "Kim Jong Un": 3,
        "Dmitry Peskov": 1,
    }
    assert _facet_counts(frame, "sources") == {"AP": 1, "DW": 1, "NHK": 1, "TASS": 1}
    titles = frame.locator("[data-testid=hit] .title").all_inner_texts()
    assert sorted(titles) == sorted(
        [
            "Kim wins big from talks with Putin",
            "Putin promises help with satellites",
            "Kremlin on the satellite talks",
            "Satellit im Gespräch",
        ]
    )
    expect(frame.locator("[data-testid=hit] .meta").first).to_contain_text("2023-09-1")
    page.screenshot(path=str(ARTIFACTS / "search-page-person-facet.png"), full_page=True)

    # A second facet (AND across fields), then remove the person filter again.
    frame.locator('[data-field="source.name"][data-value="NHK"]').click()
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "1")
    frame.get_by_test_id("chip").filter(has_text="Vladimir Putin").click()
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "1")
    expect(frame.get_by_test_id("chip")).to_have_count(1)


def test_kibana_link_and_plugin_registered(airflow: Airflow, page: Any) -> None:
    from playwright.sync_api import expect

    status, body = airflow.api("/api/v2/plugins")
    assert status == 200
    [plugin] = [p for p in body["plugins"] if p["name"] == "news_search"]
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/news-search"]
    views = {v["name"]: v for v in plugin["external_views"]}
    assert views["News search"]["url_route"] == "news-search"
    kibana = views["Kibana Discover"]["href"]
    assert kibana.startswith("http://127.0.0.1:5601/app/discover#/view/news-etl-search-")
    assert views["News documents"]["destination"] == "dag_run"
    _, errors = airflow.api("/api/v2/plugins/importErrors")
    assert errors["import_errors"] == []

    login(page, airflow)
    page.get_by_role("button", name="Browse").click()
    link = page.get_by_role("menuitem", name="Kibana Discover")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == kibana
    assert link.get_attribute("target") == "_blank"


def test_search_endpoints_need_a_session(airflow: Airflow, loaded: str) -> None:
    status, _ = airflow.api("/news-search/api/search?q=satellite", auth=False)
    assert status == 401
    query = urllib.parse.urlencode([("q", "satellite"), ("f", "persons=Vladimir Putin")])
    status, body = airflow.api(f"/news-search/api/search?{query}")
    assert status == 200 and body["total"] == 4
    status, body = airflow.api("/news-search/api/search?f=people=x")
    assert status == 400 and "allowed: entities.persons" in body["detail"]
    status, body = airflow.api("/news-search/api/search?f=persons")
    assert status == 400 and body["detail"] == "a filter needs FIELD=VALUE, got 'persons'"


def test_direct_link_signs_in_and_comes_back(airflow: Airflow, page: Any, loaded: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{airflow.base_url}/news-search/?q=satellite")
    page.wait_for_url("**/auth/login**")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/news-search/?q=satellite")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "5")


def _open(page: Any, airflow: Airflow, query: str) -> None:
    """The search page itself (no Airflow frame) at ``?query``, signing in on the way."""
    page.goto(f"{airflow.base_url}/news-search/?{query}")
    page.wait_for_url("**/auth/login**")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/news-search/**")


def test_malformed_filter_shows_the_command_line_message(
    airflow: Airflow, page: Any, loaded: str
) -> None:
    """A filter without FIELD=VALUE was dropped silently: the page showed unfiltered results."""
    from playwright.sync_api import expect

    _open(page, airflow, "q=satellite&f=persons")
    expect(page.get_by_role("alert")).to_have_text("a filter needs FIELD=VALUE, got 'persons'")
    expect(page.get_by_test_id("total")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "search-page-bad-filter.png"), full_page=True)


@pytest.fixture
def foreign(es: Any) -> Iterator[str]:
    """An index the pipeline did not make (``NAME-logs``), and an alias over it (``NAME``)."""
    name = f"test-foreign-{uuid.uuid4().hex[:10]}"
    create_foreign(es, f"{name}-logs", alias=name)
    yield name
    drop_alias(es, name)


def test_foreign_indices_are_refused(airflow: Airflow, page: Any, foreign: str) -> None:
    """?index= once searched any index by name, not only aliases the pipeline manages."""
    from playwright.sync_api import expect

    status, body = airflow.api(f"/news-search/api/search?index={foreign}-logs")
    assert (status, body["detail"]) == (
        400,
        f"'{foreign}-logs' is an index, not an alias news-etl manages; refusing to search it",
    )
    _open(page, airflow, f"index={foreign}")
    expect(page.get_by_role("alert")).to_have_text(
        f"alias '{foreign}' points at {foreign}-logs, which news-etl did not create; "
        "refusing to search it"
    )
    expect(page.get_by_test_id("hit")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "search-page-foreign-index.png"), full_page=True)


@pytest.fixture
def hostile(es: Any) -> Iterator[str]:
    """Markup-like values and a document whose title is the number 5, behind their own alias."""
    name = f"test-hostile-{uuid.uuid4().hex[:10]}"
    create_index(es, name, HOSTILE_DOCS)
    yield name
    drop_alias(es, name)


def test_odd_values_show_as_text(airflow: Airflow, page: Any, hostile: str) -> None:
    """A numeric title once raised in escape(); markup-like values must show as themselves."""
    from playwright.sync_api import expect

    _open(page, airflow, f"index={hostile}&q=satellite")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "2")
    titles = page.locator("[data-testid=hit] .title").all_inner_texts()
    assert sorted(titles) == sorted(["5", HOSTILE_TITLE])
    assert set(_facet_counts(page, "persons")) == {*HOSTILE_PERSONS, "Five"}
    page.screenshot(path=str(ARTIFACTS / "search-page-odd-values.png"), full_page=True)


@pytest.fixture
def stories(es: Any) -> Iterator[str]:
    """STORY_DOCS (copies of two stories from other outlets, two without a story id)."""
    name = f"test-stories-{uuid.uuid4().hex[:10]}"
    create_index(es, name, STORY_DOCS)
    yield name
    drop_alias(es, name)


def test_one_hit_per_story_and_open_a_story(airflow: Airflow, page: Any, stories: str) -> None:
    """Issue 12: the story switch folds copies into one hit; its link lists all the copies."""
    from playwright.sync_api import expect

    _open(page, airflow, f"index={stories}&q=satellite")
    toggle = page.get_by_role("checkbox", name="One hit per story")
    expect(toggle).to_have_attribute("aria-checked", "false")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "9")
    expect(page.get_by_test_id("copies")).to_have_count(0)

    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "6")
    expect(page.get_by_test_id("total")).to_contain_text("6 stories (9 documents)")
    expect(page.get_by_test_id("hit")).to_have_count(6)
    expect(page.get_by_text("Putin promises help with")).to_have_count(1)
    satellites = page.get_by_test_id("hit").filter(has_text="Putin promises help with")
    expect(satellites.get_by_test_id("copies")).to_have_text("+2 copies from The Guardian, Yonhap")
    expect(satellites.locator(".meta")).to_contain_text("AP")
    # The facets count stories: the lone document without a story id is one of Kim's five.
    assert _facet_counts(page, "persons") == {
        "Kim Jong Un": 5,
        "Vladimir Putin": 4,
        "Dmitry Peskov": 1,
    }
    page.screenshot(path=str(ARTIFACTS / "search-page-stories.png"), full_page=True)

    # A new search keeps the switch on.
    page.get_by_label("Search text").fill("satellites")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("checkbox", name="One hit per story")).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "6")

    page.get_by_test_id("hit").filter(has_text="Putin promises help with").get_by_test_id(
        "story-link"
    ).click()
    expect(page.get_by_test_id("chip")).to_have_text(f"Story: {SATELLITE_STORY} ×")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "3")
    sources = page.locator("[data-testid=hit] .meta").all_inner_texts()
    assert sorted(m.split(" · ")[0] for m in sources) == ["AP", "The Guardian", "Yonhap"]
    expect(page.get_by_role("checkbox", name="One hit per story")).to_have_attribute(
        "aria-checked", "false"
    )
    page.screenshot(path=str(ARTIFACTS / "search-page-story-copies.png"), full_page=True)


@pytest.fixture
def placed(es: Any) -> Iterator[str]:
    """SEARCH_DOCS with the countries and points the geo step gives their places."""
    geo = {
        "Russia": ("RU", {"lat": 55.75, "lon": 37.62}),
        "Vostochny Cosmodrome": ("RU", {"lat": 51.884, "lon": 128.333}),
        "North Korea": ("KP", {"lat": 39.03, "lon": 125.75}),
    }
    docs = []
    for doc in SEARCH_DOCS:
        places = doc["entities"].get("locations", [])
        docs.append(
            {
                **doc,
                "geo": {
                    "countries": sorted({geo[p][0] for p in places}),
                    "points": [geo[p][1] for p in places],
                },
            }
        )
    name = f"test-geo-{uuid.uuid4().hex[:10]}"
    create_index(es, name, docs)
    yield name
    drop_alias(es, name)


def test_countries_facet_names_and_filters(airflow: Airflow, page: Any, placed: str) -> None:
    """Issue 14: a Countries facet, codes shown with their names, a click filters by country."""
    from playwright.sync_api import expect

    _open(page, airflow, f"index={placed}")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "6")
    assert _facet_counts(page, "countries") == {"RU": 2, "KP": 2}
    facet = page.get_by_test_id("facet-countries")
    expect(facet).to_contain_text("RU Russia")
    expect(facet).to_contain_text("KP North Korea")
    page.locator('[data-field="geo.countries"][data-value="KP"]').click()
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "2")
    expect(page.get_by_test_id("chip")).to_contain_text("KP North Korea")
    titles = page.locator("[data-testid=hit] .title").all_inner_texts()
    assert sorted(titles) == ["Putin promises help with satellites", "Pyongyang's satellite plans"]
    page.screenshot(path=str(ARTIFACTS / "search-page-countries.png"), full_page=True)
