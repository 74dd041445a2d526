"""Progress in documents: a live bar on a terminal, a plain line every few seconds elsewhere.

Airflow task logs and CI get lines such as ``1,234/10,000 documents, 5.8 docs/s, ETA 25 min``;
a terminal gets rich's progress bar with the same figures.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import IO, Any

# Seconds between plain progress lines.
INTERVAL = 5.0


def _eta(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def progress_line(done: int, total: int | None, elapsed: float) -> str:
    """``done/total documents, rate docs/s, ETA ...`` (no total, no ETA)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    head = f"{done:,}/{total:,} documents" if total else f"{done:,} documents"
    out = f"{head}, {rate:.1f} docs/s"
    if total and rate > 0 and done < total:
        out += f", ETA {_eta((total - done) / rate)}"
    return out


class LineProgress:
    """Counts documents and emits a plain line at most every ``interval`` seconds, and at the
    end. Thread-safe: worker processes report through a relay thread."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.total: int | None = None
        self.done = 0
        self.interval = interval
        self._started = time.monotonic()
        self._last = self._started
        self._lock = threading.Lock()

    def expect(self, documents: int) -> None:
        self.total = documents

    def advance(self, documents: int) -> None:
        with self._lock:
            self.done += documents
            now = time.monotonic()
            if now - self._last < self.interval:
                return
            self._last = now
        self.emit(self.line())

    def line(self) -> str:
        return progress_line(self.done, self.total, time.monotonic() - self._started)

    def emit(self, line: str) -> None:
        raise NotImplementedError

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.done:
            self.emit(self.line())


class StreamProgress(LineProgress):
    """Plain lines on a stream (the CLI when not on a terminal)."""

    def __init__(self, stream: IO[str], interval: float = INTERVAL) -> None:
        super().__init__(interval)
        self.stream = stream

    def emit(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


class LogProgress(LineProgress):
    """Plain lines in a log (Airflow task logs)."""

    def __init__(self, log: logging.Logger, interval: float = INTERVAL) -> None:
        super().__init__(interval)
        self.log = log

    def emit(self, line: str) -> None:
        self.log.info("%s", line)


class BarProgress:
    """rich's live bar in documents, with docs/s and the time left."""

    def __init__(self, stream: IO[str]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("documents"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self._task = self._bar.add_task("documents", total=None, rate="")
        self._started = time.monotonic()
        self._done = 0

    def expect(self, documents: int) -> None:
        self._bar.update(self._task, total=documents or None)

    def advance(self, documents: int) -> None:
        self._done += documents
        rate = self._done / max(time.monotonic() - self._started, 1e-9)
        self._bar.update(self._task, advance=documents, rate=f"{rate:.1f} docs/s")

    def __enter__(self) -> BarProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def for_stream(stream: IO[str] = sys.stderr) -> Any:
    """A bar on a terminal, plain lines otherwise."""
    return BarProgress(stream) if stream.isatty() else StreamProgress(stream)
