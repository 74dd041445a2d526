"""Readers: find raw files and turn each into RawDoc records (or quarantine records).

Streaming: the raw root is walked lazily, one file is read at a time, and a JSON-lines file is
read line by line. Sidecars (``NAME.meta.json``) and manifests (``manifest.jsonl`` /
``manifest.csv``) are how scrapers hand over what they know; their fields override inferred
ones. Raw files are only ever opened for reading.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from etl.encoding import DecodeError, decode, normalize_text
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

    rel_path: str
    size: int
    modified_at: datetime
    meta_sha256: str | None = None  # see metadata_fingerprint


def is_metadata_file(name: str) -> bool:
    """Sidecars and manifests describe documents; they are not documents themselves."""
    return name.endswith(".meta.json") or name in MANIFESTS


def discover(root: Path, settings: Settings, since: datetime | None = None) -> Iterator[FileRef]:
    """Every file under ``root`` in a stable order (hidden files skipped), lazily.

    Files of unsupported kinds are yielded too, so that reading quarantines them with a reason.
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
                    hints = sidecar_hints(Path(e.path), root)
                    yield replace(ref, meta_sha256=metadata_fingerprint(hints))
        stack.extend(reversed(subdirs))


def _ref(root: Path, path: Path, entry: os.DirEntry[str] | None) -> FileRef:
    try:
        st = entry.stat() if entry is not None else path.stat()
    except OSError:
        st = path.lstat()
    mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
    return FileRef(rel_path=path.relative_to(root).as_posix(), size=st.st_size, modified_at=mtime)


def read_all(
    root: Path, settings: Settings, since: datetime | None = None
) -> Iterator[RawDoc | Quarantine]:
    """Discover and read everything under ``root``."""
    for ref in discover(root, settings, since):
        yield from read(root, ref, settings)


def read(root: Path, ref: FileRef | str, settings: Settings) -> Iterator[RawDoc | Quarantine]:
    """The documents in one file, or a quarantine record saying why there are none."""
    rel = ref.rel_path if isinstance(ref, FileRef) else ref
    path = root / rel
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    data: bytes | None = None
    try:
        st = path.stat()
        if (
            fmt is not None
            and suffix != ".jsonl"
            and 0 < st.st_size <= settings.input.max_file_bytes
        ):
            # Read once and hash those very bytes: the hash always matches what was decoded.
            data = path.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
        else:
            sha = _sha256(path)
    except OSError as e:
        yield Quarantine(rel, None, "read", f"cannot read file: {e.strerror or e}")
        return
    if fmt is None or suffix not in settings.input.extensions:
        yield Quarantine(rel, sha, "read", f"unsupported file type {path.suffix or '(none)'!r}")
        return
    if st.st_size == 0:
        yield Quarantine(rel, sha, "read", "empty file")
        return
    # A .jsonl is streamed, so its size is no risk: there the limit holds per line (record).
    if st.st_size > settings.input.max_file_bytes and suffix != ".jsonl":
        limit = settings.input.max_file_bytes
        yield Quarantine(rel, sha, "read", f"file too large ({st.st_size} bytes > {limit})")
        return
    source = SourceInfo(
        path=rel,
        sha256=sha,
        format=fmt,
        size=st.st_size,
        modified_at=datetime.fromtimestamp(st.st_mtime, tz=UTC),
    )
    hints = sidecar_hints(path, root)
    source = replace(source, meta_sha256=metadata_fingerprint(hints))
    if data is None or fmt == "json":
        records = (
            _read_jsonl(path, source, hints, settings.input.max_file_bytes)
            if data is None
            else _read_json(data, source, hints)
        )
        empty = True
        with contextlib.closing(records):  # closing this generator closes the file at once
            for item in records:
                empty = False
                yield item
        if empty:  # "[]" or only blank lines: say so rather than yield nothing at all
            yield Quarantine(rel, sha, "read", "no records in the file")
    else:
        try:
            text = decode(data, is_html=fmt == "html")
        except DecodeError as e:
            yield Quarantine(rel, sha, "read", str(e))
            return
        if not text.strip():
            yield Quarantine(rel, sha, "read", "empty file (only whitespace)")
            return
        doc = RawDoc(source=_with_hints(source, hints), hints=hints)
        yield replace(doc, html=text) if fmt == "html" else replace(doc, text=text)


