"""Text cleaning and HTML main content: small table-driven cases."""

from __future__ import annotations

import pytest

from etl.clean import Patterns, clean_text, extract_html, load_patterns, normalize_whitespace
from etl.settings import get_settings


@pytest.fixture(scope="module")
def patterns() -> Patterns:
    s = get_settings()
    return load_patterns(str(s.path(s.clean.boilerplate)))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("a  b\t c", "a b c"),
        ("one\n\n\n\ntwo", "one\n\ntwo"),
        ("one  \n \n two ", "one\n\ntwo"),
        ("First paragraph.\nSecond paragraph.", "First paragraph.\n\nSecond paragraph."),
        ("a hard wrapped line that\ncontinues here.", "a hard wrapped line that continues here."),
        ("Subheading\nText follows.", "Subheading\n\nText follows."),
        ("crlf\r\n\r\nline", "crlf\n\nline"),
        ("nbsp\u00a0here", "nbsp here"),
        ("", ""),
    ],
)
def test_normalize_whitespace(raw: str, expected: str) -> None:
    assert normalize_whitespace(raw) == expected


BODY = (
    "The first paragraph of the story. It has two sentences, so it is no headline."
    "\n\nA second paragraph follows."
)


@pytest.mark.parametrize(
    ("raw", "title", "date", "body_starts"),
    [
        (
            " date 2023-09-13 Short headline here\n\n" + BODY,
            "Short headline here",
            "2023-09-13",
            "The first",
        ),
        ("date: 2023-09-13\n\n" + BODY, None, "2023-09-13", "The first"),
        ("Published: September 13, 2023\n\n" + BODY, None, "September 13, 2023", "The first"),
        ("Headline without a date\n\n" + BODY, "Headline without a date", None, "The first"),
        (
            "Headline ending in a period.\n\n" + BODY,
            "Headline ending in a period.",
            None,
            "The first",
        ),
        (BODY, None, None, "The first"),
        # two sentences on the first line: a paragraph, not a headline
        ("It rained. Then it stopped.\n\n" + BODY, None, None, "It rained."),
        # a long lead sentence ending in a period is a paragraph
        (
            "North Korean leader Kim Jong Un and Russian President Vladimir Putin met Wednesday "
            "at Russia's new spaceport in the Far East.\n" + BODY,
            None,
            None,
            "North Korean",
        ),
        ("A line that introduces a list:\n\n" + BODY, None, None, "A line"),
        # a headline shaped like a photo caption is still the headline, not dropped
        (
            "Putin and Kim to meet on Wednesday\n\n" + BODY,
            "Putin and Kim to meet on Wednesday",
            None,
            "The first",
        ),
    ],
)
def test_clean_text_header_and_headline(
    patterns: Patterns, raw: str, title: str | None, date: str | None, body_starts: str
) -> None:
    c = clean_text(raw, patterns)
    assert (c.title, c.header_date) == (title, date)
    assert c.body.startswith(body_starts)
    assert "date 2023" not in c.body


@pytest.mark.parametrize(
    "junk",
    [
        "Your email address will not be published. Required fields are marked *",
        "Required fields are marked *",
        "Cancel reply",
        "Post Comment",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Share this article",
        "Share on Facebook",
        "Subscribe to our newsletter",
        "This site uses cookies to improve your experience.",
        "Advertisement",
        "Skip to content",
        "Photo: Reuters/Jane Doe",
        "Getty Images",
        "Read more: Another story entirely",
        "Click here to subscribe",
        "Follow us on Twitter",
    ],
)
def test_boilerplate_lines_dropped(patterns: Patterns, junk: str) -> None:
    c = clean_text(f"Headline here\n\n{BODY}\n\n{junk}\n\nLast paragraph of the text.", patterns)
    assert junk not in c.body
    assert c.body.endswith("Last paragraph of the text.")


@pytest.mark.parametrize(
    "tail",
    [
        "Leave a Reply\n\nYour email address will not be published.\n\nComment *\n\nName *",
        "I\u2019m Mario Ritter, Jr.",
        "I'm Jane Doe.",
        "Reporting by Jane Doe; Editing by John Smith",
        "3 Comments\n\nGreat article!\n\nI disagree.",
    ],
)
def test_comment_sections_and_signoffs_cut(patterns: Patterns, tail: str) -> None:
    c = clean_text(f"{BODY}\n\n{tail}", patterns)
    assert c.body == BODY


