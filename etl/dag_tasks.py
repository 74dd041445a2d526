"""What each task of the ``news_etl`` DAG does, so the DAG file only wires tasks.

This is the one module of ``etl`` that talks to Airflow (its Connection and ObjectStoragePath),
and it imports Airflow lazily inside functions: the rest of the package never needs Airflow,
and the CLI (``python -m etl run``) calls the same :mod:`etl.pipeline` functions. The pipeline
is imported inside each task too: the DAG file imports this module, and parsing it must not pay
for the Elasticsearch client (over a second of CPU).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from etl.errors import NotOurs
from etl.naming import safe_run_id
from etl.settings import get_settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)


def es_client() -> Elasticsearch:
    """The client of the Airflow Connection ``elasticsearch_default``."""
    from etl.es import client_from_connection

    return client_from_connection(get_settings())


def staging_root(run_id: str) -> str:
    """Where this run stages its batches, as an ObjectStoragePath URI string.

    ``NEWS_ETL_STAGING`` (e.g. ``s3://bucket/news-staging`` or a shared volume) overrides the
    settings, so Celery workers on several machines can share the staged batches.
    """
    from airflow.sdk import ObjectStoragePath

    settings = get_settings()
    base = settings.env.staging or settings.airflow.staging
    if "://" not in base:
        base = "file://" + str(settings.path(base))
    root = ObjectStoragePath(base) / safe_run_id(run_id)
    root.mkdir(parents=True, exist_ok=True)
    return str(root)


def _since(value: Any) -> datetime | str | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return str(value)  # check_request parses it and refuses what is not a date


def start(params: dict[str, Any], run_id: str) -> dict[str, Any]:
    """Task ``start``: check the request, prepare the target index; return the run context.

    A refused request fails at once (retrying cannot fix it) and leaves a failed run record.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from etl import pipeline

    settings = get_settings()
    es = es_client()
    request = {
        "input_root": str(settings.path(params["input_path"])),
        "alias": params["index"],
        "mode": params["mode"],
        "dry_run": bool(params.get("dry_run")),
    }
    try:
        ctx = pipeline.start_run(
            es,
            since=_since(params.get("since")),
            staging=staging_root(run_id),
            settings=settings,
            run_id=safe_run_id(run_id),
            restrict_to_allowed_roots=True,  # whoever triggers the DAG chooses input_path
            **request,
        )
    except pipeline.UsageError as e:
        # A refused request has no terminal to show it, so it leaves a failed run record;
        # an alias that is not the pipeline's has no index of ours to hold one.
        if not isinstance(e, NotOurs):
            refused = pipeline.RunContext.refused(run_id=safe_run_id(run_id), **request)
            pipeline.record_failure(es, refused, e, settings)
        raise AirflowFailException(str(e)) from None
    return ctx.as_dict()


@contextmanager
def _task(ctx: dict[str, Any], name: str) -> Iterator[tuple[Any, Elasticsearch]]:
    """The run context and client of a task (the run's lease renewed with it), with why the
    task failed kept for ``close_run``."""
    from etl import pipeline

    run = pipeline.RunContext.from_dict(ctx)
    es = es_client()
    try:
        if not run.dry_run:
            pipeline.renew_lease(es, run, get_settings())
        yield run, es
    except BaseException as e:
        with suppress(Exception):  # the task's own error is the one to report
            pipeline.note_failure(run, name, e)
        raise


def discover(ctx: dict[str, Any], batch_size: int) -> list[str]:
    """Task ``discover``: manifests of batches of at most ``batch_size`` documents."""
    from etl import pipeline

    with _task(ctx, "discover") as (run, es):
        return pipeline.discover(run, get_settings(), max_docs=batch_size, es=es)


def plan_rederive(ctx: dict[str, Any], batch_size: int) -> list[str]:
    """Task ``plan_rederive``: batches of stored documents whose entities are stale, or whose
    person values a change of the merge map moves."""
    from etl import pipeline

    with _task(ctx, "plan_rederive") as (run, es):
        return pipeline.plan_rederive(es, run, get_settings(), max_docs=batch_size)


def process(ctx: dict[str, Any], batch_uri: str) -> str:
    """Task ``process`` (mapped): clean, metadata, entities for one batch."""
    from etl import pipeline
    from etl.progress import LogProgress

    with _task(ctx, "process") as (run, _), LogProgress(log) as progress:
        progress.expect(pipeline.batch_documents(batch_uri))
        return pipeline.process_batch(run, batch_uri, get_settings(), progress.advance)


def load(ctx: dict[str, Any], staged_uri: str) -> dict[str, Any]:
    """Task ``load`` (mapped): bulk-load one staged batch; its counts go through XCom."""
    from etl import pipeline

    with _task(ctx, "load") as (run, es):
        return pipeline.load_batch(es, run, staged_uri, get_settings()).to_json()


def finalize(ctx: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    """Task ``finalize``: alias swap (full), run record, quarantine and warnings in the log."""
    from etl import pipeline
    from etl.records import quarantine_line, warning_line
    from etl.stats import LoadCounts

    with _task(ctx, "finalize") as (run, es):
        loads = [LoadCounts.from_json(r) for r in results]
        record = pipeline.finalize(es, run, loads, get_settings())
    counts = record.get("counts", {})
    log.info("run %s (%s) finished: %s", run.run_id, run.mode, counts)
    for q in record.get("quarantine", []):
        log.warning("quarantined %s", quarantine_line(q))
    for w in record.get("warnings", []):
        log.warning("%s", warning_line(w))
    return {"run_id": run.run_id, "counts": counts, "index": record.get("index")}


def close_run(ctx: dict[str, Any] | None) -> None:
    """Teardown ``close_run``: a run that did not finish is recorded as failed, with the
    reason its failed task left, and its unpublished generation is dropped. Without a context
    ``start`` failed, and recorded that itself."""
    from etl import pipeline

    if not ctx:
        return
    run = pipeline.RunContext.from_dict(ctx)
    if pipeline.close_unfinished(es_client(), run, get_settings()):
        log.warning("run %s did not finish; recorded as failed", run.run_id)
