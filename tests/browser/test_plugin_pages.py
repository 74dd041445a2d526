"""The plugin's pure parts without a server: escaping, links, Kibana URL, import cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote

import pytest
from starlette.datastructures import QueryParams

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "plugins"))

from news_search import links  # noqa: E402
from news_search.page import PageState, parse_state, render_page  # noqa: E402

from etl.search import Hit, SearchResult, SearchUsageError, parse_filters, shape_response  # noqa: E402
from etl.settings import Settings  # noqa: E402

EVIL = '<script>alert("x")</script>'
SITE = links.Site(default_index="news", kibana_url="http://kibana.test")


def _result() -> SearchResult:
    hit = Hit(
        id='a"1',
        score=1.0,
        title=EVIL,
        source="<b>NHK</b>",
        date="2023-09-13T00:00:00Z",
        language="en",
        highlights={"body": [f"the <em>satellite</em> {EVIL}"]},
    )
    return SearchResult(
        total=1,
        hits=[hit],
        facets={"persons": [(EVIL, 1)], "sources": [("<b>NHK</b>", 1)]},
        date_range=(None, None),
    )


def test_everything_is_escaped() -> None:
    st = PageState(index="news", default_index="news", q=EVIL, filters={"entities.persons": [EVIL]})
    html = render_page(st, _result(), error=EVIL, kibana_url=SITE.kibana_url)
    assert "<script>" not in html and "<b>NHK" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>satellite</mark>" in html  # ES highlight markers become <mark>, nothing else


def test_facet_links_toggle_filters() -> None:
    st = parse_state(QueryParams("q=satellite&f=persons%3DVladimir+Putin&page=3"), SITE)
    assert st.filters == {"entities.persons": ["Vladimir Putin"]} and st.page == 3
    add = parse_qsl(st.href(filters=st.toggled("source.name", "NHK"), page=1)[1:])
    assert add == [
        ("q", "satellite"),
        ("f", "entities.persons=Vladimir Putin"),
        ("f", "source.name=NHK"),
    ]
    off = st.href(filters=st.toggled("entities.persons", "Vladimir Putin"), page=1)
    assert off == "?q=satellite"
    assert ("page", "4") in parse_qsl(st.href(page=4)[1:])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("f=people%3Dx", "unknown filter field 'people'"),
        ("index=..%2Fsecret", "is not a usable alias"),
        ("index=_all%2C.security", "is not a usable alias"),
        ("index=news-runs", "names ending in -runs hold run records"),  # the pipeline's rule
        ("index=" + "n" * 201, "at most 200 characters"),
        ("page=two", "page must be a number"),
    ],
)
def test_bad_page_requests(query: str, message: str) -> None:
    with pytest.raises(SearchUsageError, match=message):
        parse_state(QueryParams(query), SITE)


@pytest.mark.parametrize("bad", ["persons", "persons=", "persons=%20", "=Vladimir+Putin"])
def test_malformed_filter_is_refused_as_on_the_command_line(bad: str) -> None:
    """The page once dropped a malformed f= silently and showed unfiltered results."""
    item = QueryParams(f"f={bad}")["f"]
    with pytest.raises(SearchUsageError) as on_the_page:
        parse_state(QueryParams(f"q=satellite&f={bad}"), SITE)
    with pytest.raises(SearchUsageError) as on_the_command_line:
        parse_filters([item])
    assert str(on_the_page.value) == str(on_the_command_line.value)
    assert str(on_the_page.value) == f"a filter needs FIELD=VALUE, got {item!r}"


def test_malformed_filter_gets_a_400_page() -> None:
    """The app answers a bad f= with the message on the page (no Elasticsearch needed)."""
    from fastapi.testclient import TestClient
    from news_search import web

    app = web.create_app(Settings())
    app.dependency_overrides[web.require_session] = lambda: None
    with TestClient(app) as http:
        page = http.get("/?q=satellite&f=persons")
        api = http.get("/api/search?f=persons")
    assert page.status_code == 400 and api.status_code == 400
    message = "a filter needs FIELD=VALUE, got &#x27;persons&#x27;"
    assert f'<div class="error" role="alert">{message}</div>' in page.text
    assert 'value="satellite"' not in page.text  # the refused request is not half-applied
    assert api.json() == {"detail": "a filter needs FIELD=VALUE, got 'persons'"}


def test_numeric_title_renders() -> None:
    """A document with ``"title": 5`` once raised in escape() and broke the page."""
    raw = {"hits": {"total": 1, "hits": [{"_id": "n", "_source": {"title": 5}}]}}
    st = PageState(index="news", default_index="news")
    html = render_page(st, shape_response(raw), kibana_url=SITE.kibana_url)
    assert '<h3 class="title">5</h3>' in html


def test_site_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """KIBANA_URL and NEWS_SEARCH_INDEX are read by Settings, the configured alias otherwise."""
    settings = Settings.model_validate({"elasticsearch": {"alias": "archive"}})
    monkeypatch.delenv("KIBANA_URL", raising=False)
    monkeypatch.delenv("NEWS_SEARCH_INDEX", raising=False)
    assert links.Site.from_settings(settings) == links.Site("archive", "http://localhost:5601")
    monkeypatch.setenv("KIBANA_URL", "https://kibana.example/")
    monkeypatch.setenv("NEWS_SEARCH_INDEX", "world")
    assert links.Site.from_settings(settings) == links.Site("world", "https://kibana.example")


def test_kibana_discover_url() -> None:
    plain = links.discover_url("https://kibana.example/", "news")
    assert plain == (
        "https://kibana.example/app/discover#/view/news-etl-search-news"
        "?_g=(time:(from:now-20y,to:now))"
    )
    url = links.discover_url(
        "https://kibana.example", "news", "it's", {"entities.persons": ["Vladimir Putin"]}
    )
    assert unquote(url).endswith(
        "&_a=(query:(language:kuery,query:'it!'s and entities.persons:\"Vladimir Putin\"'))"
    )


def test_saved_search_exists_in_kibana_objects() -> None:
    ids: set[str] = set()
    for path in (ROOT / "config" / "kibana").glob("*.ndjson"):
        ids.update(json.loads(line)["id"] for line in path.read_text().splitlines() if line)
    assert links.SAVED_SEARCH_ID.format(alias="news") in ids


def test_plugin_import_is_light() -> None:
    code = (
        "import json, sys; sys.path.insert(0, 'plugins'); import news_search_plugin; "
        "mods = ('elasticsearch', 'etl.search', 'news_search.web', 'news_search.page'); "
        "print(json.dumps(sorted(m for m in mods if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    # Every Airflow component imports plugins: the search stack waits for the first request.
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
