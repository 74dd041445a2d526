"""Issue 7: the plugin's faceted search page inside the Airflow UI, and its Kibana link."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from search_indices import create_index, drop_alias, search_doc

from browser.browser_support import ARTIFACTS, Airflow, login

pytestmark = [pytest.mark.browser, pytest.mark.airflow, pytest.mark.integration]


# Four mention the satellite program; three of those name Putin, two of them also Kim.
DOCS = [
    search_doc(
        "Kim wins big from talks with Putin",
        "Putin and Kim Jong Un discussed the satellite program at the Vostochny Cosmodrome.",
        "2023-09-13",
        "NHK",
        ["Vladimir Putin", "Kim Jong Un"],
        locations=["Russia", "Vostochny Cosmodrome"],
    ),
    search_doc(
        "Putin promises help with satellites",
        "Vladimir Putin said Russia would help North Korea build satellites; Kim Jong Un agreed.",
        "2023-09-13",
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
        "Putin's spokesman Dmitry Peskov said satellite cooperation was discussed.",
        "2023-09-14",
        "TASS",
        ["Vladimir Putin", "Dmitry Peskov"],
        organizations=["Kremlin"],
    ),
    search_doc(
        "Markets <b>rally</b> & <img src=x onerror=alert(1)>",
        "Stocks rose on Wednesday; no satellites involved.",
        "2023-09-13",
        "Reuters",
        ["Janet Yellen"],
    ),
    search_doc(
        "Treffen im Kosmodrom",
        "Putin und Kim trafen sich am Mittwoch.",
        "2023-09-13",
        "DW",
        ["Vladimir Putin", "Kim Jong Un"],
        language="de",
    ),
]


@pytest.fixture(scope="module")
def loaded(es: Any, search_alias: str) -> Iterator[str]:
    """The documents behind the alias the search page shows by default."""
    create_index(es, search_alias, DOCS)
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

    frame.get_by_label("Search text").fill("satellite")
    frame.get_by_role("button", name="Search").click()
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "5")
    # Stemming: "satellites" counts; the markup-laden title is text, not elements.
    assert _facet_counts(frame, "persons") == {
        "Vladimir Putin": 3,
        "Kim Jong Un": 3,
        "Dmitry Peskov": 1,
        "Janet Yellen": 1,
    }
    expect(frame.locator("mark").first).to_be_visible()
    expect(frame.get_by_text("<img src=x onerror=alert(1)>", exact=False)).to_be_visible()
    assert frame.locator("[data-testid=results] img, [data-testid=results] b").count() == 0
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)

    frame.locator('[data-field="entities.persons"][data-value="Vladimir Putin"]').click()
    expect(frame.get_by_test_id("chip")).to_have_text("Persons: Vladimir Putin ×")
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "3")
    assert _facet_counts(frame, "persons") == {
        "Vladimir Putin": 3,
        "Kim Jong Un": 2,
        "Dmitry Peskov": 1,
    }
    assert _facet_counts(frame, "sources") == {"AP": 1, "NHK": 1, "TASS": 1}
    titles = frame.locator("[data-testid=hit] .title").all_inner_texts()
    assert sorted(titles) == sorted(
        [
            "Kim wins big from talks with Putin",
            "Putin promises help with satellites",
            "Kremlin on the satellite talks",
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
    assert status == 200 and body["total"] == 3
    status, body = airflow.api("/news-search/api/search?f=people=x")
    assert status == 400 and "allowed: entities.persons" in body["detail"]


def test_direct_link_signs_in_and_comes_back(airflow: Airflow, page: Any, loaded: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{airflow.base_url}/news-search/?q=satellite")
    page.wait_for_url("**/auth/login**")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("admin")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/news-search/?q=satellite")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "5")
