"""Readers: every format, sidecars and manifests, every bad-input kind, streaming."""

from __future__ import annotations

import codecs
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from types import GeneratorType
from typing import Any

import pytest
from reader_support import only, spy_reads, write

from etl import readers
from etl.readers import FileRef, discover, read, read_all
from etl.records import Quarantine, RawDoc
from etl.settings import PROJECT_ROOT, Settings, get_settings

SEEDS = PROJECT_ROOT / "data" / "sample"


@pytest.fixture
def settings() -> Settings:
    return get_settings()


def _doc(root: Path, rel: str, settings: Settings) -> RawDoc:
    doc = only(list(read(root, rel, settings)))
    assert isinstance(doc, RawDoc), doc
    return doc


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def test_seeds_read_as_five_text_documents(settings: Settings) -> None:
    docs = [d for d in read_all(SEEDS, settings) if isinstance(d, RawDoc)]
    assert len(docs) == 5 == len(list(read_all(SEEDS, settings)))
    assert [d.source.path for d in docs] == sorted(p.name for p in SEEDS.glob("*.txt"))
    for d in docs:
        assert isinstance(d, RawDoc) and d.source.format == "txt" and d.text
        assert len(d.source.sha256) == 64 and d.source.name == "unknown"


@pytest.mark.parametrize(
    ("rel", "data", "field", "fmt", "expected"),
    [
        ("a.txt", "Plain text body.", "text", "txt", "Plain text body."),
        ("b.html", "<html><body><p>Hello</p></body></html>", "html", "html", "<p>Hello</p>"),
        ("c.htm", "<p>Hi</p>", "html", "html", "<p>Hi</p>"),
        ("d.json", json.dumps({"title": "T", "text": "Body"}), "text", "json", "Body"),
        ("e.json", json.dumps({"html": "<p>x</p>"}), "html", "json", "<p>x</p>"),
        ("f.json", json.dumps({"body": "B"}), "text", "json", "B"),
        ("g.JSON", json.dumps({"content": "C"}), "text", "json", "C"),
        ("h.txt", codecs.BOM_UTF16_BE + "Grüße".encode("utf-16-be"), "text", "txt", "Grüße"),
        ("i.txt", "“Smart” 5 €".encode("cp1252"), "text", "txt", "“Smart” 5 €"),
        ("j.txt", "CafÃ© e\u0301\r\n".encode(), "text", "txt", "Café \u00e9\n"),
        (
            "k.html",
            b'<meta charset="windows-1252"><p>caf\xe9</p>',
            "html",
            "html",
            "<p>café</p>",
        ),
        # JSON \u escapes bypass byte decoding; the text is still repaired and composed
        ("l.json", '{"text": "Caf\\u00c3\\u00a9 e\\u0301"}', "text", "json", "Café \u00e9"),
    ],
)
def test_one_document_per_file(
    tmp_path: Path,
    settings: Settings,
    rel: str,
    data: bytes | str,
    field: str,
    fmt: str,
    expected: str,
) -> None:
    write(tmp_path, rel, data)
    before = _snapshot(tmp_path)
    doc = _doc(tmp_path, rel, settings)
    assert expected in getattr(doc, field)
    assert doc.source.format == fmt and doc.source.path == rel
    assert doc.source.size == (tmp_path / rel).stat().st_size
    assert doc.source.modified_at is not None and doc.source.modified_at.tzinfo is not None
    assert _snapshot(tmp_path) == before  # raw files never touched


