"""etl.load against the real local Elasticsearch: per-document accounting, skips, refusals.

Each test loads into a fresh generation of a fresh alias (``fresh_alias`` deletes it after).
"""

from __future__ import annotations

from typing import Any

import pytest

from etl import index
from etl.errors import PipelineError
from etl.load import Item, load
from etl.settings import Settings, get_settings

pytestmark = pytest.mark.integration


def _settings(**es: Any) -> Settings:
    """The project's settings with small chunks, so a handful of documents spans several."""
    s = get_settings()
    opts = {"chunk_docs": 3, "max_retries": 1, "initial_backoff": 0.1, **es}
    return s.model_copy(update={"elasticsearch": s.elasticsearch.model_copy(update=opts)})


def _doc(n: int, *, run_id: str = "run-1", content: str = "v1", **extra: Any) -> dict[str, Any]:
    return {
        "title": f"Article {n}",
        "body": f"Body of article {n}.",
        "date_source": "none",
        "language": "en",
        "language_confidence": 0.9,
        "source": {
            "name": "Wire",
            "path": f"a/{n}.txt",
            "sha256": f"{n:064x}",
            "format": "txt",
            "size": 100 + n,
            "modified_at": "2026-01-01T00:00:00+00:00",
        },
        "entities": {"persons": [], "organizations": [], "locations": [], "other": []},
        "entity_mentions": [],
        "entities_model": "none",
        "content_sha256": f"{content}-{n}",
        "ingested_at": "2026-01-01T00:00:00+00:00",
        "run_id": run_id,
        "pipeline_version": "test",
        **extra,
    }


@pytest.fixture
def target(es: Any, fresh_alias: str) -> str:
    """An empty generation with the real template."""
    settings = get_settings()
    index.apply_templates(es, fresh_alias, settings)
    return index.new_generation(es, fresh_alias, settings)


