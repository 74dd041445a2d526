"""Readers against hostile input (issue 15): one file never stops, hangs or leaks out of a run.

Each case failed before the fix: a RecursionError or a non-UTF-8 name crashed the run, a FIFO or
/dev/zero hung it, a symlink out of the root was read, a garbage date vanished without a word.
"""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hostile_corpus import MAX_FILE_BYTES, NESTED, SECRET, snapshot, write_corpus
from reader_support import only, write

from etl import readers
from etl.errors import UsageError
from etl.prepare import prepare
from etl.readers import check_root, discover, read, read_all
from etl.records import Quarantine, RawDoc
from etl.settings import PROJECT_ROOT, Settings, get_settings


@pytest.fixture(autouse=True)
def deadline() -> Iterator[None]:
    """Fail, rather than hang the suite, when a read blocks (a FIFO, /dev/zero)."""

    def expired(*_: object) -> None:
        raise TimeoutError("the readers blocked")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def settings() -> Settings:
    s = get_settings()
    return s.model_copy(
        update={"input": s.input.model_copy(update={"max_file_bytes": MAX_FILE_BYTES})}
    )


def _quarantine(root: Path, rel: str, settings: Settings) -> Quarantine:
    q = only(list(read(root, rel, settings)))
    assert isinstance(q, Quarantine), q
    return q


BODY = "A body long enough to be an article about the council and its budget plans."


def test_every_corpus_file_is_a_document_or_a_reason(tmp_path: Path, settings: Settings) -> None:
    root, outside = tmp_path / "raw", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    expected = write_corpus(root, outside)
    before = snapshot(root)
    docs: dict[str, int] = {}
    reasons: dict[str, list[str]] = {}
    warnings: dict[str, list[str]] = {}
    refs = list(discover(root, settings))
    json.dumps([r.rel_path for r in refs], ensure_ascii=False).encode("utf-8")  # stageable
    for ref in refs:
        for item in read(root, ref, settings):
            article = prepare(item, settings) if isinstance(item, RawDoc) else item
            if isinstance(article, Quarantine):
                reasons.setdefault(article.path, []).append(article.reason)
                continue
            assert isinstance(item, RawDoc)
            assert SECRET not in (article.body + (article.title or ""))
            docs[article.source.path] = docs.get(article.source.path, 0) + 1
            if w := readers.metadata_warning(item):
                warnings.setdefault(item.source.path, []).append(w)
    assert {r.rel_path for r in refs} == set(expected)
    for path, exp in expected.items():
        assert docs.get(path, 0) == exp.docs, (path, reasons.get(path))
        got = reasons.get(path, [])
        assert len(got) == len(exp.quarantined), (path, got)
        for want in exp.quarantined:
            assert any(want in r for r in got), (path, want, got)
        for want in exp.warnings:
            assert any(want in w for w in warnings.get(path, [])), (path, want, warnings)
    assert snapshot(root) == before  # raw files byte-identical, mtimes unchanged


@pytest.mark.parametrize(
    ("files", "rel", "kinds", "reason"),
    [
        ({"deep.json": NESTED}, "deep.json", [None], "invalid JSON: RecursionError"),
        (
            {"feed.jsonl": f'{{"text": "{BODY}"}}\n{NESTED}\n{{"text": "{BODY}"}}\n'},
            "feed.jsonl",
            [1, 2, 3],
            "invalid JSON line: RecursionError",
        ),
        (
            {"list.json": f'[{{"text": "{BODY}"}}, {NESTED}]'},
            "list.json",
            [None],
            "invalid JSON: RecursionError",
        ),
    ],
)
def test_deeply_nested_json_is_a_quarantine_record(
    tmp_path: Path,
    settings: Settings,
    files: dict[str, str],
    rel: str,
    kinds: list[int | None],
    reason: str,
) -> None:
    for name, content in files.items():
        write(tmp_path, name, content)
    items = list(read(tmp_path, rel, settings))
    assert [i.record for i in items] == kinds
    bad = [i for i in items if isinstance(i, Quarantine)]
    assert len(bad) == 1 and bad[0].reason.startswith(reason) and bad[0].sha256