def test_sha256_is_of_the_raw_bytes(tmp_path: Path, settings: Settings) -> None:
    import hashlib

    data = codecs.BOM_UTF8 + b"x\r\n"
    write(tmp_path, "a.txt", data)
    assert _doc(tmp_path, "a.txt", settings).source.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("record", "hints"),
    [
        (
            {"url": "u", "title": "t", "published_at": "2024-05-06", "source": "s", "lang": "en"},
            {
                "url": "u",
                "title": "t",
                "published_at": "2024-05-06",
                "source": "s",
                "language": "en",
            },
        ),
        ({"date": "2024-01-02"}, {"published_at": "2024-01-02"}),
        ({"published": "May 3, 2024"}, {"published_at": "May 3, 2024"}),
        ({"pubDate": "Fri, 03 May 2024 10:00 GMT"}, {"published_at": "Fri, 03 May 2024 10:00 GMT"}),
        # a value that is no date is dropped with a warning, not silently ignored later
        (
            {"published_at": "not a date"},
            {"_sidecar_error": "record: published_at 'not a date' is not a date"},
        ),
        ({"date": "2024"}, {"_sidecar_error": "record: date '2024' is not a date"}),
        ({"date": "3024-01-01"}, {"_sidecar_error": "record: date '3024-01-01' is not a date"}),
        ({"site": "S"}, {"source": "S"}),
        ({"publisher": "P"}, {"source": "P"}),
        ({"lang": "de"}, {"language": "de"}),
        ({"title": "", "url": None, "other": "x"}, {}),
        ({"title": "  Padded\r\ntitle "}, {"title": "Padded\ntitle"}),
        ({"title": "caf\u0065\u0301"}, {"title": "caf\u00e9"}),  # NFC
        ({"title": "half \ud800 pair"}, {"title": "half \ufffd pair"}),
        ({"source": {"id": None, "name": "BBC News"}}, {"source": "BBC News"}),
        (
            {"title": {"a": 1}, "url": ["x"], "lang": 5, "site": "S"},
            {
                "source": "S",
                "_sidecar_error": "record: title is not a string; "
                "url is not a string; lang is not a string",
            },
        ),
    ],
)
def test_record_fields_become_normalised_hints(
    tmp_path: Path, settings: Settings, record: dict[str, Any], hints: dict[str, Any]
) -> None:
    write(tmp_path, "r.json", json.dumps({**record, "text": "Body"}))
    doc = _doc(tmp_path, "r.json", settings)
    assert doc.hints == hints
    assert doc.source.name == hints.get("source", "unknown")
    assert doc.source.url == hints.get("url")


def test_lone_surrogate_escape_in_record_text_becomes_replacement_char(
    tmp_path: Path, settings: Settings
) -> None:
    # spaCy and the Elasticsearch client both refuse to encode a lone surrogate.
    write(tmp_path, "s.jsonl", '{"text": "before \\ud800 after"}\n')
    doc = _doc(tmp_path, "s.jsonl", settings)
    assert doc.text == "before \ufffd after"
    assert doc.text.encode("utf-8")


def test_json_list_gives_one_document_per_record(tmp_path: Path, settings: Settings) -> None:
    write(tmp_path, "l.json", json.dumps([{"text": "a"}, {"title": "none"}, {"html": "<p>c"}]))
    items = list(read(tmp_path, "l.json", settings))
    assert [(type(i).__name__, i.record) for i in items] == [
        ("RawDoc", 1),
        ("Quarantine", 2),
        ("RawDoc", 3),
    ]
    assert isinstance(items[1], Quarantine) and items[1].reason == "record has no text or html"


@pytest.mark.parametrize(
    ("rel", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\t\r\n", "empty file (only whitespace)"),
        ("bin.txt", b"\x00\x01\x02" * 50, "binary"),
        ("img.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("bom.txt", codecs.BOM_UTF8 + b"ok \xff bad", "undecodable bytes"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type '.docx'"),
        ("noext", b"text", "unsupported file type '(none)'"),
        ("empty.pdf", b"", "unsupported file type '.pdf'"),
        ("bad.json", b"{not json", "invalid JSON"),
        ("list.json", b'[{"title": "no body"}]', "record has no text or html"),
        ("scalar.json", b"42", "record is not a JSON object"),
        ("none.json", b"[]", "no records in the file"),
        ("blank.jsonl", b"\n  \n\n", "no records in the file"),
    ],
)
def test_bad_input_is_quarantined_with_a_reason(
    tmp_path: Path, settings: Settings, rel: str, data: bytes, reason: str
) -> None:
    path = write(tmp_path, rel, data)
    before = _snapshot(tmp_path)
    q = only(list(read(tmp_path, rel, settings)))
    assert isinstance(q, Quarantine) and q.stage == "read" and q.path == rel
    assert reason in q.reason
    assert q.sha256 is not None and len(q.sha256) == 64
    assert path.exists() and _snapshot(tmp_path) == before  # raw files never touched


