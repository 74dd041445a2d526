"""etl.load against the real local Elasticsearch: per-document accounting, skips, refusals.

Each test loads into a fresh generation of a fresh alias (``fresh_alias`` deletes it after).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from etl import index
from etl.documents import doc_id, to_document
from etl.errors import PipelineError
from etl.es import client
from etl.fingerprints import fingerprints
from etl.load import Item, LoadError, load
from etl.records import Article, Entities, Quarantine, SourceInfo
from etl.runs import ensure_runs_index, write_run_record
from etl.settings import Settings, get_settings
from etl.stats import LoadCounts

pytestmark = pytest.mark.integration


@dataclass
class Loaded:
    """A load's counts and the quarantine records it handed to its callback."""

    result: LoadCounts
    quarantine: list[Quarantine] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.result, name)

    def counts(self) -> dict[str, int]:
        r = self.result
        return {
            "new": r.new,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "failed": r.failed,
            "quarantined": r.quarantined,
        }


def _load(es: Any, target: str, docs: Any, s: Settings, *, incremental: bool) -> Loaded:
    got: list[Quarantine] = []
    result = load(es, target, docs, s, incremental=incremental, on_quarantine=got.append)
    return Loaded(result, got)


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
    return index.new_generation(es, fresh_alias, get_settings())