@pytest.mark.parametrize(
    ("name", "content", "warning"),
    [
        ("c.txt.meta.json", NESTED, "c.txt.meta.json: RecursionError"),
        ("manifest.jsonl", NESTED + "\n", "manifest.jsonl line 1: maximum recursion depth"),
        ("manifest.csv", "path,title\nc.txt," + "x" * (MAX_FILE_BYTES + 10), "manifest.csv: "),
        ("c.txt.meta.json", "{" * 10 + "x" * MAX_FILE_BYTES, f"over {MAX_FILE_BYTES} bytes"),
        ("c.txt.meta.json", '{"date": "not a date"}', "date 'not a date' is not a date"),
        ("manifest.jsonl", '{"path": "c.txt", "date": "soon"}\n', "date 'soon' is not a date"),
    ],
)
def test_a_hostile_sidecar_or_manifest_is_a_warning(
    tmp_path: Path, settings: Settings, name: str, content: str, warning: str
) -> None:
    write(tmp_path, "c.txt", BODY)
    write(tmp_path, name, content)
    [ref] = discover(tmp_path, settings)
    doc = only(list(read(tmp_path, ref, settings)))
    assert isinstance(doc, RawDoc) and doc.text == BODY
    reason = readers.metadata_warning(doc)
    assert reason is not None and warning in reason
    assert "published_at" not in doc.hints


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("decode", RuntimeError("a bug")),
        ("decode", MemoryError("no memory")),
        ("decode", UnicodeDecodeError("utf-8", b"x", 0, 1, "bad")),
        ("sidecar_hints", OSError(5, "Input/output error")),
        ("_open_regular", ValueError("embedded null byte")),
    ],
)
def test_any_exception_from_one_file_is_its_quarantine_record(
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    error: Exception,
) -> None:
    write(tmp_path, "a.txt", BODY)

    def fail(*_: Any, **__: Any) -> Any:
        raise error

    monkeypatch.setattr(readers, target, fail)
    q = _quarantine(tmp_path, "a.txt", settings)
    assert q.reason.startswith(f"{type(error).__name__}: ") and q.stage == "read"


def test_an_exception_in_one_record_costs_that_record(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "f.jsonl", "\n".join(json.dumps({"text": f"{BODY} {i}"}) for i in range(3)))
    real = readers._fold

    def fold(obj: Any) -> Any:
        if obj.get("text", "").endswith("1"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(obj)

    monkeypatch.setattr(readers, "_fold", fold)
    items = list(read(tmp_path, "f.jsonl", settings))
    assert [(type(i).__name__, i.record) for i in items] == [
        ("RawDoc", 1),
        ("Quarantine", 2),
        ("RawDoc", 3),
    ]
    assert isinstance(items[1], Quarantine) and items[1].reason.startswith("RecursionError: ")


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))


@pytest.mark.parametrize(
    ("rel", "make", "reason"),
    [
        ("x.txt", _fifo, "not a regular file (a FIFO)"),
        ("x.jsonl", _fifo, "not a regular file (a FIFO)"),
        ("x.docx", _fifo, "not a regular file (a FIFO)"),
        ("x.txt", lambda p: p.symlink_to("/dev/zero"), "not a regular file (a character device)"),
        ("x.jsonl", lambda p: p.symlink_to("/dev/zero"), "not a regular file (a character device)"),
        ("x.txt", _socket, "not a regular file (a socket)"),
        ("x.txt", lambda p: p.symlink_to(p.parent / "sub"), "not a regular file (a folder)"),
    ],
)
def test_only_regular_files_are_opened(
    tmp_path: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    rel: str,
    make: Any,
    reason: str,
) -> None:
    root = tmp_path / "r"  # short: AF_UNIX paths are limited to ~100 bytes
    (root / "sub").mkdir(parents=True)
    make(root / rel)
    opened: list[str] = []
    real = readers._open_fd
    monkeypatch.setattr(readers, "_open_fd", lambda p, fl: opened.append(p) or real(p, fl))
    [ref] = discover(root, settings)
    q = _quarantine(root, ref.rel_path, settings)
    assert q.reason == reason and q.sha256 is None and opened == []


@pytest.mark.parametrize("name", ["x.txt.meta.json", "manifest.jsonl", "manifest.csv"])
def test_a_fifo_sidecar_or_manifest_is_a_warning_not_a_hang(
    tmp_path: Path, settings: Settings, name: str
) -> None:
    write(tmp_path, "x.txt", BODY)
    os.mkfifo(tmp_path / name)
    [ref] = discover(tmp_path, settings)
    doc = only(list(read(tmp_path, ref, settings)))
    assert isinstance(doc, RawDoc)
    assert f"{name}: not a regular file" in (readers.metadata_warning(doc) or "")


