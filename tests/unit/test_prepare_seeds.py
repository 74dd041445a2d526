"""Issue 3's acceptance on the seeds, plus prepare() on small hand-made documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.prepare import prepare
from etl.readers import read_all
from etl.records import Article, Quarantine, RawDoc, SourceInfo
from etl.settings import PROJECT_ROOT, get_settings

SEEDS = PROJECT_ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def seeds() -> dict[str, Article]:
    out = {}
    for raw in read_all(SEEDS, get_settings()):
        art = prepare(raw, get_settings())
        assert isinstance(art, Article), art
        out[raw.source.path[:3]] = art
    return out


EXPECTED = {
    # seed: (title, ISO date, date_source)
    "000": ("Kim wins big from talks with Putin", None, "none"),
    "001": (None, "2023-09-13", "header"),
    "002": (None, None, "none"),
    "003": (
        "Kim, from North Korea, arrives at the Russian spaceport for discussions with Putin.",
        None,
        "none",
    ),
    "004": (
        "Kim Jong Un & Vladimir Putin meet in Russia as Pyongyang launches rockets.",
        "2023-09-13",
        "header",
    ),
}


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_metadata(seeds, seed) -> None:
    art = seeds[seed]
    title, date, date_source = EXPECTED[seed]
    assert art.title == title
    assert (art.published_at.date().isoformat() if art.published_at else None) == date
    assert art.date_source == date_source
    assert art.language == "en" and art.language_confidence > 0.9


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_seed_bodies_are_clean(seeds, seed) -> None:
    body = seeds[seed].body
    assert not re.search(r"^\s*date \d{4}-\d{2}-\d{2}", body, re.M)
    assert "Leave a Reply" not in body and "email address will not be published" not in body
    assert not re.search(r"<[a-z/][^>]*>", body)
    assert "\n\n\n" not in body and body == body.strip()


@pytest.mark.parametrize(
    ("seed", "sentence"),
    [
        (
            "000",
            "Putin welcomed Kim at the Vostochny Cosmodrome space center in Amur on Wednesday.",
        ),
        ("003", "He noted that the proliferation of North Korea’s numerous rocket launchers"),
        ("004", "Kim may offer artillery rounds from North Korea’s large stockpile"),
        ("001", "The fraternization of two outcasts is still not harmless."),
    ],
)
def test_no_article_paragraph_lost(seeds, seed, sentence) -> None:
    assert sentence in seeds[seed].body


def _raw(text=None, html=None, hints=None) -> RawDoc:
    src = SourceInfo(path="x/a.txt", sha256="0" * 64, format="html" if html else "txt", size=1)
    return RawDoc(source=src, text=text, html=html, hints=hints or {})


def test_hints_override_inference() -> None:
    raw = _raw(
        text=" date 2023-09-13 Headline here\n\nThe body of the article is long enough to keep.",
        hints={
            "title": "Given title",
            "published_at": "2020-01-02",
            "source": "Wire",
            "url": "https://w.org/a",
            "language": "fr",
        },
    )
    art = prepare(raw, get_settings())
    assert isinstance(art, Article)
    assert art.title == "Given title" and art.date_source == "sidecar"
    assert art.published_at and art.published_at.year == 2020
    assert (art.source.name, art.source.url, art.language) == ("Wire", "https://w.org/a", "fr")


@pytest.mark.parametrize(
    "raw",
    [
        _raw(text="Leave a Reply\nYour email address will not be published."),
        _raw(text="  \n\n "),
        _raw(html="<html><body><nav>Home | About</nav></body></html>"),
    ],
)
def test_nothing_left_after_cleaning_is_quarantined(raw) -> None:
    q = prepare(raw, get_settings())
    assert isinstance(q, Quarantine) and q.stage == "clean"
    assert "no text left after cleaning" in q.reason


def test_html_main_content_and_meta() -> None:
    paragraphs = "".join(
        f"<p>Paragraph {i} of the story tells readers about the summit in detail.</p>"
        for i in range(8)
    )
    html = (
        "<html lang='en'><head><title>Summit | Planet</title>"
        "<meta property='og:site_name' content='Planet'>"
        "<meta property='article:published_time' content='2023-09-13T08:00:00Z'></head>"
        f"<body><nav>Home About Contact</nav><article><h1>Summit</h1>{paragraphs}</article>"
        "<footer>Copyright Planet. All rights reserved.</footer><script>var x=1;</script>"
        "</body></html>"
    )
    art = prepare(_raw(html=html), get_settings())
    assert isinstance(art, Article)
    assert art.title == "Summit" and art.source.name == "Planet"
    assert art.date_source == "html_meta" and art.published_at.day == 13
    assert "Paragraph 7" in art.body and "Home About" not in art.body and "var x" not in art.body


def test_path_is_kept_relative(seeds) -> None:
    assert all(not Path(a.source.path).is_absolute() for a in seeds.values())
