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

from etl.search import Hit, SearchResult, SearchUsageError  # noqa: E402

EVIL = '<script>alert("x")</script>'


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
    st = PageState(index="news", q=EVIL, filters={"entities.persons": [EVIL]})
    html = render_page(st, _result(), error=EVIL)
    assert "<script>" not in html and "<b>NHK" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>satellite</mark>" in html  # ES highlight markers become <mark>, nothing else


def test_facet_links_toggle_filters() -> None:
    st = parse_state(QueryParams("q=satellite&f=persons%3DVladimir+Putin&page=3"))
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
    "query",
    ["f=people%3Dx", "index=..%2Fsecret", "index=_all%2C.security", "page=two"],
)
def test_bad_page_requests(query: str) -> None:
    with pytest.raises(SearchUsageError):
        parse_state(QueryParams(query))


def test_kibana_discover_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIBANA_URL", "https://kibana.example/")
    plain = links.discover_url("news")
    assert plain == (
        "https://kibana.example/app/discover#/view/news-etl-search-news"
        "?_g=(time:(from:now-20y,to:now))"
    )
    url = links.discover_url("news", "it's", {"entities.persons": ["Vladimir Putin"]})
    assert unquote(url).endswith(
        "&_a=(query:(language:kuery,query:'it!'s and entities.persons:\"Vladimir Putin\"'))"
    )


def test_saved_search_exists_in_kibana_objects() -> None:
    ids = set()
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