def test_file_over_the_size_limit_is_not_read(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = settings.model_copy(
        update={"input": settings.input.model_copy(update={"max_file_bytes": 10})}
    )
    write(tmp_path, "big.txt", "x" * 11)
    write(tmp_path, "big.json", '{"text": "long enough"}')

    write(tmp_path, "big.docx", "x" * 11)
    reads = spy_reads(monkeypatch)
    for rel in ("big.txt", "big.json", "big.docx"):
        q = only(list(read(tmp_path, rel, small)))
        assert isinstance(q, Quarantine) and q.sha256 is None  # not read, so not hashed
        assert "file too large" in q.reason or "unsupported" in q.reason
    assert sum(reads) == 0


def test_jsonl_is_limited_per_line_not_per_file(tmp_path: Path, settings: Settings) -> None:
    # streamed line by line, a .jsonl may be any size; one oversized line is one quarantine
    small = settings.model_copy(
        update={"input": settings.input.model_copy(update={"max_file_bytes": 40})}
    )
    rows = ['{"text": "first"}', '{"text": "' + "x" * 200 + '"}', '{"text": "third"}']
    write(tmp_path, "feed.jsonl", "\n".join(rows * 3))
    items = list(read(tmp_path, "feed.jsonl", small))
    assert [(type(i).__name__, i.record) for i in items[:3]] == [
        ("RawDoc", 1),
        ("Quarantine", 2),
        ("RawDoc", 3),
    ]
    assert len(items) == 9
    q = items[1]
    assert isinstance(q, Quarantine) and q.reason == "record too large (line over 40 bytes)"
    last = items[-1]
    assert isinstance(last, RawDoc) and last.text == "third" and last.record == 9


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (PermissionError(13, "Permission denied"), "cannot read file: Permission denied"),
        (OSError(5, "Input/output error"), "cannot read file: Input/output error"),
    ],
)
def test_unreadable_file_is_quarantined_not_fatal(
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    error: OSError,
    reason: str,
) -> None:
    # Tests may run as root, where chmod 000 does not stop reads: simulate the OS error.
    write(tmp_path, "locked.txt", "secret")

    def fail(path: str, flags: int) -> int:
        raise error

    monkeypatch.setattr(readers, "_open_fd", fail)
    q = only(list(read(tmp_path, "locked.txt", settings)))
    assert isinstance(q, Quarantine) and q.reason == reason and q.sha256 is None


def test_missing_file_is_quarantined(tmp_path: Path, settings: Settings) -> None:
    q = only(list(read(tmp_path, "gone.txt", settings)))
    assert isinstance(q, Quarantine) and "cannot read file" in q.reason


def test_jsonl_three_records_and_one_bad_line(tmp_path: Path, settings: Settings) -> None:
    lines = [
        json.dumps({"url": "https://n.org/1", "title": "One", "text": "First body"}),
        "{broken",
        "",
        json.dumps({"link": "https://n.org/2", "content": "Second body", "lang": "de"}),
        json.dumps({"html": "<p>Third</p>", "site": "N"}),
    ]
    write(tmp_path, "feed.jsonl", "\r\n".join(lines))
    items = list(read(tmp_path, "feed.jsonl", settings))
    kinds = [(type(i).__name__, i.record) for i in items]
    assert kinds == [("RawDoc", 1), ("Quarantine", 2), ("RawDoc", 4), ("RawDoc", 5)]
    assert isinstance(items[1], Quarantine) and "invalid JSON line" in items[1].reason
    second = items[2]
    assert isinstance(second, RawDoc) and second.text == "Second body"
    assert second.hints == {"url": "https://n.org/2", "language": "de"}
    assert second.source.url == "https://n.org/2" and second.source.format == "json"


