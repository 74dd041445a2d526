"""Issue 12's acceptance folder: the five samples, a republished copy and an HTML page."""

from __future__ import annotations

from pathlib import Path

from etl.clean import clean_text, load_patterns
from etl.settings import PROJECT_ROOT, get_settings

SAMPLE = PROJECT_ROOT / "data" / "sample"
SAMPLES = sorted(p.name for p in SAMPLE.glob("*.txt"))
COPY, PAGE = "courier-kim-putin.txt", "herald.html"  # copies of SAMPLES[0] and SAMPLES[2]


def body_of(name: str) -> str:
    """A sample article's cleaned body, as the pipeline cleans a text file."""
    s = get_settings()
    patterns = load_patterns(str(s.path(s.clean.boilerplate)))
    return clean_text((SAMPLE / name).read_text(encoding="utf-8"), patterns).body


def write_samples(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in SAMPLES:
        (folder / name).write_bytes((SAMPLE / name).read_bytes())


def write_copies(folder: Path) -> None:
    """A republished copy (other name and encoding, outlet header and footer, one sentence
    changed) of the first sample, and an HTML page wrapping the third."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (SAMPLE / SAMPLES[0]).read_text(encoding="utf-8")
    copy = "The Daily Courier | World News\n\n" + text.replace(
        "held talks", "met for talks lasting several hours"
    )
    copy += "\n\nHave a news tip? Write to the Daily Courier newsdesk.\n"
    (folder / COPY).write_text(copy, encoding="cp1252", errors="replace")
    paras = body_of(SAMPLES[2]).split("\n\n")
    page = (
        "<html><head><meta charset='utf-8'><title>Kim meets Putin | Metro Herald</title></head>"
        "<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><article>"
        "<h1>Kim and Putin meet at Russian spaceport</h1>"
        + "".join(f"<p>{p}</p>" for p in paras)
        + "</article><footer>© 2023 Metro Herald. All rights reserved.</footer></body></html>"
    )
    (folder / PAGE).write_text(page, encoding="utf-8")
