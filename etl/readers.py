"""Readers: find raw files and turn each into RawDoc records (or quarantine records).

Streaming: the raw root is walked lazily, one file is read at a time, and a JSON-lines file is
read line by line. Sidecars (``NAME.meta.json``) and manifests (``manifest.jsonl`` /
``manifest.csv``) are how scrapers hand over what they know; their fields override inferred
ones. Raw files are only ever opened for reading, and only regular files inside the allowed
raw roots are opened at all; every read is bounded. Whatever one file holds, it gives documents
or quarantine records, never an exception. A large .jsonl can be cut into byte spans
(:func:`plan_spans`) that are read independently with the same record numbers.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from etl.encoding import DecodeError, decode, normalize_text
from etl.errors import UsageError
from etl.metadata import parse_date
from etl.records import Format, Quarantine, RawDoc, SourceInfo
from etl.settings import Settings

FORMATS: dict[str, Format] = {
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "json",
}
MANIFESTS = ("manifest.jsonl", "manifest.csv")
# Record keys a scraper may use, folded to the names the pipeline knows.
HINT_KEYS = {
    "url": "url",
    "link": "url",
    "canonical_url": "url",
    "title": "title",
    "headline": "title",
    "published_at": "published_at",
    "date": "published_at",
    "published": "published_at",
    "pubdate": "published_at",
    "pubDate": "published_at",
    "datePublished": "published_at",
    "source": "source",
    "site": "source",
    "publisher": "source",
    "site_name": "source",
    "language": "language",
    "lang": "language",
}
TEXT_KEYS = ("text", "content", "body", "article")
HTML_KEYS = ("html", "raw_html")


@dataclass(frozen=True)
class FileRef:
    """A raw file found under the root: enough to decide whether to read it."""

    rel_path: str  # POSIX, relative to the root; bytes that are not UTF-8 shown as \xNN
    size: int
    modified_at: datetime
    meta_sha256: str | None = None  # see metadata_fingerprint


@dataclass(frozen=True)
class Span:
    """Bytes [start, end) of a JSON-lines file, whose first line is record ``first_record``.

    Record numbers are line numbers (1-based, blank lines counted), as in a whole-file read.
    """

    start: int
    end: int
    first_record: int


class _Refused(Exception):
    """A file that is not opened at all; the message is the quarantine reason."""


def is_metadata_file(name: str) -> bool:
    """Sidecars and manifests describe documents; they are not documents themselves."""
    return name.endswith(".meta.json") or name in MANIFESTS


def check_root(path: str | Path, settings: Settings) -> Path:
    """The real path of an input folder, refused (UsageError) outside every allowed raw root."""
    real = os.path.realpath(path)
    roots = _allowed_roots(settings)
    if not _inside(real, roots):
        raise UsageError(
            f"input folder {path} is outside the allowed raw roots ({', '.join(roots)})"
        )
    return Path(real)


def _allowed_roots(settings: Settings) -> tuple[str, ...]:
    return tuple(os.path.realpath(settings.path(r)) for r in settings.input.allowed_roots)


def _boundary(root: Path, settings: Settings) -> tuple[str, ...]:
    # The run's own root counts too: the CLI may read any folder its operator names.
    return (*_allowed_roots(settings), os.path.realpath(root))


def _inside(real: str, roots: tuple[str, ...]) -> bool:
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def readable_path(rel: str) -> str:
    """A path as text that JSON and Elasticsearch take: bytes that are not UTF-8 become \\xNN.

    os.scandir hands such bytes over as lone surrogates, which no UTF-8 encoder accepts.
    """
    return os.fsencode(rel).decode("utf-8", "backslashreplace")


_ESCAPED = re.compile(rb"\\x([89a-f][0-9a-f])")


def _undecodable_name(root: Path, rel: str) -> bool:
    """Whether ``rel`` names a file whose real name is not UTF-8 (escaped by readable_path)."""
    if readable_path(rel) != rel:
        return True
    if "\\x" not in rel or os.path.lexists(os.path.join(root, rel)):
        return False
    raw = _ESCAPED.sub(lambda m: bytes([int(m.group(1), 16)]), rel.encode())
    return os.path.lexists(os.path.join(os.fsencode(root), raw))


def discover(root: Path, settings: Settings, since: datetime | None = None) -> Iterator[FileRef]:
    """Every file under ``root`` in a stable order (hidden files skipped), lazily.

    Files of unsupported kinds are yielded too, so that reading quarantines them with a reason.
    Nothing is opened here but sidecars and manifests (for the metadata fingerprint).
    """
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            if folder == root:
                raise  # a missing or unreadable root is a setup error, not bad input
            # Yield the folder so that read() quarantines it with the OS error: never silent.
            yield _ref(root, folder, None)
            continue
        subdirs = []
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir(follow_symlinks=False):
                subdirs.append(Path(e.path))
            elif not is_metadata_file(e.name):
                # Broken symlinks and other oddities are yielded too; read() says what is wrong.
                try:
                    ref = _ref(root, Path(e.path), e)
                except OSError:
                    continue  # deleted since the folder was listed: nothing left to lose
                if since is None or ref.modified_at >= since:
                    hints = sidecar_hints(Path(e.path), root, settings)
                    yield replace(ref, meta_sha256=metadata_fingerprint(hints))
        stack.extend(reversed(subdirs))


def _ref(root: Path, path: Path, entry: os.DirEntry[str] | None) -> FileRef:
    try:
        st = entry.stat() if entry is not None else path.stat()
    except OSError:
        st = path.lstat()
    mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
    rel = readable_path(path.relative_to(root).as_posix())
    return FileRef(rel_path=rel, size=st.st_size, modified_at=mtime)


def read_all(
    root: Path, settings: Settings, since: datetime | None = None
) -> Iterator[RawDoc | Quarantine]:
    """Discover and read everything under ``root``."""
    for ref in discover(root, settings, since):
        yield from read(root, ref, settings)


def read(
    root: Path,
    ref: FileRef | str,
    settings: Settings,
    span: Span | None = None,
    sha256: str | None = None,
) -> Iterator[RawDoc | Quarantine]:
    """The documents in one file, or quarantine records saying why there are none; never raises.

    With a ``span`` (from :func:`plan_spans`), only the records of that byte range of a .jsonl,
    numbered as in a whole-file read; ``sha256`` is then the file's hash from the same plan, so
    the file is not hashed again. With a FileRef, a file whose size or modification time no
    longer match it is quarantined rather than read at offsets planned for other bytes. Only a
    span that covers the whole file (or none) says "no records in the file". Other formats are
    read whole: a span starting at 0 means the file, any other span nothing.
    """
    rel = ref.rel_path if isinstance(ref, FileRef) else ref
    shown = readable_path(rel)
    try:
        yield from _read(root, ref, rel, settings, span, sha256)
    except Exception as e:  # hostile input is normal input: one file never stops a run
        yield Quarantine(shown, None, "read", f"{type(e).__name__}: {e}")


def _read(
    root: Path,
    ref: FileRef | str,
    rel: str,
    settings: Settings,
    span: Span | None,
    sha256: str | None,
) -> Iterator[RawDoc | Quarantine]:
    if span is not None and PurePosixPath(rel).suffix.lower() != ".jsonl" and span.start > 0:
        return  # a file read whole belongs to the span that starts it
    if _undecodable_name(root, rel):
        # Not opened: its documents would carry a path that is not its name.
        reason = "file name is not valid UTF-8 (shown with \\xNN escapes)"
        yield Quarantine(readable_path(rel), None, "read", reason)
        return
    try:
        f, st = _open_regular(root / rel, _boundary(root, settings))
    except _Refused as e:
        yield Quarantine(rel, None, "read", str(e))
        return
    except OSError as e:
        yield Quarantine(rel, None, "read", f"cannot read file: {e.strerror or e}")
        return
    with f:
        refusal = _refusal(f, st, ref, rel, settings, span, sha256)
        if refusal is not None:
            yield refusal
            return
        yield from _read_opened(f, st, root, rel, settings, span, sha256)


def _refusal(
    f: BinaryIO,
    st: os.stat_result,
    ref: FileRef | str,
    rel: str,
    settings: Settings,
    span: Span | None,
    sha256: str | None,
) -> Quarantine | None:
    """Why an opened file is not read any further, or None to read it."""
    suffix = PurePosixPath(rel).suffix
    limit = settings.input.max_file_bytes
    mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
    if (
        isinstance(ref, FileRef)
        and (span is not None or sha256 is not None)
        and (ref.size, ref.modified_at) != (st.st_size, mtime)
    ):
        return Quarantine(rel, sha256, "read", "file changed during the run (since discover)")
    if suffix.lower() not in FORMATS or suffix.lower() not in settings.input.extensions:
        sha = _bounded_sha256(f, st.st_size, limit)
        return Quarantine(rel, sha, "read", f"unsupported file type {suffix or '(none)'!r}")
    if st.st_size == 0:
        return Quarantine(rel, hashlib.sha256(b"").hexdigest(), "read", "empty file")
    # A .jsonl is streamed, so its size is no risk: there the limit holds per line (record).
    if suffix.lower() != ".jsonl" and st.st_size > limit:
        return Quarantine(rel, None, "read", f"file too large ({st.st_size} bytes > {limit})")
    return None


def _read_opened(
    f: BinaryIO,
    st: os.stat_result,
    root: Path,
    rel: str,
    settings: Settings,
    span: Span | None,
    sha256: str | None,
) -> Iterator[RawDoc | Quarantine]:
    """The documents of a file :func:`_refusal` let through."""
    suffix = PurePosixPath(rel).suffix.lower()
    fmt = FORMATS[suffix]
    limit = settings.input.max_file_bytes
    data: bytes | None = None
    if suffix == ".jsonl":
        if sha256 is None:
            sha256 = _sha256(f)
    else:
        # Read once, at most limit + 1 bytes, and hash those very bytes: the hash always
        # matches what was decoded, and a file growing meanwhile cannot make it unbounded.
        data = f.read(limit + 1)
        if len(data) > limit:
            yield Quarantine(rel, None, "read", f"file too large (over {limit} bytes)")
            return
        sha256 = hashlib.sha256(data).hexdigest()
    mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
    hints = sidecar_hints(root / rel, root, settings)
    source = SourceInfo(
        path=rel,
        sha256=sha256,
        format=fmt,
        size=st.st_size,
        modified_at=mtime,
        meta_sha256=metadata_fingerprint(hints),
    )
    if data is None or fmt == "json":
        yield from _read_records(f, data, st.st_size, source, hints, span, limit)
    else:
        yield _document(data, source, hints)


def _read_records(
    f: BinaryIO,
    data: bytes | None,
    size: int,
    source: SourceInfo,
    hints: dict[str, Any],
    span: Span | None,
    limit: int,
) -> Iterator[RawDoc | Quarantine]:
    """The records of a .jsonl streamed from ``f`` (``data`` None) or of a .json's ``data``."""
    whole = span is None or (span.start == 0 and span.end >= size)
    if data is None:
        records = _read_jsonl(f, span or Span(0, size, 1), source, hints, limit)
    else:
        records = _read_json(data, source, hints)
    empty = True
    with contextlib.closing(records):  # a read closed early stops reading at once
        for item in records:
            empty = False
            yield item
    if empty and whole:  # "[]" or only blank lines: say so rather than yield nothing
        yield Quarantine(source.path, source.sha256, "read", "no records in the file")


