"""The Elasticsearch client, built one way for the CLI, the DAG and the tests."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

from etl.settings import es_url, get_settings


def client(
    url: str | None = None,
    *,
    basic_auth: tuple[str, str] | None = None,
    api_key: str | None = None,
    ca_certs: str | None = None,
) -> Elasticsearch:
    """A client that retries connection errors, timeouts, 429 and 5xx gateway errors.

    Retries back off exponentially (jittered, ``initial_backoff`` doubling up to ``max_backoff``)
    so a restarting or overloaded node gets time to recover instead of being hammered.
    """
    s = get_settings().elasticsearch
    kwargs: dict[str, Any] = {
        "request_timeout": s.request_timeout,
        "retry_on_timeout": True,
        "retry_on_status": (429, 502, 503, 504),
        "max_retries": s.max_retries,
        "retry_backoff_base": s.initial_backoff,
        "retry_backoff_cap": s.max_backoff,
    }
    if basic_auth:
        kwargs["basic_auth"] = basic_auth
    if api_key:
        kwargs["api_key"] = api_key
    if ca_certs:
        kwargs["ca_certs"] = ca_certs
    return Elasticsearch(url or es_url(), **kwargs)


def server_version(es: Elasticsearch) -> str:
    """The server's version number, e.g. ``9.5.3``."""
    return str(es.info()["version"]["number"])
