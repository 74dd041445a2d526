"""JSON-lines spans (issue 11): plan a file in one pass, read its spans in any order.

Reading every span of a file gives exactly what reading the whole file gives: the same documents
and quarantine records with the same record numbers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from reader_support import spy_reads

from etl import readers
from etl.readers import FileRef, Span, discover, plan_spans, read
from etl.records import Quarantine, RawDoc
from etl.settings import Settings, get_settings

R = '{"text":"x"}'  # 12 bytes
BIG = '{"text":"' + "y" * 89 + '"}'  # 100 bytes


@pytest.fixture
def settings() -> Settings:
    s = get_settings()
    return s.model_copy(update={"input": s.input.model_copy(update={"max_file_bytes": 200})})


def _spans(tmp_path: Path, data: str | bytes, settings: Settings, **kw: int) -> list[Any]:
    (tmp_path / "f.jsonl").write_bytes(data.encode() if isinstance(data, str) else data)
    plan = plan_spans(tmp_path, "f.jsonl", settings, **kw)
    out = [(s.start, s.end, s.first_record, n) for s, n in plan]
    assert (
        plan.done and plan.sha256 == hashlib.sha256((tmp_path / "f.jsonl").read_bytes()).hexdigest()
    )
    return out


@pytest.mark.parametrize(
    ("data", "max_docs", "max_chars", "expected"),
    [
        # (start, end, first_record, records)
        (f"{R}\n{R}\n{R}\n", 2, 10_000, [(0, 26, 1, 2), (26, 39, 3, 1)]),
        (f"{R}\n{R}\n{R}\n", 1, 10_000, [(0, 13, 1, 1), (13, 26, 2, 1), (26, 39, 3, 1)]),
        (f"{R}\n{R}\n{R}\n", 5, 10_000, [(0, 39, 1, 3)]),
        # blank lines join the span before them; record numbers count them, as reads do
        (f"\n{R}\n\n{R}\n{R}", 1, 10_000, [(0, 15, 1, 1), (15, 28, 4, 1), (28, 40, 5, 1)]),
        (f"{R}\n{R}\n\n\n", 1, 10_000, [(0, 13, 1, 1), (13, 28, 2, 1)]),
        # no trailing newline
        (f"{R}\n{R}", 10, 10_000, [(0, 25, 1, 2)]),
        # CRLF: a line ends at \n, its \r is part of it
        (f"{R}\r\n{R}\r\n", 1, 10_000, [(0, 14, 1, 1), (14, 28, 2, 1)]),
        # a span boundary exactly at EOF: no empty span after it
        (f"{R}\n{R}\n", 2, 10_000, [(0, 26, 1, 2)]),
        (f"{R}\n{R}\n{R}\n{R}\n", 2, 10_000, [(0, 26, 1, 2), (26, 52, 3, 2)]),
        # about max_chars bytes; a line longer than that makes its own span
        (f"{R}\n{R}\n{R}\n", 10, 30, [(0, 26, 1, 2), (26, 39, 3, 1)]),
        (f"{R}\n{BIG}\n{R}\n", 10, 30, [(0, 13, 1, 1), (13, 114, 2, 1), (114, 127, 3, 1)]),
        (f"{BIG}\n{BIG}", 10, 30, [(0, 101, 1, 1), (101, 201, 2, 1)]),
        # a line over the read limit is one record (its quarantine) in one span
        (f"{R}\n{'z' * 500}\n{R}\n", 1, 10_000, [(0, 13, 1, 1), (13, 514, 2, 1), (514, 527, 3, 1)]),
        # whitespace however long is blank, for planning and reading alike
        (f"{R}\n{' ' * 500}\n{R}\n", 1, 10_000, [(0, 514, 1, 1), (514, 527, 3, 1)]),
        # no records: one span over the whole file, so the read can say so
        ("\n\n  \n", 10, 10_000, [(0, 5, 1, 0)]),
        ("", 10, 10_000, [(0, 0, 1, 0)]),
    ],
)
def test_plan_spans(
    tmp_path: Path,
    settings: Settings,
    data: str,
    max_docs: int,
    max_chars: int,
    expected: list[tuple[int, int, int, int]],
) -> None:
    assert _spans(tmp_path, data, settings, max_docs=max_docs, max_chars=max_chars) == expected


def _key(item: RawDoc | Quarantine) -> Any:
    return item  # frozen dataclasses compare by value: documents, hints, records, reasons


FILES = {
    "mixed": "\r\n".join(
        [
            json.dumps({"url": "https://n.org/1", "title": "One", "text": "First body"}),
            "{broken",
            "",
            "[" * 5000 + "]" * 5000,
            json.dumps({"link": "https://n.org/2", "content": "Second body", "lang": "de"}),
            "   ",
            '"a string"',
            json.dumps({"text": "z" * 400}),  # over the 200-byte limit
            json.dumps({"html": "<p>Third</p>", "site": "N", "date": "not a date"}),
        ]
    ),
    "bom": "\ufeff" + json.dumps({"text": "after a BOM"}) + "\n" + json.dumps({"text": "b"}),
    "trailing": "\n".join(json.dumps({"text": f"body {i}"}) for i in range(7)) + "\n\n\n",
    "leading": "\n\n" + "\n".join(json.dumps({"text": f"body {i}"}) for i in range(5)),
    "blank": "\n \n\t\n",
    "one": json.dumps({"text": "only"}),
}


@pytest.mark.parametrize("name", sorted(FILES))
@pytest.mark.parametrize(("max_docs", "max_chars"), [(1, 10_000), (2, 10_000), (3, 40), (100, 1)])
def test_reading_every_span_equals_reading_the_file(
    tmp_path: Path, settings: Settings, name: str, max_docs: int, max_chars: int
) -> None:
    (tmp_path / "f.jsonl").write_text(FILES[name], encoding="utf-8")
    (tmp_path / "f.jsonl.meta.json").write_text('{"publisher": "Wire"}')
    [ref] = discover(tmp_path, settings)
    whole = list(read(tmp_path, ref, settings))
    plan = plan_spans(tmp_path, ref, settings, max_docs=max_docs, max_chars=max_chars)
    spans = list(plan)
    parts = []
    for span, count in spans:
        items = list(read(tmp_path, ref, settings, span=span, sha256=plan.sha256))
        if not (len(spans) == 1 and count == 0):
            assert len(items) == count  # the plan's count is what the read yields
        parts.extend(items)
    assert [_key(i) for i in parts] == [_key(i) for i in whole]
    assert all(s.end == n.start for (s, _), (n, _) in itertools.pairwise(spans))  # contiguous
    assert spans[0][0].start == 0 and spans[-1][0].end == ref.size == plan.size


def test_a_span_of_blank_lines_says_nothing_but_the_whole_file_does(
    tmp_path: Path, settings: Settings
) -> None:
    (tmp_path / "f.jsonl").write_text(f"{R}\n\n\n\n{R}\n")
    (tmp_path / "blank.jsonl").write_text("\n\n\n")
    assert list(read(tmp_path, "f.jsonl", settings, span=Span(13, 16, 2))) == []
    [(span, count)] = plan_spans(tmp_path, "blank.jsonl", settings, max_docs=1, max_chars=1)
    assert count == 0
    q = list(read(tmp_path, "blank.jsonl", settings, span=span))
    assert [i.reason for i in q if isinstance(i, Quarantine)] == ["no records in the file"]
    # Only the span that covers the file may say it: a part of it, even from 0, may not.
    assert list(read(tmp_path, "blank.jsonl", settings, span=Span(0, 2, 1))) == []


def test_a_span_read_uses_the_planned_hash(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f.jsonl").write_text(f"{R}\n{R}\n")
    [ref] = discover(tmp_path, settings)

    def no_hashing(f: Any) -> str:
        raise AssertionError("a span read must not hash the file again")

    monkeypatch.setattr(readers, "_sha256", no_hashing)
    items = list(read(tmp_path, ref, settings, span=Span(13, 26, 2), sha256="ab" * 32))
    assert [(i.record, i.source.sha256) for i in items if isinstance(i, RawDoc)] == [(2, "ab" * 32)]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p.write_text(p.read_text() + f"{R}\n"),  # appended to
        lambda p: p.write_text(f"{R}\n"),  # truncated
    ],
)
def test_a_file_changed_since_discover_is_quarantined_not_misread(
    tmp_path: Path, settings: Settings, change: Any
) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text(f"{R}\n{R}\n{R}\n")
    [ref] = discover(tmp_path, settings)
    plan = plan_spans(tmp_path, ref, settings, max_docs=1, max_chars=10_000)
    spans = list(plan)
    change(path)
    for span, _ in spans:
        [q] = read(tmp_path, ref, settings, span=span, sha256=plan.sha256)
        assert isinstance(q, Quarantine) and q.reason.startswith("file changed during the run")


def test_stale_ref_fields_compare_by_size_and_mtime(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "f.jsonl").write_text(f"{R}\n")
    [ref] = discover(tmp_path, settings)
    roundtrip = FileRef(
        ref.rel_path, ref.size, type(ref.modified_at).fromisoformat(ref.modified_at.isoformat())
    )
    [doc] = read(tmp_path, roundtrip, settings, span=Span(0, ref.size, 1), sha256="0" * 64)
    assert isinstance(doc, RawDoc)  # a FileRef through JSON (isoformat) still matches


def test_other_formats_are_one_span(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "a.txt").write_text("Some text.")
    [ref] = discover(tmp_path, settings)
    [(span, count)] = plan_spans(tmp_path, ref, settings, max_docs=1, max_chars=1)
    assert span == Span(0, ref.size, 1) and count == 1
    [doc] = read(tmp_path, ref, settings, span=span)
    assert isinstance(doc, RawDoc) and doc.text == "Some text."
    assert list(read(tmp_path, ref, settings, span=Span(5, 10, 1))) == []


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: __import__("os").mkfifo(p), "not a regular file (a FIFO)"),
        (lambda p: p.symlink_to("/dev/zero"), "not a regular file (a character device)"),
        (lambda p: p.symlink_to("/etc/hostname"), "symlink points outside the raw roots"),
    ],
)
def test_a_file_plan_spans_cannot_read_is_one_span_read_explains(
    tmp_path: Path, settings: Settings, make: Any, reason: str
) -> None:
    make(tmp_path / "x.jsonl")
    [ref] = discover(tmp_path, settings)
    plan = plan_spans(tmp_path, ref, settings, max_docs=10, max_chars=100)
    [(span, count)] = plan
    assert plan.sha256 is None and span.start == 0 and count == 1
    [q] = read(tmp_path, ref, settings, span=span, sha256=plan.sha256)
    assert isinstance(q, Quarantine) and q.reason == reason


def test_planning_holds_no_line_whole(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "f.jsonl").write_bytes(b'{"text": "' + b"w" * (5 << 20) + b'"}\n' + R.encode())
    sizes = spy_reads(monkeypatch, bounded_lines=True)
    spans = list(plan_spans(tmp_path, "f.jsonl", settings, max_docs=10, max_chars=1000))
    assert [(s.first_record, n) for s, n in spans] == [(1, 1), (2, 1)]
    assert max(sizes) <= (1 << 20) + 1


def test_plan_spans_refuses_nonsense_limits(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan_spans(tmp_path, "f.jsonl", settings, max_docs=0, max_chars=10)