def _document(data: bytes, source: SourceInfo, hints: dict[str, Any]) -> RawDoc | Quarantine:
    """The one document of a text or HTML file."""
    is_html = source.format == "html"
    try:
        text = decode(data, is_html=is_html)
    except DecodeError as e:
        return Quarantine(source.path, source.sha256, "read", str(e))
    if not text.strip():
        return Quarantine(source.path, source.sha256, "read", "empty file (only whitespace)")
    doc = RawDoc(source=_with_hints(source, hints), hints=hints)
    return replace(doc, html=text) if is_html else replace(doc, text=text)


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _open_regular(path: Path, roots: tuple[str, ...]) -> tuple[BinaryIO, os.stat_result]:
    """Open a regular file inside ``roots`` for reading, without ever blocking or following a
    link out of them; raises _Refused (the reason) or OSError."""
    real = os.path.realpath(path)
    outside = not _inside(real, roots)
    refusal = _Refused(
        "symlink points outside the raw roots"
        if os.path.islink(path)
        else "path is outside the raw roots"
    )
    try:
        st = os.stat(real)  # metadata only: nothing outside the roots is ever opened
    except OSError:
        if outside:
            raise refusal from None  # and whether it exists out there is none of our business
        raise
    # Devices and FIFOs are named as such wherever they are (/dev/zero is no secret); a file
    # or folder outside the roots only as outside.
    if outside and (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        raise refusal
    if stat.S_ISDIR(st.st_mode):
        try:  # discover yields a folder it could not list: say why, as listing it says
            with os.scandir(real):
                pass
        except OSError as e:
            raise _Refused(f"cannot read folder: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a file")
        # A FIFO or /dev/zero would be read (hashed) forever: they are never opened.
        raise _Refused(f"not a regular file ({kind})")
    # O_NONBLOCK: were it swapped for a FIFO since the check, opening it still returns at once.
    fd = _open_fd(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
            st.st_dev,
            st.st_ino,
        ):
            raise _Refused("file changed during the run (replaced while being opened)")
        return os.fdopen(fd, "rb"), opened
    except BaseException:
        os.close(fd)
        raise


def _open_fd(path: str, flags: int) -> int:
    # One seam for tests: they simulate OS errors (running as root, chmod cannot).
    return os.open(path, flags)


def _sha256(f: BinaryIO) -> str:
    """Hash an open file in blocks, so size never matters; leaves it at the start."""
    h = hashlib.sha256()
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
    f.seek(0)
    return h.hexdigest()


def _bounded_sha256(f: BinaryIO, size: int, limit: int) -> str | None:
    """The hash of a file within the size limit; None (not read) beyond it."""
    if size > limit:
        return None
    h = hashlib.sha256()
    left = limit + 1
    while left > 0 and (block := f.read(min(1 << 20, left))):
        h.update(block)
        left -= len(block)
    return h.hexdigest() if left > 0 else None


def _with_hints(source: SourceInfo, hints: dict[str, Any]) -> SourceInfo:
    return replace(
        source,
        url=str(hints["url"]) if hints.get("url") else source.url,
        name=str(hints["source"]) if hints.get("source") else source.name,
    )


def _record(
    obj: Any, n: int | None, source: SourceInfo, file_hints: dict[str, Any]
) -> RawDoc | Quarantine:
    try:
        return _to_raw(obj, n, source, file_hints)
    except Exception as e:  # an odd record costs that record, not the rest of its file
        return Quarantine(source.path, source.sha256, "read", f"{type(e).__name__}: {e}", n)


def _to_raw(
    obj: Any, n: int | None, source: SourceInfo, file_hints: dict[str, Any]
) -> RawDoc | Quarantine:
    if not isinstance(obj, dict):
        return Quarantine(source.path, source.sha256, "read", "record is not a JSON object", n)
    fields, refused = _fold(obj)
    hints: dict[str, Any] = {**fields, **file_hints}  # the sidecar/manifest wins over the record
    if refused:
        _note(hints, f"record: {refused}")
    text, html = _first_str(obj, TEXT_KEYS), _first_str(obj, HTML_KEYS)
    if text is None and html is None:
        return Quarantine(source.path, source.sha256, "read", "record has no text or html", n)
    return RawDoc(source=_with_hints(source, hints), text=text, html=html, record=n, hints=hints)


def _first_str(obj: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    # JSON \\u escapes bypass decode(), so strings are normalised again here.
    for k in keys:
        v = obj.get(k)
        if isinstance(v, str) and v.strip():
            return normalize_text(v)
    return None


def _lines(
    f: BinaryIO, start: int, end: int | None, limit: int, hasher: Any = None
) -> Iterator[tuple[int, int, bytes | None]]:
    """(offset, length, line) for each line of ``f`` that starts in [start, end).

    ``line`` is b"" for a blank line (only whitespace, however long) and None for one over
    ``limit`` bytes: readline(limit + 1) never holds more than that, the rest is skipped.
    Reading and planning both cut lines here, so they always agree on record numbers.
    """
    f.seek(start)
    pos = start
    while end is None or pos < end:
        line = f.readline(limit + 1)
        if not line:
            return
        if hasher is not None:
            hasher.update(line)
        offset = pos
        pos += len(line)
        if len(line) <= limit or line.endswith(b"\n"):
            yield offset, len(line), line if line.strip() else b""
            continue
        blank = not line.strip()
        while not line.endswith(b"\n") and (line := f.readline(1 << 20)):
            if hasher is not None:
                hasher.update(line)
            pos += len(line)
            blank = blank and not line.strip()
        yield offset, pos - offset, b"" if blank else None


def _read_jsonl(
    f: BinaryIO, span: Span, source: SourceInfo, hints: dict[str, Any], limit: int
) -> Generator[RawDoc | Quarantine, None, None]:
    n = span.first_record - 1
    for _, _, line in _lines(f, span.start, span.end, limit):
        n += 1
        if line == b"":
            continue
        if line is None:
            reason = f"record too large (line over {limit} bytes)"
            yield Quarantine(source.path, source.sha256, "read", reason, n)
            continue
        try:
            obj = json.loads(decode(line))
        except (DecodeError, ValueError) as e:
            yield Quarantine(source.path, source.sha256, "read", f"invalid JSON line: {e}", n)
            continue
        except Exception as e:  # RecursionError from deep nesting, MemoryError...
            reason = f"invalid JSON line: {type(e).__name__}: {e}"
            yield Quarantine(source.path, source.sha256, "read", reason, n)
            continue
        yield _record(obj, n, source, hints)


def _read_json(
    raw: bytes, source: SourceInfo, hints: dict[str, Any]
) -> Generator[RawDoc | Quarantine, None, None]:
    try:
        data = json.loads(decode(raw))
    except (DecodeError, ValueError) as e:
        yield Quarantine(source.path, source.sha256, "read", f"invalid JSON: {e}")
        return
    except Exception as e:  # RecursionError from deep nesting, MemoryError...
        yield Quarantine(source.path, source.sha256, "read", f"invalid JSON: {_why(e)}")
        return
    if isinstance(data, list):
        for n, obj in enumerate(data, start=1):
            yield _record(obj, n, source, hints)
    else:
        yield _record(data, None, source, hints)


def _why(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


class SpanPlan(Iterator[tuple[Span, int]]):
    """What :func:`plan_spans` returns: iterate it for (span, records); once it is exhausted,
    ``sha256`` and ``size`` describe the bytes it read (``sha256`` None: not read, see read())."""

    def __init__(self, spans: Iterator[tuple[Span, int]]) -> None:
        self._spans = spans
        self.sha256: str | None = None
        self.size = 0
        self.done = False

    def __next__(self) -> tuple[Span, int]:
        return next(self._spans)


def plan_spans(
    root: Path, ref: FileRef | str, settings: Settings, *, max_docs: int, max_chars: int
) -> SpanPlan:
    """Cut a .jsonl into spans of at most ``max_docs`` records and about ``max_chars`` bytes.

    One streaming pass (memory bounded whatever the line lengths), which also hashes the file:
    pass ``plan.sha256`` to read() with each span. Spans are contiguous and cover the file;
    each starts at a record (blank lines join the span before them), a line longer than
    ``max_chars`` makes its own span, and ``records`` counts exactly the items read() yields
    for the span. A file without records, or that cannot be read (not a regular file, outside
    the raw roots...) or is not a .jsonl, is one span over the whole file: read() then says why.
    """
    if max_docs < 1 or max_chars < 1:
        raise ValueError("max_docs and max_chars must be at least 1")
    plan = SpanPlan(iter(()))
    plan._spans = _plan(plan, root, ref, settings, max_docs, max_chars)
    return plan


def _plan(
    plan: SpanPlan,
    root: Path,
    ref: FileRef | str,
    settings: Settings,
    max_docs: int,
    max_chars: int,
) -> Iterator[tuple[Span, int]]:
    rel = ref.rel_path if isinstance(ref, FileRef) else ref
    whole = (Span(0, ref.size if isinstance(ref, FileRef) else 0, 1), 1)
    if PurePosixPath(rel).suffix.lower() != ".jsonl" or _undecodable_name(root, rel):
        plan.done = True
        yield whole
        return
    try:
        f, _ = _open_regular(root / rel, _boundary(root, settings))
    except (_Refused, OSError):
        plan.done = True
        yield whole
        return
    h = hashlib.sha256()
    start = count = size = 0
    first = lineno = 1
    with f:
        for offset, length, line in _lines(f, 0, None, 1 << 20, h):
            if line != b"":
                if count and (count >= max_docs or size + length > max_chars):
                    yield Span(start, offset, first), count
                    start, first, count, size = offset, lineno, 0, 0
                count += 1
            size += length
            lineno += 1
        end = f.tell()
    plan.sha256, plan.size, plan.done = h.hexdigest(), end, True
    yield Span(start, end, first), count


def sidecar_hints(path: Path, root: Path, settings: Settings) -> dict[str, Any]:
    """Fields for one file from its folder's manifest and its own sidecar (the sidecar wins).

    A broken sidecar or manifest does not stop the document: ``_sidecar_error`` says why.
    They are opened as the documents are: regular files inside the raw roots, bounded reads.
    """
    roots = _boundary(root, settings)
    limit = settings.input.max_file_bytes
    entries, error = _manifest(path.parent, roots, limit)
    # Keyed by name in the folder, or by path under the raw root (scrapers write either).
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.name
    hints: dict[str, Any] = dict(entries.get(path.name) or entries.get(rel) or {})
    if error:  # a broken manifest line may have been this file's
        _note(hints, error)
    for sidecar in (path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json")):
        if not os.path.lexists(sidecar):
            continue
        name = readable_path(sidecar.name)
        try:
            f, _ = _open_regular(sidecar, roots)
            with f:
                data = f.read(limit + 1)
            if len(data) > limit:
                raise ValueError(f"over {limit} bytes")
            fields, refused = _fold(json.loads(decode(data)))
        except (DecodeError, ValueError, OSError, _Refused) as e:
            _note(hints, f"{name}: {e}")
        except Exception as e:  # RecursionError from deep nesting, MemoryError...
            _note(hints, f"{name}: {_why(e)}")
        else:
            hints.update(fields)
            if refused:
                _note(hints, f"{name}: {refused}")
        break
    return hints


def metadata_fingerprint(hints: dict[str, Any]) -> str | None:
    """A hash of the fields a file's sidecar and manifest give it (None when they give none).

    Stored on its documents, it lets an incremental run see an edited sidecar or manifest row
    without reading the file; rows added for other files leave it as it is.
    """
    fields = {k: v for k, v in hints.items() if not k.startswith("_")}
    if not fields:
        return None
    blob = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _fold(obj: Any) -> tuple[dict[str, str], str | None]:
    """The fields the pipeline knows, as clean strings; and why any known field was refused."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    fields: dict[str, str] = {}
    refused = []
    for k, v in obj.items():
        if k not in HINT_KEYS or v is None:
            continue
        if isinstance(v, dict) and isinstance(v.get("name"), str):
            v = v["name"]  # news APIs give {"id": ..., "name": "BBC News"} as the source
        if not isinstance(v, str):
            # A number or list as a title or URL would become a bogus title or document id.
            refused.append(f"{k} is not a string")
            continue
        if v := normalize_text(v).strip():
            if HINT_KEYS[k] == "published_at" and parse_date(v) is None:
                # Dropped, not silently ignored later: the warning names the value.
                shown = v if len(v) <= 60 else v[:60] + "..."
                refused.append(f"{k} {shown!r} is not a date")
                continue
            fields[HINT_KEYS[k]] = v
    return fields, "; ".join(refused) or None


def metadata_warning(raw: RawDoc) -> str | None:
    """Why some of a document's sidecar or manifest metadata was ignored, if it was."""
    reason = raw.hints.get("_sidecar_error")
    return str(reason) if reason else None


def _note(hints: dict[str, Any], reason: str) -> None:
    """Add why some metadata was ignored (the document itself still loads)."""
    hints["_sidecar_error"] = "; ".join(filter(None, (hints.get("_sidecar_error"), reason)))


Manifest = tuple[dict[str, dict[str, Any]], str | None]


def _manifest(folder: Path, roots: tuple[str, ...], limit: int) -> Manifest:
    """A folder's manifests (name -> fields), parsed once while they stay unchanged."""
    stamps = []
    refused = []
    for name in ("manifest.csv", "manifest.jsonl"):
        path = folder / name
        try:
            st = path.stat()
            if not _inside(os.path.realpath(path), roots):
                raise _Refused("symlink points outside the raw roots")
            if not stat.S_ISREG(st.st_mode):
                raise _Refused("not a regular file")  # a FIFO would block the run forever
            stamps.append((name, st.st_mtime_ns, st.st_size))
        except _Refused as e:
            refused.append(f"{name}: {e}")
        except OSError:
            continue
    if not stamps:
        return {}, "; ".join(refused) or None
    # Keyed on the files' mtime and size so a long-lived worker never serves a stale manifest.
    entries, error = _parse_manifests(str(folder), tuple(stamps), roots, limit)
    return entries, "; ".join(filter(None, (*refused, error))) or None


@lru_cache(maxsize=64)
def _parse_manifests(
    folder: str, stamps: tuple[tuple[str, int, int], ...], roots: tuple[str, ...], limit: int
) -> Manifest:
    entries: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for name, _, _ in stamps:  # csv first, so manifest.jsonl wins when both exist
        try:
            for row in _manifest_rows(Path(folder, name), roots, limit, errors):
                key = row.get("path") or row.get("file") if isinstance(row, dict) else None
                if not key:
                    errors.append(f"{name}: row without path/file")
                    continue
                # Keys are relative to the manifest's folder; tolerate "./a.html".
                entry = entries.setdefault(
                    PurePosixPath(str(key)).as_posix().removeprefix("./"), {}
                )
                fields, refused = _fold(row)
                entry.update(fields)
                if refused:  # only this file's metadata is affected
                    _note(entry, f"{name}: {refused}")
        except (OSError, ValueError, csv.Error, _Refused) as e:
            errors.append(f"{name}: {e}")
        except Exception as e:  # a broken manifest is a warning, whatever broke in it
            errors.append(f"{name}: {_why(e)}")
    return entries, "; ".join(errors) or None


def _manifest_rows(
    path: Path, roots: tuple[str, ...], limit: int, errors: list[str]
) -> Iterator[Any]:
    """Rows of a manifest; a broken JSON line costs only that line (noted in ``errors``)."""
    f, _ = _open_regular(path, roots)
    # utf-8-sig: spreadsheets often save CSV with a BOM.
    with io.TextIOWrapper(f, encoding="utf-8-sig", newline="") as text:
        lines = _bounded_lines(text, limit)
        if path.name.endswith(".csv"):
            yield from csv.DictReader(lines)
            return
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except (ValueError, RecursionError) as e:
                errors.append(f"{path.name} line {n}: {e}")


def _bounded_lines(f: io.TextIOWrapper, limit: int) -> Iterator[str]:
    # A manifest is metadata: one line longer than a whole document is not worth holding.
    while line := f.readline(limit + 1):
        if len(line) > limit and not line.endswith("\n"):
            raise ValueError(f"a line over {limit} characters")
        yield line
