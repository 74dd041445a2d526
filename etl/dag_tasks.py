"""What each task of the ``news_etl`` DAG does, so the DAG file only wires tasks.

This is the one module of ``etl`` that talks to Airflow (its Connection and ObjectStoragePath),
and it imports Airflow lazily inside functions: the rest of the package never needs Airflow,
and the CLI (``python -m etl run``) calls the same :mod:`etl.pipeline` functions. The pipeline
is imported inside each task too: the DAG file imports this module, and parsing it must not pay
for the Elasticsearch client (over a second of CPU).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

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
    """Task ``start``: check the request, prepare the target index; return the run context."""
    from airflow.sdk.exceptions import AirflowFailException

    from etl import pipeline

    settings = get_settings()
    try:
        ctx = pipeline.start_run(
            es_client(),
            input_root=str(settings.path(params["input_path"])),
            alias=params["index"],
            mode=params["mode"],
            since=_since(params.get("since")),
            dry_run=bool(params.get("dry_run")),
            staging=staging_root(run_id),
            settings=settings,
            run_id=safe_run_id(run_id),
        )
    except pipeline.UsageError as e:
        # Retrying cannot fix the request (a missing folder, full with since): fail at once.
        raise AirflowFailException(str(e)) from None
    return ctx.as_dict()


def discover(ctx: dict[str, Any], batch_size: int) -> list[str]:
    """Task ``discover``: batch manifests of new or changed files."""
    from etl import pipeline

    run = pipeline.RunContext.from_dict(ctx)
    return pipeline.discover(run, get_settings(), batch_size=batch_size, es=es_client())


def process(ctx: dict[str, Any], batch_uri: str) -> str:
    """Task ``process`` (mapped): clean, metadata, entities for one batch."""
    from etl import pipeline

    return pipeline.process_batch(pipeline.RunContext.from_dict(ctx), batch_uri, get_settings())


def load(ctx: dict[str, Any], staged_uri: str) -> dict[str, Any]:
    """Task ``load`` (mapped): bulk-load one staged batch."""
    from etl import pipeline

    run = pipeline.RunContext.from_dict(ctx)
    return pipeline.load_batch(es_client(), run, staged_uri, get_settings())


def finalize(ctx: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    """Task ``finalize``: alias swap (full), run record, quarantine and warnings in the log."""
    from etl import pipeline

    run = pipeline.RunContext.from_dict(ctx)
    record = pipeline.finalize(es_client(), run, results, get_settings())
    counts = record.get("counts", {})
    log.info("run %s (%s) finished: %s", run.run_id, run.mode, counts)
    for q in record.get("quarantine", []):
        log.warning("quarantined %s [%s]: %s", q.get("path"), q.get("stage"), q.get("reason"))
    for w in record.get("warnings", []):
        log.warning("%s: metadata ignored: %s", w.get("path"), w.get("reason"))
    return {"run_id": run.run_id, "counts": counts, "index": record.get("index")}