def _sha256(path: Path) -> str:
    """Hash a file in blocks, so size never matters."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _with_hints(source: SourceInfo, hints: dict[str, Any]) -> SourceInfo:
    return replace(
        source,
        url=str(hints["url"]) if hints.get("url") else source.url,
        name=str(hints["source"]) if hints.get("source") else source.name,
    )


def _record(
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


def _read_jsonl(
    path: Path, source: SourceInfo, hints: dict[str, Any], limit: int
) -> Generator[RawDoc | Quarantine, None, None]:
    with path.open("rb") as f:
        n = 0
        # readline(limit + 1): an oversized line is never held whole, only skipped.
        while line := f.readline(limit + 1):
            n += 1
            if len(line) > limit and not line.endswith(b"\n"):
                while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                reason = f"record too large (line over {limit} bytes)"
                yield Quarantine(source.path, source.sha256, "read", reason, n)
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(decode(line))
            except (DecodeError, ValueError) as e:
                yield Quarantine(source.path, source.sha256, "read", f"invalid JSON line: {e}", n)
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
    if isinstance(data, list):
        for n, obj in enumerate(data, start=1):
            yield _record(obj, n, source, hints)
    else:
        yield _record(data, None, source, hints)


def sidecar_hints(path: Path, root: Path) -> dict[str, Any]:
    """Fields for one file from its folder's manifest and its own sidecar (the sidecar wins).

    A broken sidecar or manifest does not stop the document: ``_sidecar_error`` says why.
    """
    entries, error = _manifest(path.parent)
    # Keyed by name in the folder, or by path under the raw root (scrapers write either).
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.name
    hints: dict[str, Any] = dict(entries.get(path.name) or entries.get(rel) or {})
    if error:  # a broken manifest line may have been this file's
        _note(hints, error)
    for sidecar in (path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json")):
        if sidecar.is_file():
            try:
                fields, refused = _fold(json.loads(decode(sidecar.read_bytes())))
            except (DecodeError, ValueError, OSError) as e:
                _note(hints, f"{sidecar.name}: {e}")
            else:
                hints.update(fields)
                if refused:
                    _note(hints, f"{sidecar.name}: {refused}")
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


def _manifest(folder: Path) -> Manifest:
    """A folder's manifests (name -> fields), parsed once while they stay unchanged."""
    stamps = []
    for name in ("manifest.csv", "manifest.jsonl"):
        try:
            st = (folder / name).stat()
            stamps.append((name, st.st_mtime_ns, st.st_size))
        except OSError:
            continue
    if not stamps:
        return {}, None
    # Keyed on the files' mtime and size so a long-lived worker never serves a stale manifest.
    return _parse_manifests(str(folder), tuple(stamps))


@lru_cache(maxsize=64)
def _parse_manifests(folder: str, stamps: tuple[tuple[str, int, int], ...]) -> Manifest:
    entries: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for name, _, _ in stamps:  # csv first, so manifest.jsonl wins when both exist
        try:
            for row in _manifest_rows(Path(folder, name), errors):
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
        except (OSError, ValueError, csv.Error) as e:
            errors.append(f"{name}: {e}")
    return entries, "; ".join(errors) or None


def _manifest_rows(path: Path, errors: list[str]) -> Iterator[Any]:
    """Rows of a manifest; a broken JSON line costs only that line (noted in ``errors``)."""
    # utf-8-sig: spreadsheets often save CSV with a BOM.
    with path.open(encoding="utf-8-sig", newline="") as f:
        if path.name.endswith(".csv"):
            yield from csv.DictReader(f)
            return
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError as e:
                errors.append(f"{path.name} line {n}: {e}")