def _stored(es: Any, name: str) -> dict[str, dict[str, Any]]:
    es.indices.refresh(index=name)
    hits = es.search(index=name, size=100, query={"match_all": {}})["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def test_new_then_unchanged_then_updated(es: Any, target: str) -> None:
    s = _settings()
    docs = [Item(f"id{n}", _doc(n)) for n in range(7)]
    first = _load(es, target, docs, s, incremental=True)
    assert first.counts() == {"new": 7, "updated": 0, "unchanged": 0, "failed": 0, "quarantined": 0}

    again = [Item(i.id, _doc(n, run_id="run-2")) for n, i in enumerate(docs)]
    second = _load(es, target, again, s, incremental=True)
    assert second.counts()["unchanged"] == 7 and second.new == second.updated == 0
    assert {d["run_id"] for d in _stored(es, target).values()} == {"run-1"}  # not re-written

    changed = [
        Item(f"id{n}", _doc(n, run_id="run-3", content="v2" if n in (2, 5) else "v1"))
        for n in range(7)
    ]
    third = _load(es, target, changed, s, incremental=True)
    assert (third.new, third.updated, third.unchanged) == (0, 2, 5)
    stored = _stored(es, target)
    assert len(stored) == 7
    assert sorted(i for i, d in stored.items() if d["run_id"] == "run-3") == ["id2", "id5"]


def test_touched_file_refreshes_its_mtime_only(es: Any, target: str) -> None:
    s = _settings()
    _load(es, target, [Item("id0", _doc(0))], s, incremental=True)
    touched = _doc(0, run_id="run-2")
    touched["source"]["modified_at"] = "2026-02-02T00:00:00+00:00"
    result = _load(es, target, [Item("id0", touched)], s, incremental=True)

    assert result.counts()["unchanged"] == 1 and result.new == result.updated == 0
    stored = _stored(es, target)["id0"]
    assert stored["source"]["modified_at"] == "2026-02-02T00:00:00+00:00"
    assert stored["run_id"] == "run-1" and stored["source"]["path"] == "a/0.txt"


def test_refused_documents_are_quarantined_with_elasticsearchs_reason(es: Any, target: str) -> None:
    docs = [
        Item("good1", _doc(1)),
        Item("badtype", _doc(2, language_confidence="very high"), 7),
        Item("good3", _doc(3)),
        Item("unmapped", _doc(4, sentiment="positive")),
        Item("good5", _doc(5)),
    ]
    result = _load(es, target, docs, _settings(), incremental=True)

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
    assert result.quarantined == 1 and len(seen) == 1


def test_two_documents_with_one_id_keep_the_first(es: Any, target: str) -> None:
    """Same URL in two files: one document, the other accounted for as a duplicate."""
    other = _doc(9, content="v9")
    docs = [Item("same", _doc(1)), Item("x", _doc(2)), Item("y", _doc(3)), Item("same", other)]
    result = _load(es, target, docs, _settings(), incremental=True)

    assert (result.new, result.quarantined, result.failed) == (3, 1, 0)
    [dup] = result.quarantine
    assert dup.path == "a/9.txt" and "duplicate" in dup.reason and "a/1.txt" in dup.reason
    assert _stored(es, target)["same"]["source"]["path"] == "a/1.txt"


def test_full_mode_creates_and_a_retried_batch_counts_once(es: Any, target: str) -> None:
    s = _settings()
    batch = [Item(f"id{n}", _doc(n)) for n in range(4)]
    first = _load(es, target, batch, s, incremental=False)
    assert first.new == 4
    # The task is retried after its bulk requests went through: nothing doubles, nothing fails.
    retry = _load(es, target, batch, s, incremental=False)
    assert (retry.new, retry.failed, retry.quarantined) == (4, 0, 0)
    # Another batch of the same run with a different document under a taken id.
    clash = _load(es, target, [Item("id1", _doc(8, content="v8"))], s, incremental=False)
    assert clash.new == 0 and clash.quarantined == 1
    assert "duplicate" in clash.quarantine[0].reason
    assert len(_stored(es, target)) == 4


def test_byte_limited_chunks_still_load_everything(es: Any, target: str) -> None:
    s = _settings(chunk_docs=500, chunk_bytes=2_000)  # about two documents per request
    docs = [Item(f"id{n}", _doc(n)) for n in range(9)]
    assert _load(es, target, docs, s, incremental=True).new == 9
    assert len(_stored(es, target)) == 9


def test_an_index_that_refuses_writes_stops_the_load_instead_of_blaming_documents(
    es: Any, target: str
) -> None:
    es.indices.add_block(index=target, block="write")
    try:
        with pytest.raises(PipelineError, match="cluster_block_exception"):
            _load(es, target, [Item("id1", _doc(1))], _settings(), incremental=True)
    finally:
        es.indices.put_settings(index=target, settings={"index.blocks.write": False})


# --- real documents, generations behind the alias, run records ---------------------------


def _article(n: int, body: str = "Body") -> Article:
    src = SourceInfo(path=f"d/{n}.txt", sha256=f"{n:064x}", format="txt", size=10, name="Wire")
    ents = Entities(persons=("Ada Lovelace",), mentions={"Ada Lovelace": 2}, model="m 1")
    return Article(
        source=src,
        title=f"T{n}",
        body=f"{body} {n}.",
        published_at=datetime(2024, 5, n + 1, tzinfo=UTC),
        date_source="header",
        language="en",
        entities=ents,
    )


def _real(articles: list[Article], run_id: str) -> list[Item]:
    now = datetime.now(UTC).isoformat()
    stages = fingerprints(get_settings()).as_dict()
    return [
        Item(doc_id(a), to_document(a, run_id=run_id, ingested_at=now, stages=stages))
        for a in articles
    ]


def test_real_documents_fit_the_strict_mapping_and_reload_unchanged(es: Any, target: str) -> None:
    arts = [_article(n) for n in range(5)]
    first = _load(es, target, _real(arts, "r1"), _settings(), incremental=True)
    assert first.quarantine == [] and first.new == 5
    ids = set(_stored(es, target))

    second = _load(es, target, _real(arts, "r2"), _settings(), incremental=True)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 5)
    arts[3] = _article(3, body="Changed")
    third = _load(es, target, _real(arts, "r3"), _settings(), incremental=True)
    assert (third.new, third.updated, third.unchanged) == (0, 1, 4)
    assert set(_stored(es, target)) == ids


