"""Text cleaning and headline detection, table-driven."""

from __future__ import annotations

import pytest

from etl.clean import clean_text, drop_boilerplate, is_headline, load_patterns, normalize_whitespace
from etl.settings import get_settings


@pytest.fixture(scope="module")
def patterns():
    s = get_settings()
    return load_patterns(str(s.path(s.clean.boilerplate)))


@pytest.mark.parametrize(
    ("raw", "title", "date", "body"),
    [
        # the seeds' header glued to the headline
        (
            " date 2023-09-13 Kim & Putin meet.\n\nBody one. More.",
            "Kim & Putin meet.",
            "2023-09-13",
            "Body one. More.",
        ),
        # header glued to a paragraph: a date, no title
        (
            " date 2023-09-13 First sentence here. Second one.\n\nNext.",
            None,
            "2023-09-13",
            "First sentence here. Second one.\n\nNext.",
        ),
        ("Big headline\n\nBody.", "Big headline", None, "Body."),
        (
            "A headline that goes on and on with far too many words to be any real headline at all"
            "\n\nBody.",
            None,
            None,
            "A headline that goes on and on with far too many words to be any real headline at all"
            "\n\nBody.",
        ),
        ("Only one line, nothing after", None, None, "Only one line, nothing after"),
        (
            "Story title\n\nText.\n\nLeave a Reply\nYour email address will not be published. "
            "Required fields are marked *\nComment *",
            "Story title",
            None,
            "Text.",
        ),
        (
            "Story title\n\nText.\nShare this article\nAdvertisement\nMore text.",
            "Story title",
            None,
            "Text.\nMore text.",
        ),
        ("Published: 2024-01-02 Big news today\n\nBody.", "Big news today", "2024-01-02", "Body."),
    ],
)
def test_clean_text(patterns, raw, title, date, body) -> None:
    c = clean_text(raw, patterns)
    assert (c.title, c.header_date, c.body) == (title, date, body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a  b\t c", "a b c"),
        ("p1\n\n\n\np2", "p1\n\np2"),
        ("  line  \n  next ", "line\nnext"),
        ("p1\n \t \np2", "p1\n\np2"),
        ("non\u00a0breaking", "non breaking"),
        ("", ""),
    ],
)
def test_normalize_whitespace(text, expected) -> None:
    assert normalize_whitespace(text) == expected


@pytest.mark.parametrize(
    ("line", "headline"),
    [
        ("Kim wins big from talks with Putin", True),
        (
            "Kim, from North Korea, arrives at the Russian spaceport for discussions with Putin.",
            True,
        ),
        (
            "North Korean leader Kim Jong Un and Russian President Vladimir Putin met Wednesday at "
            "Russia’s new spaceport in the Far East.",
            False,
        ),
        ("It rained. Then it stopped.", False),
        ("Word", False),
        ("Updates:", False),
    ],
)
def test_is_headline(line, headline) -> None:
    assert is_headline(line, "more text follows") is headline


def test_comment_section_is_cut_to_the_end(patterns) -> None:
    text = "Story.\nLeave a Reply\nGreat article!\nThanks"
    assert drop_boilerplate(text, patterns) == "Story."
