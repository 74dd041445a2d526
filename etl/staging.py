"""Staged batches: small files between the pipeline's stages, on any filesystem.

A location is a plain string: a local path, ``file://...``, or any fsspec URL (``s3://...``,
``gs://...``), which is what Airflow's ObjectStoragePath gives the DAG. Documents never travel
through memory or XCom between stages, only these locations do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import fsspec


def join(base: str, *parts: str) -> str:
    """``base/part/...`` for paths and URLs alike."""
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def _fs(location: str) -> tuple[Any, str]:
    fs, path = fsspec.core.url_to_fs(location)
    return fs, path


def makedirs(location: str) -> None:
    """Create a folder (no-op on object stores, where folders are implicit)."""
    fs, path = _fs(location)
    fs.makedirs(path, exist_ok=True)


def open_text(location: str, mode: str = "r") -> IO[str]:
    """Open a staged file as UTF-8 text; parents are created for writing."""
    fs, path = _fs(location)
    if "w" in mode or "a" in mode:
        fs.makedirs(fs._parent(path), exist_ok=True)
    return fs.open(path, mode, encoding="utf-8")


def open_read(location: str) -> IO[str]:
    """Open a staged file for reading (UTF-8 text)."""
    return open_text(location, "r")


def open_write(location: str) -> IO[str]:
    """Open a staged file for writing (UTF-8 text), creating its folder."""
    return open_text(location, "w")


def exists(location: str) -> bool:
    fs, path = _fs(location)
    return bool(fs.exists(path))


def write_json(location: str, obj: Any) -> None:
    with open_text(location, "w") as f:
        json.dump(obj, f, ensure_ascii=False, default=str)


def read_json(location: str) -> Any:
    with open_text(location) as f:
        return json.load(f)


def write_line(f: IO[str], row: dict[str, Any]) -> None:
    """One JSON-lines row to an open file."""
    f.write(json.dumps(row, ensure_ascii=False, default=str))
    f.write("\n")


def write_jsonl(location: str, rows: Iterable[dict[str, Any]]) -> int:
    """Stream rows to a JSON-lines file; returns how many were written."""
    n = 0
    with open_text(location, "w") as f:
        for row in rows:
            write_line(f, row)
            n += 1
    return n


def read_jsonl(location: str) -> Iterator[dict[str, Any]]:
    """Stream rows back, one line at a time."""
    with open_text(location) as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def list_files(location: str, suffix: str = "") -> list[str]:
    """Files directly under a folder, sorted, as locations of the same kind as ``location``."""
    fs, path = _fs(location)
    if not fs.exists(path):
        return []
    names = sorted(p for p in fs.ls(path, detail=False) if str(p).endswith(suffix))
    return [join(location, str(n).rsplit("/", 1)[-1]) for n in names]


def remove(location: str) -> None:
    """Delete a staged folder and everything in it (no-op if missing)."""
    fs, path = _fs(location)
    if fs.exists(path):
        fs.rm(path, recursive=True)
