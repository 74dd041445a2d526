"""The search plugin under the FAB auth manager, the one docker-compose.yml runs.

The other browser tests use the simple auth manager (the Makefile's). Here the same API server
runs with ``FabAuthManager``: an admin made with FAB's own CLI signs in through FAB's login
form, the plugin accepts that session, and a request without one is refused.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from search_indices import create_index, drop_alias, search_doc

from browser.browser_support import ARTIFACTS, PASSWORD, USER, Airflow, login

pytestmark = [pytest.mark.browser, pytest.mark.airflow, pytest.mark.integration]

DOCS = [
    search_doc(
        "Putin promises help with satellites",
        "Vladimir Putin said Russia would help North Korea build satellites.",
        "2023-09-13",
        "AP",
        ["Vladimir Putin"],
    ),
    search_doc(
        "Pyongyang's satellite plans",
        "Kim Jong Un inspected a satellite launch site.",
        "2023-09-12",
        "KCNA Watch",
        ["Kim Jong Un"],
    ),
    search_doc("Markets rally", "Stocks rose on Wednesday.", "2023-09-13", "Reuters", []),
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the redirect itself is the answer under test


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of one GET, redirects not followed."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode(errors="replace")


@pytest.fixture(scope="module")
def loaded(es: Any, search_alias: str) -> Iterator[str]:
    create_index(es, search_alias, DOCS)
    yield search_alias
    drop_alias(es, search_alias)


def test_anonymous_requests_are_refused(fab_airflow: Airflow, loaded: str) -> None:
    base = fab_airflow.base_url
    status, headers, body = _get(f"{base}/news-search/?q=satellite")
    assert status == 303
    assert headers["location"].startswith("/api/v2/auth/login?next=")
    assert "Pyongyang" not in body
    status, _, body = _get(f"{base}/news-search/api/search?q=satellite")
    assert status == 401 and "Pyongyang" not in body
    # A token FAB did not sign (forged, or from another deployment) counts as no session.
    forged = (
        "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwiYXVkIjoiYXBhY2hlLWFpcmZsb3ciLCJ"
        "leHAiOjQxMDI0NDQ4MDB9.c2lnbmVkLWJ5LXNvbWVvbmUtZWxzZQ"
    )
    for headers_ in ({"Authorization": f"Bearer {forged}"}, {"Cookie": f"_token={forged}"}):
        status, _, body = _get(f"{base}/news-search/api/search?q=satellite", headers_)
        assert status == 401, headers_
    # The login the plugin sends people to is FAB's form, not the simple auth manager's.
    status, headers, _ = _get(f"{base}/api/v2/auth/login?next=/news-search/")
    assert status in (302, 303, 307) and "/auth/login" in headers["location"]


def test_fab_sign_in_opens_the_search_page(fab_airflow: Airflow, page: Any, loaded: str) -> None:
    from playwright.sync_api import expect

    # FAB's own login form (it carries a CSRF field; the simple auth manager's is a React page).
    page.goto(fab_airflow.base_url + "/")
    page.wait_for_url("**/auth/login**")
    expect(page.locator('form[name="login"] input[name="csrf_token"]')).to_have_count(1)
    login(page, fab_airflow)
    page.get_by_role("button", name="Browse").click()
    page.get_by_role("menuitem", name="News search").click()
    page.wait_for_url("**/plugin/news-search**")
    frame = page.frame_locator("iframe").first
    frame.get_by_label("Search text").fill("satellite")
    frame.get_by_role("button", name="Search").click()
    expect(frame.get_by_test_id("total")).to_have_attribute("data-total", "2")
    page.screenshot(path=str(ARTIFACTS / "search-page-fab.png"), full_page=True)


def test_direct_link_signs_in_through_fab_and_comes_back(
    fab_airflow: Airflow, page: Any, loaded: str
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{fab_airflow.base_url}/news-search/?q=satellite")
    page.wait_for_url("**/auth/login/**")
    page.get_by_label("Username").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/news-search/?q=satellite")
    expect(page.get_by_test_id("total")).to_have_attribute("data-total", "2")
