"""prepare() on the five seed articles (acceptance) and on hand-made edge cases."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from etl.prepare import prepare
from etl.records import Article, Quarantine, RawDoc, SourceInfo
from etl.settings import PROJECT_ROOT, get_settings

SEEDS = PROJECT_ROOT / "data" / "sample"
SETTINGS = get_settings()


def _raw(path: Path) -> RawDoc:
    data = path.read_bytes()
    info = SourceInfo(path.name, hashlib.sha256(data).hexdigest(), "txt", len(data))
    return RawDoc(source=info, text=data.decode("utf-8"))


def _seed(prefix: str) -> Article:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    result = prepare(_raw(path), SETTINGS)
    assert isinstance(result, Article), result
    return result


ALL = ["000", "001", "002", "003", "004"]
JUNK = [
    re.compile(r"\bdate \d{4}-\d{2}-\d{2}"),
    re.compile(r"leave a reply|email address will not be published|required fields", re.I),
    re.compile(r"<[a-z/][^>]*>", re.I),
]


@pytest.mark.parametrize("seed", ALL)
@pytest.mark.parametrize("junk", JUNK, ids=["date-header", "comment-form", "html-tag"])
def test_seed_body_has_no_junk(seed: str, junk: re.Pattern[str]) -> None:
    assert not junk.search(_seed(seed).body)


@pytest.mark.parametrize(
    ("seed", "title"),
    [
        ("000", "Kim wins big from talks with Putin"),
        ("001", None),
        ("002", None),
        (
            "003",
            "Kim, from North Korea, arrives at the Russian spaceport for discussions with Putin.",
        ),
        # headline as written, minus the glued date header (its period kept)
        ("004", "Kim Jong Un & Vladimir Putin meet in Russia as Pyongyang launches rockets."),
    ],
)
def test_seed_titles(seed: str, title: str | None) -> None:
    assert _seed(seed).title == title


@pytest.mark.parametrize(
    ("seed", "date", "source"),
    [
        ("000", None, "none"),
        ("001", datetime(2023, 9, 13, tzinfo=UTC), "header"),
        ("002", None, "none"),
        ("003", None, "none"),
        ("004", datetime(2023, 9, 13, tzinfo=UTC), "header"),
    ],
)
def test_seed_dates(seed: str, date: datetime | None, source: str) -> None:
    a = _seed(seed)
    assert (a.published_at, a.date_source) == (date, source)


@pytest.mark.parametrize("seed", ALL)
def test_seed_language_and_paragraphs(seed: str) -> None:
    a = _seed(seed)
    assert a.language == "en" and a.language_confidence >= SETTINGS.metadata.language_min_confidence
    assert "\n\n\n" not in a.body and a.body == a.body.strip()


@pytest.mark.parametrize(
    ("seed", "sentence"),
    [
        ("000", "Former NHK Seoul bureau chief Ikehata Shuhei says Kim is likely to be delighted"),
        ("000", "the rocket technology is the same type being used for missiles."),
        ("001", "The Russian president\u2019s turning to the hermit dictator"),
        ("001", "how much Putin is willing to give in exchange for old-fashioned war needs."),
        (
            "002",
            "North Korean leader Kim Jong Un and Russian President Vladimir Putin met Wednesday",
        ),
        ("002", "Russia seeking help with ammunition"),
        ("002", "a university and other places."),
        ("003", "Images provided by the Kremlin showed President Vladimir Putin"),
        ("003", "could have a big effect on the conflict in Ukraine."),
        ("004", "Russian President Vladimir Putin stated that he and North Korean leader"),
        ("004", "expand bilateral ties in all respects in a planned way by pooling efforts."),
    ],
)
def test_seed_paragraphs_survive(seed: str, sentence: str) -> None:
    assert sentence in _seed(seed).body


def test_seed_000_photo_captions_go() -> None:
    body = _seed("000").body
    assert "Ikehata Shuhei\n" not in body and "in Amur on Wednesday\n" not in body
    assert "Former NHK Seoul bureau chief Ikehata Shuhei says" in body
    assert len(body.split("\n\n")) == 12  # 15 paragraphs, less the headline and two captions


def test_seed_002_lines_become_paragraphs_and_signoff_goes() -> None:
    body = _seed("002").body
    assert "\n\nRussia seeking help with ammunition\n\nPutin suggested" in body
    assert "Mario Ritter" not in body


def test_seed_001_first_paragraph_is_body_not_title() -> None:
    assert _seed("001").body.startswith("The Russian president\u2019s turning")


def test_source_keeps_provenance() -> None:
    a = _seed("000")
    assert a.source.path.startswith("000_") and len(a.source.sha256) == 64
    assert a.source.name == "unknown" and a.record is None


INFO = SourceInfo("x/a.txt", "0" * 64, "txt", 10)
LONG = "The leaders met on Wednesday at a space centre. They talked for hours about many things."


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no text left after cleaning (0 chars)"),
        ("   \n\n  ", "no text left after cleaning (0 chars)"),
        (
            "Leave a Reply\n\nYour email address will not be published.",
            "no text left after cleaning (0 chars)",
        ),
        (" date 2023-09-13 Too short.", "no text left after cleaning"),
    ],
)
def test_no_text_left_is_quarantined(text: str, reason: str) -> None:
    q = prepare(RawDoc(INFO, text=text, record=3), SETTINGS)
    assert isinstance(q, Quarantine)
    assert (q.stage, q.path, q.sha256, q.record) == ("clean", "x/a.txt", "0" * 64, 3)
    assert q.reason.startswith(reason)


def test_unexpected_error_is_quarantined(monkeypatch: pytest.MonkeyPatch) -> None:
    import etl.prepare as p

    def boom(*_a: object, **_k: object) -> None:
        raise ValueError("bad input")

    monkeypatch.setattr(p, "clean_text", boom)
    q = prepare(RawDoc(INFO, text=LONG), SETTINGS)
    assert isinstance(q, Quarantine) and q.reason == "ValueError: bad input"


def test_hints_override_inference() -> None:
    hints = {
        "title": "Hinted title",
        "published_at": "2023-09-14T05:00:00+00:00",
        "source": "Scraper Co",
        "url": "https://www.bbc.co.uk/news/1",
        "language": "de",
    }
    a = prepare(
        RawDoc(INFO, text=f" date 2023-09-13 Headline here\n\n{LONG}", hints=hints), SETTINGS
    )
    assert isinstance(a, Article)
    assert a.title == "Hinted title" and a.date_source == "sidecar"
    assert a.published_at == datetime(2023, 9, 14, 5, tzinfo=UTC)
    assert (a.source.name, a.source.url, a.language) == (
        "Scraper Co",
        "https://www.bbc.co.uk/news/1",
        "de",
    )


def test_dateline_in_text() -> None:
    a = prepare(RawDoc(INFO, text=f"MOSCOW, Sept. 13, 2023 \u2014 {LONG}"), SETTINGS)
    assert isinstance(a, Article) and a.date_source == "text"


PAGE = (
    "<html><head><title>Talks end | Example News</title>"
    "<meta property='og:site_name' content='Example News'>"
    "<link rel='canonical' href='https://www.example.com/talks'>"
    "<meta property='article:published_time' content='2023-09-13T08:00:00Z'></head>"
    f"<body><nav>Home World</nav><article><h1>Talks end</h1><p>{LONG}</p><p>{LONG}</p>"
    "</article><footer>All rights reserved.</footer></body></html>"
)


@pytest.mark.parametrize(
    "html",
    [
        f"<p>{LONG}</p>",  # a JSON record's bare fragment
        f"<div><p>{LONG}</p><p>{LONG}</p></div>",
        LONG,  # no markup at all
    ],
)
def test_html_fragment_records_keep_their_text(html: str) -> None:
    a = prepare(RawDoc(SourceInfo("r.jsonl", "0" * 64, "json", 1), html=html, record=1), SETTINGS)
    assert isinstance(a, Article) and a.body.startswith("The leaders met on Wednesday")


def test_html_doc() -> None:
    info = SourceInfo("a.html", "0" * 64, "html", len(PAGE))
    a = prepare(RawDoc(info, html=PAGE), SETTINGS)
    assert isinstance(a, Article)
    assert a.title == "Talks end" and a.date_source == "html_meta"
    assert a.published_at == datetime(2023, 9, 13, 8, tzinfo=UTC)
    assert (a.source.name, a.source.url) == ("Example News", "https://www.example.com/talks")
    assert "<" not in a.body and "Home World" not in a.body and a.language == "en"