def test_jsonl_is_read_lazily(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = (json.dumps({"text": f"body {i}"}) for i in range(50_000))
    path = write(tmp_path, "big.jsonl", "\n".join(rows))
    opened: list[Any] = []
    real = readers._open_regular

    def spy(*args: Any) -> Any:
        f, st = real(*args)
        opened.append(f)
        return f, st

    monkeypatch.setattr(readers, "_open_regular", spy)
    it = read(tmp_path, "big.jsonl", settings, sha256="0" * 64)  # no hashing pass
    assert isinstance(it, GeneratorType) and not opened  # nothing is read before next()
    first = next(it)
    assert isinstance(first, RawDoc) and first.text == "body 0" and first.record == 1
    [f] = opened
    assert f.tell() < path.stat().st_size // 10  # read only a little way in
    it.close()
    assert f.closed


def test_sidecar_overrides_record_and_manifest(tmp_path: Path, settings: Settings) -> None:
    write(tmp_path, "site/a.html", "<p>x</p>")
    write(tmp_path, "site/a.html.meta.json", json.dumps({"source": "Sidecar News"}))
    write(
        tmp_path,
        "site/manifest.jsonl",
        json.dumps({"path": "a.html", "source": "Manifest", "url": "https://m.org/a"}),
    )
    doc = _doc(tmp_path, "site/a.html", settings)
    assert doc.hints == {"source": "Sidecar News", "url": "https://m.org/a"}
    assert doc.source.name == "Sidecar News" and doc.source.url == "https://m.org/a"


@pytest.mark.parametrize("key", ["a.txt", "./a.txt", "site/a.txt"])
def test_manifest_keyed_by_name_or_path_under_the_root(
    tmp_path: Path, settings: Settings, key: str
) -> None:
    write(tmp_path, "site/a.txt", "Body text")
    write(tmp_path, "site/manifest.csv", f"path,publisher\n{key},Wire\n")
    assert _doc(tmp_path, "site/a.txt", settings).source.name == "Wire"


@pytest.mark.parametrize(
    ("files", "hints"),
    [
        ({"a.meta.json": '{"title": "Short sidecar name"}'}, {"title": "Short sidecar name"}),
        ({"a.json.meta.json": '{"date": "2024-01-02"}'}, {"published_at": "2024-01-02"}),
        (
            {"manifest.jsonl": '{"file": "./a.json", "publisher": "Wire", "lang": "fr"}\n'},
            {"source": "Wire", "language": "fr"},
        ),
        (
            {"manifest.csv": "path,title,pubDate\na.json,From CSV,2024-03-04\nother,x,y\n"},
            {"title": "From CSV", "published_at": "2024-03-04"},
        ),
        (
            {"manifest.csv": "\ufefffile,site\na.json,BOM CSV\n"},
            {"source": "BOM CSV"},
        ),
    ],
)
def test_sidecars_and_manifests_override_record_fields(
    tmp_path: Path, settings: Settings, files: dict[str, str], hints: dict[str, Any]
) -> None:
    record = {
        "text": "Body",
        "title": "Record title",
        "date": "1999-12-31",
        "site": "R",
        "lang": "en",
    }
    write(tmp_path, "a.json", json.dumps(record))
    for name, content in files.items():
        write(tmp_path, name, content)
    doc = _doc(tmp_path, "a.json", settings)
    base = {"title": "Record title", "published_at": "1999-12-31", "source": "R", "language": "en"}
    assert doc.hints == {**base, **hints}
    assert doc.source.name == doc.hints["source"]


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ({"c.txt.meta.json": "{nope"}, "c.txt.meta.json"),
        ({"c.meta.json": "[1, 2]"}, "not a JSON object"),
        ({"manifest.jsonl": '{"path": "c.txt"}\n{broken\n'}, "manifest.jsonl"),
        ({"manifest.csv": "title\nno key column\n"}, "row without path/file"),
        ({"c.txt.meta.json": '{"title": ["a", "list"]}'}, "c.txt.meta.json: title is not a string"),
        ({"manifest.jsonl": '{"path": "c.txt", "date": 20240101}\n'}, "date is not a string"),
    ],
)
def test_broken_sidecar_or_manifest_is_visible_not_fatal(
    tmp_path: Path, settings: Settings, files: dict[str, str], error: str
) -> None:
    write(tmp_path, "c.txt", "Some text.")
    for name, content in files.items():
        write(tmp_path, name, content)
    doc = _doc(tmp_path, "c.txt", settings)
    assert doc.text == "Some text." and error in doc.hints["_sidecar_error"]


def test_a_broken_manifest_line_costs_only_that_line(tmp_path: Path, settings: Settings) -> None:
    rows = ['{"path": "a.txt", "title": "Kept"}', "{broken", '{"path": "b.txt", "title": 7}']
    write(tmp_path, "manifest.jsonl", "\n".join(rows) + "\n")
    for rel in ("a.txt", "b.txt"):
        write(tmp_path, rel, "Some text.")
    a, b = _doc(tmp_path, "a.txt", settings), _doc(tmp_path, "b.txt", settings)
    assert a.hints["title"] == "Kept" and "title" not in b.hints
    # The broken line could have been either file's; the refused title is only b's.
    assert a.hints["_sidecar_error"].startswith("manifest.jsonl line 2: ")
    assert "title is not a string" not in a.hints["_sidecar_error"]
    assert b.hints["_sidecar_error"].startswith("manifest.jsonl: title is not a string; ")


def test_manifest_parsed_once_per_folder_and_never_stale(
    tmp_path: Path, settings: Settings
) -> None:
    for i in range(5):
        write(tmp_path, f"m/{i}.txt", f"text {i}")
    manifest = write(tmp_path, "m/manifest.csv", "file,source\n0.txt,Old\n")
    readers._parse_manifests.cache_clear()
    assert all(isinstance(d, RawDoc) for d in read_all(tmp_path, settings))
    info = readers._parse_manifests.cache_info()
    assert (info.misses, info.hits) == (1, 9)  # discover (fingerprints) and read, 5 files each
    manifest.write_text("file,source\n0.txt,Newer wire\n")
    os.utime(manifest, ns=(0, manifest.stat().st_mtime_ns + 1_000_000_000))
    assert _doc(tmp_path, "m/0.txt", settings).source.name == "Newer wire"