def test_signoff_only_at_the_end(patterns: Patterns) -> None:
    text = f"{BODY}\n\nI'm Jane Doe.\n\nThe story goes on."
    assert "I'm Jane Doe." in clean_text(text, patterns).body


def test_final_quote_is_no_signoff(patterns: Patterns) -> None:
    # sign-offs name a person: a closing "I'm sure." is text (capitals are case-sensitive)
    text = f"{BODY}\n\nI\u2019m sure it will work out."
    assert clean_text(text, patterns).body.endswith("I\u2019m sure it will work out.")


@pytest.mark.parametrize(
    ("paragraph", "dropped"),
    [
        # photo captions left in the text: no final punctuation, scene and day / role and name
        ("Kim and Putin at the Vostochny Cosmodrome space center in Amur on Wednesday", True),
        ("NHK former Seoul bureau chief Ikehata Shuhei", True),
        ("Kremlin spokesman Dmitry Peskov", True),
        # sub-headings and short sentences stay
        ("Russia seeking help with ammunition", False),
        ("North Korea wants space technology", False),
        ("Putin welcomed Kim at the space center on Wednesday.", False),
        ("So he has had to turn to an isolated outcast dictatorship.", False),
        ("The talks went on until late on Wednesday", False),  # not a whole paragraph below
        ("Former NHK Seoul bureau chief Ikehata Shuhei says Kim is likely delighted.", False),
    ],
)
def test_caption_paragraphs(patterns: Patterns, paragraph: str, dropped: bool) -> None:
    text = f"{BODY}\n\n{paragraph}\n\nLast paragraph of the text."
    if paragraph.startswith("The talks"):
        # a hard-wrapped line of a real paragraph is joined first, never dropped as a caption
        text = f"{BODY}\n\n{paragraph}\nand into the night.\n\nLast paragraph of the text."
    body = clean_text(text, patterns).body
    assert (paragraph not in body) is dropped
    assert body.startswith("The first paragraph") and body.endswith("Last paragraph of the text.")


def test_user_patterns_extend(tmp_path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "bp.yml"
    f.write_text("lines:\n  - '^sponsored content$'\n", encoding="utf-8")
    c = clean_text(f"{BODY}\n\nSponsored content", load_patterns(str(f)))
    assert c.body == BODY


PAGE = """<html><head><title>Talks end | Example News</title>
<script>var x = "script junk";</script><style>.a{color:red}</style></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Talks end</h1>
<p>The leaders of both countries met on Wednesday at a space centre in the far east and
talked for several hours about weapons, satellites and food aid for the region.</p>
<p>Officials said the visit would be followed by more meetings later this year, according
to the state news agency, which published photographs of the two men shaking hands.</p>
<p>Analysts said the summit showed how isolated both governments had become since the war
began, and that each side needed something the other could provide quickly.</p>
</article>
<div id="comments"><h3>Leave a Reply</h3><p>Great article, thanks!</p></div>
<footer>Copyright 2023 Example News. All rights reserved.</footer></body></html>"""


@pytest.mark.parametrize(
    ("needle", "present"),
    [
        ("met on Wednesday at a space centre", True),
        ("each side needed something", True),
        ("script junk", False),
        ("color:red", False),
        ("Home", False),
        ("Leave a Reply", False),
        ("All rights reserved", False),
        ("<p>", False),
    ],
)
def test_extract_html(needle: str, present: bool) -> None:
    assert (needle in extract_html(PAGE)) is present


def test_extract_html_drops_boilerplate_lines_with_patterns(patterns: Patterns) -> None:
    page = PAGE.replace("</article>", "<p>Read more: Another story entirely</p></article>")
    assert "Read more" in extract_html(page)
    assert "Read more" not in extract_html(page, patterns=patterns)
    assert "each side needed something" in extract_html(page, patterns=patterns)


def test_extract_html_from_a_parsed_tree() -> None:
    from etl.metadata import parse_html

    assert extract_html(PAGE, tree=parse_html(PAGE)) == extract_html(PAGE)


def test_extract_html_paragraphs_and_empty() -> None:
    assert extract_html(PAGE).count("\n\n") >= 2
    assert extract_html("<html><body></body></html>") == ""