def test_reads_are_bounded(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file that grows after its size was checked is still never read past the limit + 1.
    write(tmp_path, "grows.txt", BODY)
    real = readers._open_regular

    def grown(path: Path, roots: tuple[str, ...]) -> Any:
        f, st = real(path, roots)
        with open(path, "ab") as g:
            g.write(b"y" * (MAX_FILE_BYTES * 3))
        return f, st

    monkeypatch.setattr(readers, "_open_regular", grown)
    q = _quarantine(tmp_path, "grows.txt", settings)
    assert q.reason == f"file too large (over {MAX_FILE_BYTES} bytes)"


def test_a_symlink_out_of_the_raw_roots_is_not_followed(tmp_path: Path, settings: Settings) -> None:
    root, elsewhere = tmp_path / "raw", tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere, "secret.txt", BODY)
    write(root, "in.txt", BODY)
    (root / "out.txt").symlink_to(elsewhere / "secret.txt")
    (root / "etc.txt").symlink_to("/etc/hostname")
    (root / "rel.txt").symlink_to("../elsewhere/secret.txt")
    (root / "ok.txt").symlink_to("in.txt")  # inside the root: followed
    (root / "gone.txt").symlink_to(elsewhere / "missing.txt")
    items = {
        i.path if isinstance(i, Quarantine) else i.source.path: i for i in read_all(root, settings)
    }
    for rel in ("out.txt", "etc.txt", "rel.txt", "gone.txt"):
        q = items[rel]
        assert isinstance(q, Quarantine) and q.reason == "symlink points outside the raw roots"
    assert isinstance(items["ok.txt"], RawDoc) and isinstance(items["in.txt"], RawDoc)
    # A path from a tampered batch manifest cannot climb out either.
    q = _quarantine(root, "../elsewhere/secret.txt", settings)
    assert q.reason == "path is outside the raw roots"
    # Another allowed root is inside the boundary: a link into it is followed.
    more = settings.model_copy(
        update={"input": settings.input.model_copy(update={"allowed_roots": (elsewhere,)})}
    )
    assert isinstance(only(list(read(root, "out.txt", more))), RawDoc)


def test_a_sidecar_linking_out_of_the_roots_is_not_read(tmp_path: Path, settings: Settings) -> None:
    root, elsewhere = tmp_path / "raw", tmp_path / "elsewhere"
    write(elsewhere, "meta.json", json.dumps({"title": "Leaked"}))
    write(root, "a.txt", BODY)
    (root / "a.txt.meta.json").symlink_to(elsewhere / "meta.json")
    doc = only(list(read(root, "a.txt", settings)))
    assert isinstance(doc, RawDoc) and "title" not in doc.hints
    assert "symlink points outside the raw roots" in (readers.metadata_warning(doc) or "")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("data/sample", True),
        (str(PROJECT_ROOT / "data" / "sample"), True),
        (str(PROJECT_ROOT / "data" / "sample" / "."), True),
        ("/etc", False),
        ("../../etc", False),
        (str(PROJECT_ROOT / "data" / "sample" / ".." / ".."), False),
        (str(PROJECT_ROOT / "data-other"), False),  # a prefix is not a parent
        ("/", False),
    ],
)
def test_check_root(path: str, allowed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT_ROOT)
    settings = get_settings()
    if allowed:
        assert check_root(path, settings) == (PROJECT_ROOT / "data" / "sample").resolve()
    else:
        with pytest.raises(UsageError, match=r"is outside the allowed raw roots \(/.*/data\)"):
            check_root(path, settings)


def test_check_root_resolves_symlinks(tmp_path: Path) -> None:
    allowed, other = tmp_path / "allowed", tmp_path / "other"
    (allowed / "feeds").mkdir(parents=True)
    other.mkdir()
    (allowed / "escape").symlink_to(other)
    (tmp_path / "alias").symlink_to(allowed / "feeds")
    s = get_settings()
    settings = s.model_copy(
        update={"input": s.input.model_copy(update={"allowed_roots": (allowed,)})}
    )
    assert check_root(allowed / "feeds", settings) == allowed / "feeds"
    assert check_root(tmp_path / "alias", settings) == allowed / "feeds"
    with pytest.raises(UsageError, match="outside the allowed raw roots"):
        check_root(allowed / "escape", settings)


