"""The one way to build an Elasticsearch client: for the CLI, the DAG, the plugin and the tests.

``client`` takes a URL (default ``ES_URL``); ``client_from_connection`` takes an Airflow
Connection (the DAG's ``elasticsearch_default``) and ends in ``client`` too, so retries,
timeouts and TLS are set in one place. :func:`composite_buckets` pages through every value of
a field, for the passes that read the whole index's values a page at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import Elasticsearch

from etl.settings import Settings

CONN_ID = "elasticsearch_default"
# Statuses worth retrying: overloaded or restarting nodes. The client retries them per request
# and streaming_bulk per document (etl.load), with the same list.
RETRY_STATUS = (429, 502, 503, 504)


def client(
    settings: Settings,
    url: str | None = None,
    *,
    basic_auth: tuple[str, str] | None = None,
    api_key: str | None = None,
    ca_certs: str | None = None,
    fail_fast: bool = False,
) -> Elasticsearch:
    """A client that retries connection errors, timeouts, 429 and 5xx gateway errors.

    Retries back off exponentially (jittered, ``initial_backoff`` doubling up to ``max_backoff``)
    so a restarting or overloaded node gets time to recover instead of being hammered.
    ``fail_fast`` (interactive searches) tries once more at most, then lets the user know.
    Credentials may be in the URL (``https://user:pass@host:9200``); ``ES_CA_CERTS`` names the
    CA bundle of an HTTPS cluster unless ``ca_certs`` is given.
    """
    s = settings.elasticsearch
    env = settings.env
    kwargs: dict[str, Any] = {
        "request_timeout": min(s.request_timeout, 30) if fail_fast else s.request_timeout,
        "retry_on_timeout": not fail_fast,
        "retry_on_status": RETRY_STATUS,
        "max_retries": 1 if fail_fast else s.max_retries,
        "retry_backoff_base": s.initial_backoff,
        "retry_backoff_cap": s.max_backoff,
    }
    if basic_auth:
        kwargs["basic_auth"] = basic_auth
    if api_key:
        kwargs["api_key"] = api_key
    if ca_certs or env.es_ca_certs:
        kwargs["ca_certs"] = ca_certs or env.es_ca_certs
    return Elasticsearch(url or env.es_target, **kwargs)


def url_from_connection(
    conn_type: str | None, host: str | None, port: int | None, schema: str | None
) -> str:
    """The Elasticsearch URL of an Airflow Connection's fields.

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
        raise ValueError("the Airflow connection has no host")
    return f"{scheme}://{host}:{port or 9200}"


def client_from_connection(settings: Settings, conn_id: str = CONN_ID) -> Elasticsearch:
    """A client from an Airflow Connection, read through the Elasticsearch provider's hook."""
    from airflow.providers.elasticsearch.hooks.elasticsearch import ElasticsearchSQLHook

    conn = ElasticsearchSQLHook(elasticsearch_conn_id=conn_id).connection
    try:
        url = url_from_connection(conn.conn_type, conn.host, conn.port, conn.schema)
    except ValueError as e:
        raise ValueError(f"Airflow connection {conn_id!r}: {e}") from None
    extra = conn.extra_dejson
    return client(
        settings,
        url,
        basic_auth=(conn.login, conn.password or "") if conn.login else None,
        api_key=extra.get("api_key"),
        ca_certs=extra.get("ca_certs"),
    )


def redact(url: str) -> str:
    """``url`` without its password, for anything printed or logged."""
    parts = urlsplit(url)
    if parts.password is None and "@" not in parts.netloc:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else "***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def server_version(es: Elasticsearch) -> str:
    """The server's version number, e.g. ``9.5.3``."""
    return str(es.info()["version"]["number"])


def composite_buckets(
    es: Elasticsearch,
    index: str,
    field: str,
    *,
    aggs: dict[str, Any] | None = None,
    page: int = 1000,
) -> Iterator[dict[str, Any]]:
    """Every bucket of a composite aggregation on ``field`` (its value is ``bucket["key"]
    ["value"]``, with ``aggs`` per bucket), one page of ``page`` values at a time: memory
    does not grow with the number of values."""
    after: dict[str, Any] | None = None
    while True:
        comp: dict[str, Any] = {"size": page, "sources": [{"value": {"terms": {"field": field}}}]}
        if after:
            comp["after"] = after
        body: dict[str, Any] = {"composite": comp, **({"aggs": aggs} if aggs else {})}
        resp = es.search(index=index, size=0, aggs={"page": body})["aggregations"]["page"]
        yield from resp["buckets"]
        after = resp.get("after_key")
        if not after or not resp["buckets"]:
            return
