"""Metadata with evidence: dates, HTML meta, language, publisher. Table-driven."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from etl.metadata import date_from_text, detect_language, html_meta, parse_date, source_name
from etl.settings import get_settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-09-13", datetime(2023, 9, 13, tzinfo=UTC)),
        ("2023-09-13T10:20:00Z", datetime(2023, 9, 13, 10, 20, tzinfo=UTC)),
        ("Wed, 13 Sep 2023 10:20:00 GMT", datetime(2023, 9, 13, 10, 20, tzinfo=UTC)),
        ("not a date", None),
        ("", None),
        (None, None),
        ("1066-10-14", None),  # outside the plausible range of news
    ],
)
def test_parse_date(value, expected) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WASHINGTON, Sept. 13, 2023 — Leaders met.", datetime(2023, 9, 13, tzinfo=UTC)),
        ("13 September 2023: the summit began.", datetime(2023, 9, 13, tzinfo=UTC)),
        ("They met on Wednesday, August 18.", None),  # no year, no date
        ("x" * 400 + " 2023-09-13", None),  # only near the top counts
    ],
)
def test_date_from_text(text, expected) -> None:
    assert date_from_text(text) == expected


HTML = """<html lang="en-GB"><head><title>Summit ends | Daily Planet</title>
<meta property="og:site_name" content="Daily Planet">
<link rel="canonical" href="https://planet.example/summit">
{extra}</head><body><h1>Heading</h1><p>Text</p></body></html>"""


@pytest.mark.parametrize(
    ("extra", "published", "source"),
    [
        (
            '<meta property="article:published_time" content="2023-09-13T08:00:00Z">',
            "2023-09-13T08:00:00Z",
            "html_meta",
        ),
        (
            '<script type="application/ld+json">{"@graph": [{"datePublished": "2023-09-12"}]}'
            "</script>",
            "2023-09-12",
            "jsonld",
        ),
        ("", None, "none"),
    ],
)
def test_html_meta(extra, published, source) -> None:
    m = html_meta(HTML.format(extra=extra))
    assert (m.published, m.published_source) == (published, source)
    assert m.title == "Summit ends" and m.site_name == "Daily Planet"
    assert m.url == "https://planet.example/summit" and m.language == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The leaders met at the space centre to discuss weapons and satellites.", "en"),
        ("Die Staatschefs trafen sich am Weltraumbahnhof, um über Satelliten zu sprechen.", "de"),
        ("Les dirigeants se sont rencontrés au cosmodrome pour parler de satellites.", "fr"),
        ("short", "und"),
    ],
)
def test_detect_language_deterministic(text, lang) -> None:
    m = get_settings().metadata
    results = {
        detect_language(
            text, min_chars=m.language_min_chars, min_confidence=m.language_min_confidence
        )
        for _ in range(5)
    }
    assert len(results) == 1
    assert results.pop()[0] == lang


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"hint": "Wire", "site_name": "Site", "url": "https://x.org/a"}, "Wire"),
        ({"hint": None, "site_name": "Site", "url": "https://x.org/a"}, "Site"),
        ({"hint": None, "site_name": None, "url": "https://www.bbc.co.uk/news/1"}, "BBC News"),
        ({"hint": None, "site_name": None, "url": "https://www.example.org/a"}, "example.org"),
        ({"hint": None, "site_name": None, "url": None}, "unknown"),
    ],
)
def test_source_name(kw, expected) -> None:
    s = get_settings()
    rules = str(s.path(s.metadata.sources))
    assert source_name(rel_path="a.txt", rules_path=rules, **kw) == expected
