"""Staged batches: small files between the pipeline's stages, on any filesystem.

A location is a plain string: a local path, ``file://...``, or any fsspec URL (``s3://...``,
``gs://...``), which is what Airflow's ObjectStoragePath gives the DAG. Documents never travel
through memory or XCom between stages, only these locations do. :class:`StagingLayout` is the
one place that knows where each staged file of a run lives:

    STAGING/discover.json                   what discover found (files, batches, documents)
    STAGING/batches/batch-00000.json        manifest: the batch's work items (files, spans)
    STAGING/staged/batch-00000.jsonl        {"kind": "doc", ...} or {"kind": "quarantine", ...}
    STAGING/staged/batch-00000.stats.json   counts, entity models, seconds per stage
    STAGING/quarantine/batch-00000.{process,load}.jsonl
    STAGING/warnings/batch-00000.jsonl      documents that loaded without some metadata
    STAGING/produced/batch-00000.jsonl      ids loaded from files split over several batches
    STAGING/failure.json                    the first failed task and its error (DAG runs)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

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


def remove(location: str) -> None:
    """Delete a staged folder and everything in it (no-op if missing)."""
    fs, path = _fs(location)
    if fs.exists(path):
        fs.rm(path, recursive=True)


Step = Literal["process", "load"]
REPROCESS = "redo-"  # name prefix of the batches of stored documents to re-derive


@dataclass(frozen=True)
class StagingLayout:
    """Where each staged file of one run lives, under the run's staging ``root``."""

    root: str

    @staticmethod
    def batch_name(location: str) -> str:
        """``.../batch-00003.json`` or ``.../batch-00003.jsonl`` -> ``batch-00003``."""
        return location.rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0]

    def discover_summary(self) -> str:
        return join(self.root, "discover.json")

    def failure(self) -> str:
        """Why a task of the run failed (the DAG's close_run reports it)."""
        return join(self.root, "failure.json")

    def manifest(self, n: int) -> str:
        """The manifest of batch ``n`` (0-based)."""
        return self.manifest_of(f"batch-{n:05d}")

    def reprocess_manifest(self, n: int) -> str:
        """Batch ``n`` of stored documents to re-derive (their ``_source``, JSON lines)."""
        return join(self.root, "batches", f"{REPROCESS}{n:05d}.jsonl")

    @staticmethod
    def is_reprocess(name: str) -> bool:
        """Whether the batch called ``name`` re-derives stored documents (no raw files)."""
        return name.startswith(REPROCESS)

    def manifest_of(self, name: str) -> str:
        """The manifest of the batch called ``name`` (``batch-00003``)."""
        return join(self.root, "batches", f"{name}.json")

    def produced(self, name: str) -> str:
        """Ids a batch loaded for files split over several batches (their stale sweep)."""
        return join(self.root, "produced", f"{name}.jsonl")

    def staged(self, name: str) -> str:
        return join(self.root, "staged", f"{name}.jsonl")

    def stats(self, name: str) -> str:
        return join(self.root, "staged", f"{name}.stats.json")

    def quarantine(self, name: str, step: Step) -> str:
        """Quarantine rows of one batch and step, one file each, so a retried task rewrites its
        own file and parallel tasks never share one."""
        return join(self.root, "quarantine", f"{name}.{step}.jsonl")

    def warnings(self, name: str) -> str:
        """Warning rows of one batch: documents that loaded but lost some metadata on the way."""
        return join(self.root, "warnings", f"{name}.jsonl")
