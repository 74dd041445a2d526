"""Metadata with evidence: dates, titles, language, publisher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from etl.metadata import (
    date_from_text,
    detect_language,
    html_meta,
    parse_date,
    source_name,
    strip_site_suffix,
)
from etl.settings import get_settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-13", datetime(2023, 9, 13, tzinfo=UTC)),
        ("2023-09-13T10:30:00Z", datetime(2023, 9, 13, 10, 30, tzinfo=UTC)),
        ("September 13, 2023", datetime(2023, 9, 13, tzinfo=UTC)),
        ("13 September 2023", datetime(2023, 9, 13, tzinfo=UTC)),
        ("", None),
        (None, None),
        ("not a date", None),
        ("1066-10-14", None),
        # dateutil would fill a missing year, month or day from today: incomplete, no date
        ("September 13", None),
        ("13", None),
        ("1999", None),
        ("September 2023", None),
        ("Wednesday", None),
        ("Sep 13 2023", datetime(2023, 9, 13, tzinfo=UTC)),
        ("2023/09/13 10:30", datetime(2023, 9, 13, 10, 30, tzinfo=UTC)),
        ("Nov 19, 2019 5:30 PM EST", datetime(2019, 11, 19, 22, 30, tzinfo=UTC)),
        ("Wed, 13 Sep 2023 10:00:00 GMT", datetime(2023, 9, 13, 10, tzinfo=UTC)),
        ("13 September 2023 19:00 KST", datetime(2023, 9, 13, 10, tzinfo=UTC)),
        ("13 September 2023 10:00 XYZT", datetime(2023, 9, 13, 10, tzinfo=UTC)),
    ],
)
def test_parse_date(value: str | None, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_parse_date_keeps_offset() -> None:
    dt = parse_date("2023-09-13T10:30:00+09:00")
    assert dt is not None and dt.utcoffset() is not None and dt.hour == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MOSCOW, Sept. 13, 2023 - Leaders met.", datetime(2023, 9, 13, tzinfo=UTC)),
        ("Seoul, 13 September 2023. Leaders met.", datetime(2023, 9, 13, tzinfo=UTC)),
        ("2023-09-13: leaders met.", datetime(2023, 9, 13, tzinfo=UTC)),
        ("Leaders met on Wednesday.", None),
        ("x" * 400 + " 2023-09-13", None),  # not in the first lines
    ],
)
def test_date_from_text(text: str, expected: datetime | None) -> None:
    assert date_from_text(text) == expected


@pytest.mark.parametrize(
    ("title", "site", "expected"),
    [
        ("Kim meets Putin | BBC News", None, "Kim meets Putin"),
        ("Kim meets Putin - BBC News", None, "Kim meets Putin"),
        ("Kim meets Putin — The Guardian", "The Guardian", "Kim meets Putin"),
        ("Ukraine war: what we know", None, "Ukraine war: what we know"),
        ("Spider-Man - Wikipedia", None, "Spider-Man - Wikipedia"),
        ("Plain title", "Site", "Plain title"),
    ],
)
def test_strip_site_suffix(title: str, site: str | None, expected: str) -> None:
    assert strip_site_suffix(title, site) == expected


def _page(head: str, body: str = "<h1>Heading one</h1>") -> str:
    return f"<html lang='en'><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("html", "field", "expected"),
    [
        (
            _page("<meta property='og:title' content='OG title'><title>T | S</title>"),
            "title",
            "OG title",
        ),
        (_page("<title>Page title | Site</title>"), "title", "Page title"),
        (_page(""), "title", "Heading one"),
        (
            _page("<meta property='og:site_name' content='Example News'>"),
            "site_name",
            "Example News",
        ),
        (
            _page("<link rel='canonical' href='https://www.example.com/a'>"),
            "url",
            "https://www.example.com/a",
        ),
        (
            _page("<meta property='og:url' content='https://example.org/b'>"),
            "url",
            "https://example.org/b",
        ),
    ],
)
def test_html_meta_fields(html: str, field: str, expected: str) -> None:
    assert getattr(html_meta(html), field) == expected


@pytest.mark.parametrize(
    ("html", "title", "published"),
    [
        # a JSON record's html is often a bare fragment: wrapped, not rejected
        ("<p>Only a paragraph here.</p>", None, None),
        ("<h1>Fragment heading</h1><p>Text.</p>", "Fragment heading", None),
        # attribute names and values in any case; rel with several tokens
        (
            _page("<META NAME='DC.Date.Issued' CONTENT='2023-09-13'><title>T</title>"),
            "T",
            "2023-09-13",
        ),
        ("", None, None),
    ],
)
def test_html_meta_fragments_and_case(html: str, title: str | None, published: str | None) -> None:
    m = html_meta(html)
    assert (m.title, m.published) == (title, published)


def test_html_meta_reads_a_tree_without_consuming_it() -> None:
    from etl.metadata import parse_html

    page = _page("<link rel='alternate canonical' href='https://example.com/c'>")
    tree = parse_html(page)
    assert html_meta(tree) == html_meta(tree) == html_meta(page)
    assert html_meta(tree).url == "https://example.com/c"
    assert parse_html("") is None


@pytest.mark.parametrize(
    ("html", "published", "source"),
    [
        (
            _page("<meta property='article:published_time' content='2023-09-13T08:00:00Z'>"),
            "2023-09-13T08:00:00Z",
            "html_meta",
        ),
        (_page("<meta name='dc.date' content='2023-09-13'>"), "2023-09-13", "html_meta"),
        (
            _page("", "<span itemprop='datePublished' content='2023-09-13'>x</span>"),
            "2023-09-13",
            "html_meta",
        ),
        (
            _page("", "<time datetime='2023-09-13T09:00'>Sept 13</time>"),
            "2023-09-13T09:00",
            "html_meta",
        ),
        (
            _page(
                '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
                '"datePublished": "2023-09-13"}]}</script>'
            ),
            "2023-09-13",
            "jsonld",
        ),
        (_page('<script type="application/ld+json">{broken</script>'), None, "none"),
        # deeply nested JSON-LD (a RecursionError) costs the date, not the page (issue 15)
        (
            _page(
                '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
                '<script type="application/ld+json">{"datePublished": "2023-09-14"}</script>'
            ),
            "2023-09-14",
            "jsonld",
        ),
        (_page(""), None, "none"),
    ],
)
def test_html_meta_dates(html: str, published: str | None, source: str) -> None:
    m = html_meta(html)
    assert (m.published, m.published_source) == (published, source)


EN = (
    "The leaders of the two countries met on Wednesday at a space centre in the far east of Russia."
)
DE = "Die beiden Staatschefs trafen sich am Mittwoch in einem Raumfahrtzentrum im Osten Russlands."
FR = "Les deux dirigeants se sont rencontrés mercredi dans un centre spatial russe."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (EN, "en"),
        (DE, "de"),
        (FR, "fr"),
        ("Short.", "und"),
        ("", "und"),
        ("12345 67890 " * 10, "und"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    m = get_settings().metadata
    lang, conf = detect_language(
        text, min_chars=m.language_min_chars, min_confidence=m.language_min_confidence
    )
    assert lang == expected
    assert 0.0 <= conf <= 1.0


def test_detect_language_deterministic_regardless_of_order() -> None:
    mixed = EN[:50] + " " + DE[:50]
    first = [detect_language(t, min_chars=10, min_confidence=0.0) for t in (mixed, EN, DE, mixed)]
    again = [detect_language(t, min_chars=10, min_confidence=0.0) for t in (DE, mixed, EN)]
    assert first[0] == first[3] == again[1]
    assert first[1] == again[2] and first[2] == again[0]


def test_detect_language_chinese_maps_to_zh() -> None:
    lang, _ = detect_language(
        "两国领导人星期三在俄罗斯远东的一个航天中心会面，讨论了卫星和武器问题。" * 3,
        min_chars=10,
        min_confidence=0.5,
    )
    assert lang == "zh"


RULES = str(get_settings().path(get_settings().metadata.sources))


@pytest.mark.parametrize(
    ("hint", "site", "url", "path", "expected"),
    [
        ("Scraper Name", "Site", "https://www.bbc.co.uk/x", "a.txt", "Scraper Name"),
        (None, "Example News", "https://www.bbc.co.uk/x", "a.txt", "Example News"),
        (None, None, "https://www.bbc.co.uk/news/x", "a.txt", "BBC News"),
        (None, None, "https://www.example.com/x", "a.txt", "example.com"),
        (None, None, None, "a.txt", "unknown"),
    ],
)
def test_source_name(
    hint: str | None, site: str | None, url: str | None, path: str, expected: str
) -> None:
    assert (
        source_name(hint=hint, site_name=site, url=url, rel_path=path, rules_path=RULES) == expected
    )


def test_source_name_folder_rule(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rules = tmp_path / "sources.yml"
    rules.write_text("folders:\n  bbc: BBC News\n", encoding="utf-8")
    got = source_name(
        hint=None, site_name=None, url=None, rel_path="bbc/2023/a.txt", rules_path=str(rules)
    )
    assert got == "BBC News"
