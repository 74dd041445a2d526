"""What each task of the ``news_etl`` DAG does, so the DAG file only wires tasks.

This is the one module of ``etl`` that talks to Airflow (its Connection and ObjectStoragePath),
and it imports Airflow lazily inside functions: the rest of the package never needs Airflow,
and the CLI (``python -m etl run``) calls the same :mod:`etl.pipeline` functions. The pipeline
is imported inside each task too: the DAG file imports this module, and parsing it must not pay
for the Elasticsearch client (over a second of CPU).
"""

from __future__ import annotations

import logging
import os
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from etl.settings import get_settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)

CONN_ID = "elasticsearch_default"


def es_url_from_connection(
    conn_type: str | None, host: str | None, port: int | None, schema: str | None
) -> str:
    """Build the Elasticsearch URL from an Airflow Connection's fields.

    The provider keeps the scheme in ``schema`` (``elasticsearch://host:9200/https``); a URI-style
    connection (``AIRFLOW_CONN_...=https://host:9200``) keeps it in ``conn_type`` instead.
    """
    if schema in ("http", "https"):
        scheme = schema
    elif conn_type in ("http", "https"):
        scheme = conn_type
    else:
        scheme = "http"
    if not host:
        raise ValueError(f"Airflow connection {CONN_ID!r} has no host")
    return f"{scheme}://{host}:{port or 9200}"


def es_client(conn_id: str = CONN_ID) -> Elasticsearch:
    """An Elasticsearch client from the Airflow Connection, via the provider's hook."""
    from airflow.providers.elasticsearch.hooks.elasticsearch import ElasticsearchSQLHook

    from etl.es import client

    conn = ElasticsearchSQLHook(elasticsearch_conn_id=conn_id).connection
    url = es_url_from_connection(conn.conn_type, conn.host, conn.port, conn.schema)
    auth = (conn.login, conn.password) if conn.login else None
    extra = conn.extra_dejson
    return client(
        url, basic_auth=auth, api_key=extra.get("api_key"), ca_certs=extra.get("ca_certs")
    )


def staging_root(run_id: str) -> str:
    """Where this run stages its batches, as an ObjectStoragePath URI string.

    ``NEWS_ETL_STAGING`` (e.g. ``s3://bucket/news-staging`` or a shared volume) overrides the
    settings, so Celery workers on several machines can share the staged batches.
    """
    from airflow.sdk import ObjectStoragePath

    settings = get_settings()
    base = os.environ.get("NEWS_ETL_STAGING") or settings.airflow.staging
    if "://" not in base:
        base = "file://" + str(settings.path(base))
    root = ObjectStoragePath(base) / _safe(run_id)
    root.mkdir(parents=True, exist_ok=True)
    return str(root)


def _safe(run_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)


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
            run_id=_safe(run_id),
            restrict_to_allowed_roots=True,  # whoever triggers the DAG chooses input_path
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
