"""What the reader tests share: writing raw files, taking the one item read, spying on reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from etl import readers
from etl.records import Quarantine, RawDoc

Item = RawDoc | Quarantine


def write(root: Path, rel: str, data: bytes | str) -> Path:
    """A raw file under ``root`` (parents created), as bytes or UTF-8 text."""
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return p


def only(items: list[Item]) -> Item:
    """The single item of ``items``."""
    assert len(items) == 1, items
    return items[0]


def spy_reads(monkeypatch: pytest.MonkeyPatch, *, bounded_lines: bool = False) -> list[int]:
    """Bytes returned by every read of a raw file the readers open (``bounded_lines``: also
    fail on a ``readline`` without a limit)."""
    reads: list[int] = []
    real = readers._open_regular

    class Spy:
        def __init__(self, f: Any) -> None:
            self._f = f

        def __getattr__(self, name: str) -> Any:
            return getattr(self._f, name)

        def __enter__(self) -> Spy:
            return self

        def __exit__(self, *exc: object) -> None:
            self._f.close()

        def read(self, n: int = -1) -> bytes:
            data = self._f.read(n)
            reads.append(len(data))
            return data

        def readline(self, n: int = -1) -> bytes:
            assert not bounded_lines or n > 0  # always bounded
            data = self._f.readline(n)
            reads.append(len(data))
            return data

    def spy(*args: Any) -> Any:
        f, st = real(*args)
        return Spy(f), st

    monkeypatch.setattr(readers, "_open_regular", spy)
    return reads