def test_allowed_roots_default_to_the_raw_root() -> None:
    from etl.settings import InputSettings

    assert InputSettings(root=Path("feeds")).allowed_roots == (Path("feeds"),)
    assert get_settings().input.allowed_roots == (Path("data"),)  # config/settings.yml
    assert InputSettings(allowed_roots=(Path("a"), Path("b"))).allowed_roots == (
        Path("a"),
        Path("b"),
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (b"caf\xe9.txt", "caf\\xe9.txt"),
        (b"d\xff/inner.txt", "d\\xff/inner.txt"),
        (b"\xc3(x.jsonl", "\\xc3(x.jsonl"),
    ],
)
def test_a_name_that_is_not_utf8_is_quarantined_with_a_readable_path(
    tmp_path: Path, settings: Settings, name: bytes, shown: str
) -> None:
    full = os.path.join(os.fsencode(tmp_path), name)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(BODY.encode())
    [ref] = discover(tmp_path, settings)
    assert ref.rel_path == shown
    json.dumps({"path": ref.rel_path}, ensure_ascii=False).encode("utf-8")  # what staging does
    for rel in (ref.rel_path, os.fsdecode(name)):  # escaped, or as os.scandir gives it
        q = _quarantine(tmp_path, rel, settings)
        assert q.path == shown and "not valid UTF-8" in q.reason
        json.dumps(q.as_dict(), ensure_ascii=False).encode("utf-8")


def test_an_escaped_looking_name_that_is_utf8_reads_normally(
    tmp_path: Path, settings: Settings
) -> None:
    write(tmp_path, "caf\\xe9.txt", BODY)  # literally backslash, x, e, 9
    doc = only(list(read(tmp_path, "caf\\xe9.txt", settings)))
    assert isinstance(doc, RawDoc) and doc.source.path == "caf\\xe9.txt"


@pytest.mark.parametrize(
    ("data", "kinds"),
    [
        ('"a string"', [("Quarantine", None, "record is not a JSON object")]),
        ("null", [("Quarantine", None, "record is not a JSON object")]),
        ("3.5", [("Quarantine", None, "record is not a JSON object")]),
        ('[null, "x", []]', [("Quarantine", n, "record is not a JSON object") for n in (1, 2, 3)]),
        ('{"text": 5}', [("Quarantine", None, "record has no text or html")]),
        ('{"text": ["a"], "html": {"b": 1}}', [("Quarantine", None, "record has no text or html")]),
        (f'{{"text": "{BODY}", "title": ["x"]}}', [("RawDoc", None, "title is not a string")]),
        (f'{{"text": "{BODY}", "url": 5}}', [("RawDoc", None, "url is not a string")]),
        (f'{{"text": "{BODY}", "date": "not a date"}}', [("RawDoc", None, "is not a date")]),
    ],
)
def test_wrong_json_types(
    tmp_path: Path, settings: Settings, data: str, kinds: list[tuple[str, int | None, str]]
) -> None:
    write(tmp_path, "t.json", data)
    items = list(read(tmp_path, "t.json", settings))
    got = [
        (
            type(i).__name__,
            i.record,
            i.reason if isinstance(i, Quarantine) else readers.metadata_warning(i) or "",
        )
        for i in items
    ]
    assert [(k, n) for k, n, _ in got] == [(k, n) for k, n, _ in kinds]
    for (_, _, reason), (_, _, want) in zip(got, kinds, strict=True):
        assert want in reason


@pytest.mark.parametrize("path", ["/etc", "../../etc", ".", "/no/such/folder/outside"])
def test_a_run_restricted_to_the_allowed_roots_refuses_others(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from etl import pipeline

    monkeypatch.chdir(PROJECT_ROOT)
    settings = get_settings()
    with pytest.raises(UsageError, match="outside the allowed raw roots"):
        pipeline.check_request(
            path, "news", "incremental", None, settings=settings, restrict_to_allowed_roots=True
        )
    # The CLI's --input is its operator's own choice: not restricted, only checked to exist.
    if os.path.isdir(path):
        assert pipeline.check_request(path, "news", "incremental", None, settings=settings) is None
    else:
        with pytest.raises(UsageError, match="input folder not found"):
            pipeline.check_request(path, "news", "incremental", None, settings=settings)
    assert (
        pipeline.check_request(
            "data/sample", "news", "full", None, settings=settings, restrict_to_allowed_roots=True
        )
        is None
    )
