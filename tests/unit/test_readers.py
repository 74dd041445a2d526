"""Readers: every format, sidecars and manifests, every bad-input kind, streaming."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from etl.readers import FileRef, discover, read, read_all
from etl.records import Quarantine, RawDoc
from etl.settings import PROJECT_ROOT, Settings, get_settings

SEEDS = PROJECT_ROOT / "data" / "sample"


@pytest.fixture
def settings() -> Settings:
    return get_settings()


def _write(root: Path, rel: str, data: bytes | str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def _only(items: list) -> RawDoc | Quarantine:
    assert len(items) == 1, items
    return items[0]


def test_seeds_read_as_five_text_documents(settings: Settings) -> None:
    docs = list(read_all(SEEDS, settings))
    assert [d.source.path for d in docs] == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert all(isinstance(d, RawDoc) and d.source.format == "txt" and d.text for d in docs)
    assert all(len(d.source.sha256) == 64 for d in docs)


@pytest.mark.parametrize(
    ("rel", "content", "field", "fmt"),
    [
        ("a.txt", "Plain text body.", "text", "txt"),
        ("b.html", "<html><body><p>Hello</p></body></html>", "html", "html"),
        ("c.htm", "<p>Hi</p>", "html", "html"),
        ("d.json", json.dumps({"title": "T", "text": "Body"}), "text", "json"),
        ("e.json", json.dumps({"html": "<p>x</p>", "url": "https://x.org/a"}), "html", "json"),
    ],
)
def test_one_document_per_file(tmp_path, settings, rel, content, field, fmt) -> None:
    _write(tmp_path, rel, content)
    doc = _only(list(read(tmp_path, rel, settings)))
    assert isinstance(doc, RawDoc)
    assert getattr(doc, field) and doc.source.format == fmt and doc.source.path == rel


@pytest.mark.parametrize(
    ("rel", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("bin.txt", b"\x00\x01\x02" * 50, "binary"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
        ("noext", b"text", "unsupported file type '(none)'"),
        ("bad.json", b"{not json", "invalid JSON"),
        ("list.json", b'[{"title": "no body"}]', "record has no text or html"),
    ],
)
def test_bad_input_is_quarantined_with_a_reason(tmp_path, settings, rel, data, reason) -> None:
    path = _write(tmp_path, rel, data)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    q = _only(list(read(tmp_path, rel, settings)))
    assert isinstance(q, Quarantine) and q.stage == "read"
    assert reason in q.reason
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before  # raw files never touched


def test_file_over_the_size_limit_is_not_read(tmp_path, settings) -> None:
    small = settings.model_copy(
        update={"input": settings.input.model_copy(update={"max_file_bytes": 10})}
    )
    _write(tmp_path, "big.txt", "x" * 11)
    q = _only(list(read(tmp_path, "big.txt", small)))
    assert isinstance(q, Quarantine) and "too large" in q.reason


def test_unreadable_file_is_quarantined_not_fatal(tmp_path, settings) -> None:
    q = _only(list(read(tmp_path, "gone.txt", settings)))
    assert isinstance(q, Quarantine) and "cannot read" in q.reason


def test_jsonl_bad_line_quarantined_others_read(tmp_path, settings) -> None:
    lines = [
        json.dumps({"url": "https://n.org/1", "title": "One", "text": "First body"}),
        "{broken",
        "",
        json.dumps({"link": "https://n.org/2", "content": "Second body", "lang": "de"}),
        json.dumps(["not", "an", "object"]),
    ]
    _write(tmp_path, "feed.jsonl", "\n".join(lines))
    items = list(read(tmp_path, "feed.jsonl", settings))
    kinds = [(type(i).__name__, i.record) for i in items]
    assert kinds == [("RawDoc", 1), ("Quarantine", 2), ("RawDoc", 4), ("Quarantine", 5)]
    second = items[2]
    assert isinstance(second, RawDoc)
    assert second.hints == {"url": "https://n.org/2", "language": "de"}
    assert second.source.url == "https://n.org/2"


def test_jsonl_is_read_lazily(tmp_path, settings) -> None:
    rows = (json.dumps({"text": f"body {i}"}) for i in range(50_000))
    _write(tmp_path, "big.jsonl", "\n".join(rows))
    it = read(tmp_path, "big.jsonl", settings)
    first = next(iter(it))
    assert isinstance(first, RawDoc) and first.text == "body 0"


def test_sidecar_overrides_record_and_manifest(tmp_path, settings) -> None:
    _write(tmp_path, "site/a.html", "<p>x</p>")
    _write(tmp_path, "site/a.html.meta.json", json.dumps({"source": "Sidecar News"}))
    _write(
        tmp_path,
        "site/manifest.jsonl",
        json.dumps({"path": "a.html", "source": "Manifest", "url": "https://m.org/a"}),
    )
    doc = _only(list(read(tmp_path, "site/a.html", settings)))
    assert isinstance(doc, RawDoc)
    assert doc.hints["source"] == "Sidecar News" and doc.hints["url"] == "https://m.org/a"
    assert doc.source.name == "Sidecar News"


def test_csv_manifest(tmp_path, settings) -> None:
    _write(tmp_path, "b.txt", "Some text here.")
    _write(tmp_path, "manifest.csv", "file,published_at,source\nb.txt,2024-05-01,Wire\n")
    doc = _only(list(read(tmp_path, "b.txt", settings)))
    assert doc.hints == {"published_at": "2024-05-01", "source": "Wire"}


def test_broken_sidecar_is_visible_not_fatal(tmp_path, settings) -> None:
    _write(tmp_path, "c.txt", "Some text.")
    _write(tmp_path, "c.txt.meta.json", "{nope")
    doc = _only(list(read(tmp_path, "c.txt", settings)))
    assert isinstance(doc, RawDoc) and "_sidecar_error" in doc.hints


def test_discover_is_sorted_skips_metadata_and_hidden_and_filters_since(tmp_path, settings):
    for rel in [
        "b/2.txt",
        "a.txt",
        "b/1.html",
        ".hidden.txt",
        "a.txt.meta.json",
        "manifest.jsonl",
        "c.docx",
    ]:
        _write(tmp_path, rel, "x")
    old = tmp_path / "b" / "1.html"
    os.utime(old, (1_600_000_000, 1_600_000_000))
    refs = list(discover(tmp_path, settings))
    # a folder's files in name order, then its subfolders in name order
    assert [r.rel_path for r in refs] == ["a.txt", "c.docx", "b/1.html", "b/2.txt"]
    assert all(isinstance(r, FileRef) and r.modified_at.tzinfo for r in refs)
    recent = list(discover(tmp_path, settings, since=datetime(2021, 1, 1)))
    assert "b/1.html" not in [r.rel_path for r in recent]
    assert recent[0].modified_at > datetime(2021, 1, 1, tzinfo=UTC)