def test_discover_order_skips_and_since(tmp_path: Path, settings: Settings) -> None:
    names = [
        "b/2.txt",
        "a.txt",
        "b/1.html",
        ".hidden.txt",
        ".git/x.txt",
        "a.txt.meta.json",
        "manifest.jsonl",
        "b/manifest.csv",
        "c.docx",
        "B.txt",
    ]
    for rel in names:
        write(tmp_path, rel, "x")
    old = tmp_path / "b" / "1.html"
    os.utime(old, (1_600_000_000, 1_600_000_000))
    refs = list(discover(tmp_path, settings))
    # a folder's files in name order, then its subfolders in name order
    expected = ["B.txt", "a.txt", "c.docx", "b/1.html", "b/2.txt"]
    assert [r.rel_path for r in refs] == expected
    assert list(discover(tmp_path, settings)) == refs  # deterministic
    assert all(isinstance(r, FileRef) and r.modified_at.tzinfo is UTC for r in refs)
    assert next(r for r in refs if r.rel_path == "b/1.html").modified_at == datetime.fromtimestamp(
        1_600_000_000, tz=UTC
    )
    for since in (datetime(2021, 1, 1), datetime(2021, 1, 1, tzinfo=UTC)):  # naive means UTC
        recent = [r.rel_path for r in discover(tmp_path, settings, since=since)]
        assert recent == [p for p in expected if p != "b/1.html"]
    # the unsupported file is yielded, and reading it says why
    items = list(read_all(tmp_path, settings))
    assert [i.reason for i in items if isinstance(i, Quarantine)] == [
        "unsupported file type '.docx'"
    ]


def test_metadata_fingerprint_follows_a_file_s_own_sidecar_and_manifest_fields(
    tmp_path: Path, settings: Settings
) -> None:
    """What lets an incremental run see metadata edits without reading unchanged files."""
    for name in ("a.txt", "b.txt", "c.txt"):
        write(tmp_path, f"s/{name}", "Body")
    manifest = write(tmp_path, "s/manifest.jsonl", '{"path": "a.txt", "title": "A"}\n')

    def prints() -> dict[str, str | None]:
        return {r.rel_path: r.meta_sha256 for r in discover(tmp_path, settings)}

    first = prints()
    assert first["s/a.txt"] is not None and first["s/b.txt"] is None and first["s/c.txt"] is None
    doc = _doc(tmp_path, "s/a.txt", settings)
    assert doc.source.meta_sha256 == first["s/a.txt"]  # the document carries the same print

    # Rows for other files, and a broken line, leave a's print alone.
    manifest.write_text(manifest.read_text() + '{"path": "b.txt", "title": "B"}\n{broken\n')
    second = prints()
    assert second["s/a.txt"] == first["s/a.txt"] and second["s/b.txt"] is not None
    # Its own row edited, or a sidecar added, changes it.
    manifest.write_text('{"path": "a.txt", "title": "A, corrected"}\n')
    assert prints()["s/a.txt"] not in (None, first["s/a.txt"])
    write(tmp_path, "s/c.txt.meta.json", '{"publisher": "Wire"}')
    assert prints()["s/c.txt"] is not None


def test_discover_is_lazy(tmp_path: Path, settings: Settings) -> None:
    for i in range(3):
        write(tmp_path, f"{i}.txt", "x")
    it = discover(tmp_path, settings)
    assert next(it).rel_path == "0.txt"


def test_broken_link_and_unreadable_folder_are_quarantined(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "ok.txt", "fine")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(readers.os, "scandir", scandir)
    assert [r.rel_path for r in discover(tmp_path, settings)] == [
        "dangling.txt",
        "ok.txt",
        "locked",
    ]
    items = list(read_all(tmp_path, settings))
    assert [(i.source.path if isinstance(i, RawDoc) else i.path) for i in items] == [
        "dangling.txt",
        "ok.txt",
        "locked",
    ]
    assert isinstance(items[0], Quarantine) and "cannot read file" in items[0].reason
    assert isinstance(items[2], Quarantine) and items[2].reason == (
        "cannot read folder: Permission denied"
    )
