"""Shared fixtures for tests against the real local Elasticsearch (never a mock)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from etl.settings import get_settings


@pytest.fixture(scope="session")
def es() -> Any:
    """A client for ES_URL; fails (does not skip) when nothing answers: run `make es-up`."""
    from etl.es import client

    c = client(get_settings())
    try:
        c.info()
    except Exception as e:
        url = get_settings().env.es_target
        pytest.fail(f"Elasticsearch at {url} does not answer ({e}); run `make es-up`")
    return c


@pytest.fixture
def fresh_alias(es: Any) -> Iterator[str]:
    """A unique alias; its generations, runs index and templates are deleted afterwards."""
    alias = f"test-{uuid.uuid4().hex[:8]}"
    yield alias
    # Elasticsearch refuses wildcard deletes (action.destructive_requires_name): name each.
    for name in es.indices.get(index=f"{alias}*", expand_wildcards="all"):
        es.indices.delete(index=name)
    found = es.options(ignore_status=404).indices.get_index_template(name=f"{alias}*")
    for tpl in found.get("index_templates", []):
        es.indices.delete_index_template(name=tpl["name"])
