"""The real Elasticsearch on ES_URL (``make es-up``) does what the pipeline relies on.

Uses the project's own index contract (config/index_template.json) on a uniquely named index,
so it can run beside the ETL's indices and leaves nothing behind.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ES_URL = os.environ.get("ES_URL", "http://127.0.0.1:9200")

DOCS: list[dict[str, Any]] = [
    {
        "title": "Runners crowd the city marathon",
        "body": "Thousands of runners ran through the old town. The mayor runs too.",
        "published_at": "2024-04-21T09:00:00Z",
        "date_source": "sidecar",
        "language": "en",
        "language_confidence": 0.99,
        "source": {"name": "Daily Planet", "format": "html", "size": 2048},
        "entities": {"persons": ["Lois Lane"], "locations": ["Metropolis"]},
        "entities_model": "gazetteer",
        "content_sha256": "a" * 64,
        "run_id": "smoke",
    },
    {
        "title": "Council approves the harbour budget",
        "body": "The council voted on the budget for the harbour on Tuesday.",
        "published_at": "2024-04-22T10:30:00Z",
        "date_source": "html_meta",
        "language": "en",
        "language_confidence": 0.97,
        "source": {"name": "Daily Planet", "format": "html", "size": 1024},
        "entities": {"organizations": ["City Council"], "locations": ["Metropolis"]},
        "entities_model": "gazetteer",
        "content_sha256": "b" * 64,
        "run_id": "smoke",
    },
    {
        "title": "Storm closes the coastal road",
        "body": "Heavy rain and wind closed the coastal road overnight.",
        "published_at": "2024-04-23T06:15:00Z",
        "date_source": "text",
        "language": "en",
        "language_confidence": 0.95,
        "source": {"name": "Coast Herald", "format": "txt", "size": 512},
        "entities": {"locations": ["Gotham"]},
        "entities_model": "gazetteer",
        "content_sha256": "c" * 64,
        "run_id": "smoke",
    },
]


@pytest.fixture(scope="module")
def es() -> Iterator[Elasticsearch]:
    client = Elasticsearch(ES_URL, request_timeout=30)
    try:
        client.info()
    except Exception as error:  # the client's own errors: connection, product check, ...
        pytest.fail(f"no Elasticsearch at {ES_URL} ({error}); run `make es-up`")
    yield client
    client.close()


@pytest.fixture()
def index(es: Elasticsearch) -> Iterator[str]:
    """A fresh index created from the project's template, deleted afterwards."""
    name = f"smoke-{uuid.uuid4().hex}"
    template = json.loads((ROOT / "config" / "index_template.json").read_text())["template"]
    es.indices.put_index_template(name=name, index_patterns=[f"{name}*"], template=template)
    es.indices.create(index=name)
    try:
        yield name
    finally:
        es.indices.delete(index=name, ignore_unavailable=True)
        es.indices.delete_index_template(name=name)


def load(es: Elasticsearch, index: str) -> None:
    actions = ({"_index": index, "_id": doc["content_sha256"], "_source": doc} for doc in DOCS)
    results = list(streaming_bulk(es, actions, chunk_size=2))
    assert all(ok for ok, _ in results), results
    es.indices.refresh(index=index)


def test_server_is_elasticsearch_9(es: Elasticsearch) -> None:
    response = es.info()
    assert response.meta.headers.get("X-Elastic-Product") == "Elasticsearch"
    assert response["version"]["number"].startswith("9.")
    assert response["tagline"] == "You Know, for Search"
    assert es.cluster.health()["status"] in {"green", "yellow"}


def test_index_from_template_bulk_search_and_delete(es: Elasticsearch, index: str) -> None:
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["body"]["fields"]["english"]["analyzer"] == "english"

    load(es, index)
    assert es.count(index=index)["count"] == len(DOCS)
    found = es.mget(index=index, ids=[DOCS[0]["content_sha256"], "missing"])["docs"]
    assert [doc["found"] for doc in found] == [True, False]

    response = es.search(
        index=index,
        query={"match": {"body": "harbour budget"}},
        highlight={"fields": {"body": {}}},
        aggs={
            "sources": {"terms": {"field": "source.name"}},
            "places": {"terms": {"field": "entities.locations"}},
            "days": {"date_histogram": {"field": "published_at", "calendar_interval": "day"}},
            "people": {"cardinality": {"field": "entities.persons"}},
        },
    )
    hits = response["hits"]["hits"]
    assert hits[0]["_source"]["title"] == "Council approves the harbour budget"
    assert "<em>harbour</em>" in hits[0]["highlight"]["body"][0]
    sources = {b["key"]: b["doc_count"] for b in response["aggregations"]["sources"]["buckets"]}
    assert sources == {"Daily Planet": 1}

    everything = es.search(
        index=index,
        size=0,
        aggs={
            "places": {"terms": {"field": "entities.locations"}},
            "days": {"date_histogram": {"field": "published_at", "calendar_interval": "day"}},
            "people": {"cardinality": {"field": "entities.persons"}},
        },
    )["aggregations"]
    assert {b["key"]: b["doc_count"] for b in everything["places"]["buckets"]} == {
        "Metropolis": 2,
        "Gotham": 1,
    }
    assert [b["doc_count"] for b in everything["days"]["buckets"]] == [1, 1, 1]
    assert everything["people"]["value"] == 1

    with pytest.raises(Exception, match="strict_dynamic_mapping_exception"):
        es.index(index=index, document={"not_in_contract": 1})


def test_english_analyzer_stems(es: Elasticsearch, index: str) -> None:
    load(es, index)
    tokens = es.indices.analyze(index=index, analyzer="english", text="The runners were running")
    assert [t["token"] for t in tokens["tokens"]] == ["runner", "were", "run"]

    # "running" and "runs" share the stem "run"; the plain field needs the exact word.
    stemmed = es.search(index=index, query={"match": {"body.english": "running"}})
    titles = {hit["_source"]["title"] for hit in stemmed["hits"]["hits"]}
    assert titles == {"Runners crowd the city marathon"}
    plain = es.search(index=index, query={"match": {"body": "running"}})
    assert plain["hits"]["total"]["value"] == 0


def test_alias_swap_is_atomic(es: Elasticsearch, index: str) -> None:
    alias = f"{index}-alias"
    second = f"{index}-b"
    es.indices.create(index=second)
    try:
        es.indices.update_aliases(actions=[{"add": {"index": index, "alias": alias}}])
        es.indices.update_aliases(
            actions=[
                {"remove": {"index": index, "alias": alias}},
                {"add": {"index": second, "alias": alias}},
            ]
        )
        assert list(es.indices.get_alias(name=alias)) == [second]
    finally:
        es.indices.delete(index=second, ignore_unavailable=True)
