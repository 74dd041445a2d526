"""Readers: find raw files and turn each into RawDoc records (or quarantine records).

Streaming: the raw root is walked lazily, one file is read at a time, and a JSON-lines file is
read line by line. Sidecars (``NAME.meta.json``) and manifests (``manifest.jsonl`` /
``manifest.csv``) are how scrapers hand over what they know; their fields override inferred
ones. Raw files are only ever opened for reading.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from etl.encoding import DecodeError, decode
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
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        subdirs = []
        for e in entries:
            if e.name.startswith("."):
                continue
            if e.is_dir(follow_symlinks=False):
                subdirs.append(Path(e.path))
            elif e.is_file() and not is_metadata_file(e.name):
                st = e.stat()
                mtime = datetime.fromtimestamp(st.st_mtime, tz=UTC)
                if since is not None and mtime < since:
                    continue
                rel = Path(e.path).relative_to(root).as_posix()
                yield FileRef(rel_path=rel, size=st.st_size, modified_at=mtime)
        stack.extend(reversed(subdirs))


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
    fmt = FORMATS.get(path.suffix.lower())
    try:
        st = path.stat()
        sha = _sha256(path)
    except OSError as e:
        yield Quarantine(rel, None, "read", f"cannot read file: {e.strerror or e}")
        return
    if fmt is None or path.suffix.lower() not in settings.input.extensions:
        yield Quarantine(rel, sha, "read", f"unsupported file type {path.suffix or '(none)'!r}")
        return
    if st.st_size == 0:
        yield Quarantine(rel, sha, "read", "empty file")
        return
    if st.st_size > settings.input.max_file_bytes:
        yield Quarantine(
            rel,
            sha,
            "read",
            f"file too large ({st.st_size} bytes > {settings.input.max_file_bytes})",
        )
        return
    source = SourceInfo(
        path=rel,
        sha256=sha,
        format=fmt,
        size=st.st_size,
        modified_at=datetime.fromtimestamp(st.st_mtime, tz=UTC),
    )
    hints = sidecar_hints(path, root)
    if path.suffix.lower() == ".jsonl":
        yield from _read_jsonl(path, source, hints)
    elif fmt == "json":
        yield from _read_json(path, source, hints)
    else:
        try:
            text = decode(path.read_bytes(), is_html=fmt == "html")
        except DecodeError as e:
            yield Quarantine(rel, sha, "read", str(e))
            return
        except OSError as e:
            yield Quarantine(rel, sha, "read", f"cannot read file: {e.strerror or e}")
            return
        doc = RawDoc(source=_with_hints(source, hints), hints=hints)
        yield replace(doc, html=text) if fmt == "html" else replace(doc, text=text)


def _sha256(path: Path) -> str:
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
    hints = {HINT_KEYS[k]: v for k, v in obj.items() if k in HINT_KEYS and v not in (None, "")}
    hints.update(file_hints)  # the sidecar/manifest wins over the record
    text = next((obj[k] for k in TEXT_KEYS if isinstance(obj.get(k), str) and obj[k].strip()), None)
    html = next((obj[k] for k in HTML_KEYS if isinstance(obj.get(k), str) and obj[k].strip()), None)
    if text is None and html is None:
        return Quarantine(source.path, source.sha256, "read", "record has no text or html", n)
    return RawDoc(source=_with_hints(source, hints), text=text, html=html, record=n, hints=hints)


def _read_jsonl(
    path: Path, source: SourceInfo, hints: dict[str, Any]
) -> Iterator[RawDoc | Quarantine]:
    with path.open("rb") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(decode(line))
            except (DecodeError, ValueError) as e:
                yield Quarantine(source.path, source.sha256, "read", f"invalid JSON line: {e}", n)
                continue
            yield _record(obj, n, source, hints)


def _read_json(
    path: Path, source: SourceInfo, hints: dict[str, Any]
) -> Iterator[RawDoc | Quarantine]:
    try:
        data = json.loads(decode(path.read_bytes()))
    except (DecodeError, ValueError) as e:
        yield Quarantine(source.path, source.sha256, "read", f"invalid JSON: {e}")
        return
    if isinstance(data, list):
        for n, obj in enumerate(data, start=1):
            yield _record(obj, n, source, hints)
    else:
        yield _record(data, None, source, hints)


def sidecar_hints(path: Path, root: Path) -> dict[str, Any]:
    """Fields for one file from its folder's manifest and its own sidecar (the sidecar wins)."""
    hints: dict[str, Any] = {}
    manifest = _manifest(str(path.parent))
    for key in (path.name, path.relative_to(root).as_posix()):
        if key in manifest:
            hints.update(manifest[key])
    for sidecar in (path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json")):
        if sidecar.is_file():
            try:
                obj = json.loads(decode(sidecar.read_bytes()))
                hints.update(_fold(obj))
            except (DecodeError, ValueError) as e:
                hints["_sidecar_error"] = f"{sidecar.name}: {e}"
            break
    return hints


def _fold(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    return {HINT_KEYS[k]: v for k, v in obj.items() if k in HINT_KEYS and v not in (None, "")}


@lru_cache(maxsize=64)
def _manifest(folder: str) -> dict[str, dict[str, Any]]:
    """A folder's manifest, parsed once per process (keyed by file name or relative path)."""
    entries: dict[str, dict[str, Any]] = {}
    jl, cs = Path(folder, "manifest.jsonl"), Path(folder, "manifest.csv")
    rows: list[dict[str, Any]] = []
    try:
        if jl.is_file():
            with jl.open(encoding="utf-8") as f:
                rows = [json.loads(line) for line in f if line.strip()]
        elif cs.is_file():
            with cs.open(encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
    except (OSError, ValueError):
        return {}
    for row in rows:
        if isinstance(row, dict):
            key = row.get("path") or row.get("file")
            if key:
                entries[str(key)] = _fold(row)
    return entries