def _stored(es: Any, name: str) -> dict[str, dict[str, Any]]:
    es.indices.refresh(index=name)
    hits = es.search(index=name, size=100, query={"match_all": {}})["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def test_new_then_unchanged_then_updated(es: Any, target: str) -> None:
    s = _settings()
    docs = [Item(f"id{n}", _doc(n)) for n in range(7)]
    first = load(es, target, docs, s, incremental=True)
    assert first.counts() == {"new": 7, "updated": 0, "unchanged": 0, "failed": 0, "quarantined": 0}

    again = [Item(i.id, _doc(n, run_id="run-2")) for n, i in enumerate(docs)]
    second = load(es, target, again, s, incremental=True)
    assert second.counts()["unchanged"] == 7 and second.new == second.updated == 0
    assert {d["run_id"] for d in _stored(es, target).values()} == {"run-1"}  # not re-written

    changed = [
        Item(f"id{n}", _doc(n, run_id="run-3", content="v2" if n in (2, 5) else "v1"))
        for n in range(7)
    ]
    third = load(es, target, changed, s, incremental=True)
    assert (third.new, third.updated, third.unchanged) == (0, 2, 5)
    stored = _stored(es, target)
    assert len(stored) == 7
    assert sorted(i for i, d in stored.items() if d["run_id"] == "run-3") == ["id2", "id5"]


def test_touched_file_refreshes_its_mtime_only(es: Any, target: str) -> None:
    s = _settings()
    load(es, target, [Item("id0", _doc(0))], s, incremental=True)
    touched = _doc(0, run_id="run-2")
    touched["source"]["modified_at"] = "2026-02-02T00:00:00+00:00"
    result = load(es, target, [Item("id0", touched)], s, incremental=True)

    assert result.counts()["unchanged"] == 1 and result.new == result.updated == 0
    stored = _stored(es, target)["id0"]
    assert stored["source"]["modified_at"] == "2026-02-02T00:00:00+00:00"
    assert stored["run_id"] == "run-1" and stored["source"]["path"] == "a/0.txt"


def test_refused_documents_are_quarantined_with_elasticsearchs_reason(
    es: Any, target: str
) -> None:
    docs = [
        Item("good1", _doc(1)),
        Item("badtype", _doc(2, language_confidence="very high"), 7),
        Item("good3", _doc(3)),
        Item("unmapped", _doc(4, sentiment="positive")),
        Item("good5", _doc(5)),
    ]
    result = load(es, target, docs, _settings(), incremental=True)

    assert (result.new, result.failed, result.quarantined) == (3, 2, 2)
    by_path = {q.path: q for q in result.quarantine}
    assert set(by_path) == {"a/2.txt", "a/4.txt"}
    bad = by_path["a/2.txt"]
    assert bad.stage == "load" and bad.record == 7 and bad.sha256 == f"{2:064x}"
    assert bad.reason.startswith("document_parsing_exception:")
    assert "language_confidence" in bad.reason and "very high" in bad.reason
    assert by_path["a/4.txt"].reason.startswith("strict_dynamic_mapping_exception:")
    assert "sentiment" in by_path["a/4.txt"].reason
    assert sorted(_stored(es, target)) == ["good1", "good3", "good5"]


def test_quarantine_callback_streams_instead_of_collecting(es: Any, target: str) -> None:
    seen: list[str] = []
    docs = [Item("bad", _doc(1, language_confidence="x")), Item("ok", _doc(2))]
    result = load(es, target, docs, _settings(), incremental=True, on_quarantine=seen.append)
    assert result.quarantine == [] and result.quarantined == 1 and len(seen) == 1


def test_two_documents_with_one_id_keep_the_first(es: Any, target: str) -> None:
    """Same URL in two files: one document, the other accounted for as a duplicate."""
    other = _doc(9, content="v9")
    docs = [Item("same", _doc(1)), Item("x", _doc(2)), Item("y", _doc(3)), Item("same", other)]
    result = load(es, target, docs, _settings(), incremental=True)

    assert (result.new, result.quarantined, result.failed) == (3, 1, 0)
    [dup] = result.quarantine
    assert dup.path == "a/9.txt" and "duplicate" in dup.reason and "a/1.txt" in dup.reason
    assert _stored(es, target)["same"]["source"]["path"] == "a/1.txt"


def test_full_mode_creates_and_a_retried_batch_counts_once(es: Any, target: str) -> None:
    s = _settings()
    batch = [Item(f"id{n}", _doc(n)) for n in range(4)]
    first = load(es, target, batch, s, incremental=False)
    assert first.new == 4
    # The task is retried after its bulk requests went through: nothing doubles, nothing fails.
    retry = load(es, target, batch, s, incremental=False)
    assert (retry.new, retry.failed, retry.quarantined) == (4, 0, 0)
    # Another batch of the same run with a different document under a taken id.
    clash = load(es, target, [Item("id1", _doc(8, content="v8"))], s, incremental=False)
    assert clash.new == 0 and clash.quarantined == 1
    assert "duplicate" in clash.quarantine[0].reason
    assert len(_stored(es, target)) == 4


def test_byte_limited_chunks_still_load_everything(es: Any, target: str) -> None:
    s = _settings(chunk_docs=500, chunk_bytes=2_000)  # about two documents per request
    docs = [Item(f"id{n}", _doc(n)) for n in range(9)]
    assert load(es, target, docs, s, incremental=True).new == 9
    assert len(_stored(es, target)) == 9


def test_an_index_that_refuses_writes_stops_the_load_instead_of_blaming_documents(
    es: Any, target: str
) -> None:
    es.indices.add_block(index=target, block="write")
    try:
        with pytest.raises(PipelineError, match="cluster_block_exception"):
            load(es, target, [Item("id1", _doc(1))], _settings(), incremental=True)
    finally:
        es.indices.put_settings(index=target, settings={"index.blocks.write": False})
