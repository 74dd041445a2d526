"""Cutting a run's work into batches bounded by documents and by characters.

The unit of work is a :class:`WorkItem`: a whole file, or a byte range (span) of a large
JSON-lines file. Batches group small files and split large ones, so every batch is small
enough to retry on its own and mapped tasks (or worker processes) share even one big export.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class WorkItem:
    """One file, or one span of a JSON-lines file, with what it is expected to cost."""

    path: str  # relative to the input root, POSIX separators
    docs: int = 1  # documents expected: 1 per file, the record count of a span
    chars: int = 0  # bytes, as the proxy for characters (and NER time)
    # A JSON-lines span: bytes [start, end) whose first line is record ``first_record``.
    start: int | None = None
    end: int | None = None
    first_record: int | None = None
    sha256: str | None = None  # the whole file's, when discover hashed it while cutting spans
    # The file's size and mtime (ISO 8601) when it was planned: a read checks them, since the
    # offsets and the hash are only right for those very bytes.
    size: int | None = None
    modified_at: str | None = None
    # Re-read although unchanged, because this stage's fingerprint is stale (etl.fingerprints).
    redo: str | None = None

    @property
    def is_span(self) -> bool:
        return self.start is not None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any] | str) -> WorkItem:
        if isinstance(data, str):  # manifests written before spans: a bare path
            return cls(path=data)
        return cls(**data)


def cut(
    items: Iterable[T],
    *,
    max_docs: int,
    max_chars: float = math.inf,
    docs: Callable[[T], int] = lambda _: 1,
    chars: Callable[[T], int] = lambda _: 0,
) -> Iterator[list[T]]:
    """Group items in order into lists of at most ``max_docs`` documents and ``max_chars``.

    The one chunker of the pipeline: work items into batches, articles into NER batches,
    documents into bulk requests. A list closes before the item that would cross a limit; an
    item over a limit on its own (one huge file) makes a list by itself. Streams: holds one
    list at a time.
    """
    batch: list[T] = []
    n = size = 0
    for item in items:
        d, c = docs(item), chars(item)
        if batch and (n + d > max_docs or size + c > max_chars):
            yield batch
            batch, n, size = [], 0, 0
        batch.append(item)
        n += d
        size += c
        if n >= max_docs or size >= max_chars:  # full: hand it on without pulling one more
            yield batch
            batch, n, size = [], 0, 0
    if batch:
        yield batch


def cut_work(
    items: Iterable[WorkItem], *, max_docs: int, max_chars: int
) -> Iterator[list[WorkItem]]:
    """Work items into batches by their expected documents and characters."""
    return cut(
        items,
        max_docs=max_docs,
        max_chars=max_chars,
        docs=lambda i: i.docs,
        chars=lambda i: i.chars,
    )
