"""Processing a run's batches on every core: N worker processes feeding one loader.

Each worker process loads the spaCy model once and processes whole batches (read, clean,
metadata, entities) into staged files; the calling process loads them in batch order, so the
documents, ids and entity values are the same for any number of workers. The standard
library's process pool does the scheduling; spawned workers share nothing but the staging area.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from etl.batch import DocsDone, process_batch
from etl.context import RunContext
from etl.errors import PipelineError, UsageError
from etl.settings import Settings

# Set in each worker process by _init: where it reports finished documents.
_progress: Any = None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_workers(n: int) -> int:
    """``n`` when it is a usable number of worker processes, else a UsageError."""
    if n < 1:
        raise UsageError(f"--workers must be at least 1, not {n}")
    return n


def _init(progress: Any) -> None:
    global _progress
    _progress = progress


def _report(n: int) -> None:
    _progress.put(n)


def _work(ctx: RunContext, batch_uri: str, settings: Settings) -> str:
    return process_batch(ctx, batch_uri, settings, _report)


def process_all(
    ctx: RunContext,
    batches: list[str],
    settings: Settings,
    *,
    workers: int,
    done: DocsDone | None = None,
) -> Iterator[str]:
    """The staged location of each batch, in batch order, processed by ``workers`` processes.

    One worker runs in this very process (no pool to start, a traceback where it happened).
    A worker that dies (killed, out of memory) stops the run with one clear line.
    """
    if workers == 1 or len(batches) <= 1:
        for b in batches:
            yield process_batch(ctx, b, settings, done)
        return
    # Fresh worker processes every round: a worker's heap grows with the work it has done, so
    # bounding that work bounds its peak whatever the run's size. (Python 3.11's
    # max_tasks_per_child deadlocks with a queued backlog, cpython gh-115634.)
    per_round = workers * max(1, settings.batches.worker_max_batches)
    for start in range(0, len(batches), per_round):
        yield from _pooled(ctx, batches[start : start + per_round], settings, workers, done)


def _pooled(
    ctx: RunContext,
    batches: list[str],
    settings: Settings,
    workers: int,
    done: DocsDone | None,
) -> Iterator[str]:
    """One round of :func:`process_all` on a fresh pool of ``workers`` processes."""
    spawn = mp.get_context("spawn")  # a fork would copy this process's clients and threads
    with _relayed(spawn, done) as progress:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(batches)),
            mp_context=spawn,
            initializer=_init,
            initargs=(progress,),
        )
        try:
            futures = [pool.submit(_work, ctx, b, settings) for b in batches]
            for b, f in zip(batches, futures, strict=True):
                yield _result(b, f)
        except BaseException:
            _stop_now(pool)
            raise
        else:
            pool.shutdown(wait=True)


def _result(batch: str, future: Future[str]) -> str:
    """A batch's staged location; a dead worker as one clear line."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise PipelineError(
            f"a worker process died while processing {batch.rsplit('/', 1)[-1]} (killed, "
            "or out of memory?); a full run publishes nothing, and the next "
            "incremental run completes what is missing"
        ) from None


def _stop_now(pool: ProcessPoolExecutor) -> None:
    # Failed or interrupted: do not wait minutes for batches nobody will load. Python 3.11's
    # pool has no public way to stop running workers (terminate_workers came in 3.14).
    for proc in list(getattr(pool, "_processes", {}).values()):
        proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


@contextlib.contextmanager
def _relayed(spawn: Any, done: Callable[[int], None] | None) -> Iterator[Any]:
    """A queue for the workers' finished-document counts, relayed to ``done`` meanwhile."""
    progress = spawn.Queue()
    stop = threading.Event()
    relay = threading.Thread(target=_relay, args=(progress, done, stop), daemon=True)
    relay.start()
    try:
        yield progress
    finally:
        stop.set()
        relay.join(timeout=5)


def _relay(progress: Any, done: Callable[[int], None] | None, stop: threading.Event) -> None:
    """Forward the workers' finished-document counts to ``done`` in this process."""
    while True:
        try:
            n = progress.get(timeout=0.2)
        except queue.Empty:
            if stop.is_set():  # stopped and drained
                return
            continue
        except (EOFError, OSError, ValueError):  # the queue went away with the pool
            return
        if done:
            done(n)