def test_first_generation_is_created_with_the_alias_and_the_marker(es: Any, fresh_alias: str):
    name = index.ensure_alias(es, fresh_alias, get_settings())
    assert re.fullmatch(rf"{fresh_alias}-\d{{14}}(-\d+)?", name)
    assert index.current_index(es, fresh_alias) == name
    assert index.ensure_alias(es, fresh_alias, get_settings()) == name  # incremental: reused
    mappings = es.indices.get_mapping(index=name)[name]["mappings"]
    assert mappings["dynamic"] == "strict"
    assert mappings["_meta"]["managed_by"] == "news-etl"
    assert mappings["_meta"]["alias"] == fresh_alias
    # No index template: one on ALIAS-2* would shape other people's indices too.
    found = es.options(ignore_status=404).indices.get_index_template(name=f"{fresh_alias}*")
    assert found.get("index_templates", []) == []

    runs = ensure_runs_index(es, fresh_alias, get_settings())
    props = es.indices.get_mapping(index=runs)[runs]["mappings"]["properties"]
    assert "mode" in props and "title" not in props


def test_swap_is_atomic_for_searchers_and_prune_keeps_n(es: Any, fresh_alias: str) -> None:
    settings = get_settings()
    old = index.ensure_alias(es, fresh_alias, settings)
    _load(es, old, _real([_article(n) for n in range(3)], "r1"), _settings(), incremental=True)
    es.indices.refresh(index=old)

    seen: set[int] = set()
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            seen.add(es.count(index=fresh_alias)["count"])

    loop = threading.Thread(target=search_loop)
    loop.start()
    try:
        names = [old]
        for gen in range(2):  # two full rebuilds, 6 then 6 documents
            new = index.new_generation(es, fresh_alias, settings)
            docs = _real([_article(n) for n in range(6)], f"full{gen}")
            assert _load(es, new, docs, _settings(), incremental=False).new == 6
            es.indices.refresh(index=new)
            index.swap_alias(es, fresh_alias, new)
            names.append(new)
    finally:
        stop.set()
        loop.join()

    assert seen <= {3, 6} and 6 in seen  # never empty, never partial
    assert list(es.indices.get_alias(name=fresh_alias)) == [names[-1]]
    assert index.prune_generations(es, fresh_alias, keep=2) == [names[0]]
    assert index.generations(es, fresh_alias) == names[1:]
    assert index.prune_generations(es, fresh_alias, keep=1) == [names[1]]
    assert index.current_index(es, fresh_alias) == names[2]


def test_run_record_round_trip(es: Any, fresh_alias: str) -> None:
    record = {
        "run_id": "run-42",
        "mode": "full",
        "status": "success",
        "started_at": "2026-01-01T00:00:00+00:00",
        "ended_at": "2026-01-01T00:01:00+00:00",
        "counts": {"files_seen": 3, "new": 2, "updated": 0, "unchanged": 0, "quarantined": 1},
        "quarantine": [{"path": "a.txt", "sha256": None, "stage": "load", "reason": "x: y"}],
        "versions": {"pipeline": "0.1.0", "model": "m", "elasticsearch": "9.5.3"},
    }
    write_run_record(es, fresh_alias, record, get_settings())
    got = es.get(index=f"{fresh_alias}-runs", id="run-42")["_source"]
    assert got == record
    records = {"exists": {"field": "run_id"}}  # not the lease or the alias-table snapshot
    assert es.count(index=f"{fresh_alias}-runs", query=records)["count"] == 1  # visible at once


def test_unreachable_elasticsearch_raises_one_clear_load_error() -> None:
    dead = client(get_settings(), "http://127.0.0.1:9")
    dead = dead.options(max_retries=1, retry_backoff_base=0.01)
    with pytest.raises(LoadError, match=r"127\.0\.0\.1:9 unreachable after 1 retries"):
        _load(dead, "x", [Item("a", _doc(1))], _settings(), incremental=True)


def test_swap_leaves_exactly_one_index_behind_the_alias(es: Any, fresh_alias: str) -> None:
    settings = get_settings()
    a, b, c = (index.new_generation(es, fresh_alias, settings) for _ in range(3))
    assert len({a, b, c}) == 3  # same second: suffixed, not clashing
    foreign = f"{fresh_alias}-manual"
    es.indices.create(index=foreign)
    for name in (a, b, foreign):  # a broken state, e.g. set up by hand
        es.indices.put_alias(index=name, name=fresh_alias)
    index.swap_alias(es, fresh_alias, c)
    assert list(es.indices.get_alias(name=fresh_alias)) == [c]
