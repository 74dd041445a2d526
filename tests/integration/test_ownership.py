"""Issue 15: the pipeline touches only its own indices, one run per alias, one owner per URL,
and every failed run leaves a record. Against the real Elasticsearch."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from etl import index, pipeline
from etl.errors import PipelineError, UsageError
from etl.lease import LeaseHeld
from etl.runs import RecordNotWritten
from etl.settings import PROJECT_ROOT, get_settings

pytestmark = pytest.mark.integration

SEEDS = PROJECT_ROOT / "data" / "sample"


def _seeds(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    return raw


def _run(es: Any, raw: Path, alias: str, mode: str = "incremental", **kw: Any) -> dict[str, Any]:
    settings = kw.pop("settings", get_settings())
    return pipeline.run(es, input_root=raw, alias=alias, mode=mode, settings=settings, **kw)


def _quick_lease(seconds: int) -> Any:
    s = get_settings()
    return s.model_copy(
        update={"elasticsearch": s.elasticsearch.model_copy(update={"lease_wait_seconds": seconds})}
    )


def _runs(es: Any, alias: str) -> list[dict[str, Any]]:
    es.indices.refresh(index=f"{alias}-runs")
    hits = es.search(index=f"{alias}-runs", size=50, query={"exists": {"field": "run_id"}})
    return [h["_source"] for h in hits["hits"]["hits"]]


def test_full_runs_never_delete_or_template_indices_they_did_not_create(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    logs = [f"{fresh_alias}-2026.01.0{d}" for d in (1, 2, 3)]  # someone's daily log indices
    for name in logs:
        es.indices.create(index=name, mappings={"properties": {"msg": {"type": "text"}}})
    raw = _seeds(tmp_path)
    for _ in range(3):
        _run(es, raw, fresh_alias, mode="full")
    assert all(es.indices.exists(index=name) for name in logs)
    # A new daily index is shaped by nobody's template: dynamic fields are accepted.
    es.index(index=f"{fresh_alias}-2026.01.04", document={"msg": "x", "level": "info"})
    mapping = es.indices.get_mapping(index=f"{fresh_alias}-2026.01.04")
    assert "level" in mapping[f"{fresh_alias}-2026.01.04"]["mappings"]["properties"]
    assert len(index.generations(es, fresh_alias)) == get_settings().elasticsearch.keep_generations


def test_an_alias_on_a_foreign_index_is_refused_before_anything_is_written(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    foreign = f"{fresh_alias}-theirs"
    es.indices.create(index=foreign, mappings={"properties": {"title": {"type": "text"}}})
    es.indices.put_alias(index=foreign, name=fresh_alias)
    for mode in ("incremental", "full"):
        with pytest.raises(UsageError, match="news-etl did not create"):
            _run(es, _seeds(tmp_path / mode), fresh_alias, mode=mode)
    assert es.count(index=foreign)["count"] == 0
    assert not es.indices.exists(index=f"{fresh_alias}-runs")  # not even a run record
    assert list(es.indices.get(index=f"{fresh_alias}*")) == [foreign]


def test_two_first_runs_at_once_leave_one_index_behind_the_alias(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = _seeds(tmp_path)
    results: list[Any] = []

    def one() -> None:
        try:
            results.append(_run(es, raw, fresh_alias, settings=_quick_lease(300)))
        except Exception as e:  # collected: the assertion below names it
            results.append(e)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, dict) for r in results), results
    assert len(es.indices.get_alias(name=fresh_alias)) == 1
    es.indices.refresh(index=fresh_alias)
    assert es.count(index=fresh_alias)["count"] == 5
    news = sorted(r["counts"]["new"] for r in results)
    assert news == [0, 5]  # the second waited, then found everything in place


def test_a_second_run_gives_up_after_the_wait_with_one_line(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    from etl.lease import acquire

    _run(es, _seeds(tmp_path), fresh_alias)
    acquire(es, f"{fresh_alias}-runs", fresh_alias, "run-elsewhere", get_settings())
    with pytest.raises(LeaseHeld, match="another run \\(run-elsewhere\\) is writing"):
        _run(es, _seeds(tmp_path / "b"), fresh_alias, settings=_quick_lease(1))
    # A start that fails after the request was accepted leaves a failed record (it left none).
    [failed] = [r for r in _runs(es, fresh_alias) if r["status"] == "failed"]
    assert "another run (run-elsewhere) is writing" in failed["error"]
    assert failed["alias"] == fresh_alias and failed["mode"] == "incremental"


def test_a_runs_index_the_pipeline_did_not_create_is_refused_and_untouched(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    runs = f"{fresh_alias}-runs"
    es.indices.create(index=runs, mappings={"properties": {"msg": {"type": "text"}}})
    es.index(index=runs, id="theirs", document={"msg": "someone else's"}, refresh=True)
    for mode in ("incremental", "full"):
        with pytest.raises(UsageError, match=f"{runs} exists and news-etl did not create it"):
            _run(es, _seeds(tmp_path / mode), fresh_alias, mode=mode)
    mapping = es.indices.get_mapping(index=runs)[runs]["mappings"]
    assert mapping == {"properties": {"msg": {"type": "text"}}}  # no lease, no run fields
    assert es.count(index=runs)["count"] == 1
    assert list(es.indices.get(index=f"{fresh_alias}*")) == [runs]  # no generation either


def test_a_runs_index_from_before_the_marker_is_adopted(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    runs = f"{fresh_alias}-runs"
    tpl = index.load_template(str(PROJECT_ROOT / "config" / "runs_template.json"))
    es.indices.create(index=runs, mappings={"properties": tpl["mappings"]["properties"]})
    done = _run(es, _seeds(tmp_path), fresh_alias)
    assert done["counts"]["new"] == 5
    meta = es.indices.get_mapping(index=runs)[runs]["mappings"]["_meta"]
    assert meta == {"managed_by": index.MANAGED_BY, "alias": fresh_alias}


def test_a_url_has_one_owner_file_on_every_run(es: Any, fresh_alias: str, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    body = (SEEDS / "000_c0d6529fb5cb26f5.txt").read_text(encoding="utf-8")
    for name, text in (("a.txt", body), ("b.txt", body + "\n\nA different ending.")):
        (raw / name).write_text(text, encoding="utf-8")
        meta = {"url": "https://wire.example/story-1"}
        (raw / f"{name}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    first = _run(es, raw, fresh_alias)
    assert first["counts"]["new"] == 1 and first["counts"]["quarantined"] == 1
    for _ in range(2):  # they used to take turns: "updated 1" every night
        again = _run(es, raw, fresh_alias)
        c = again["counts"]
        assert (c["new"], c["updated"], c["quarantined"]) == (0, 0, 1), c
        [q] = again["quarantine"]
        assert q["path"] == "b.txt" and "a.txt, which is indexed" in q["reason"]
    # When the owner goes, the copy takes over (a move, not a duplicate).
    (raw / "a.txt").unlink()
    moved = _run(es, raw, fresh_alias)
    assert moved["counts"]["updated"] == 1 and moved["counts"]["quarantined"] == 0


def test_a_failed_start_and_a_failed_dag_task_leave_failed_records(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = _seeds(tmp_path)
    settings = get_settings()
    # A DAG run whose process task failed: close_run records it and drops the new generation.
    ctx = pipeline.start_run(
        es,
        input_root=raw,
        alias=fresh_alias,
        mode="full",
        settings=settings,
        staging=str(tmp_path / "stage"),
        run_id="dag-run-1",
    )
    pipeline.discover(ctx, settings, max_docs=10, es=es)
    pipeline.note_failure(ctx, "process", MemoryError("worker ran out of memory"))
    assert pipeline.close_unfinished(es, ctx, settings) is True
    [rec] = [r for r in _runs(es, fresh_alias) if r["run_id"] == "dag-run-1"]
    assert rec["status"] == "failed"
    assert rec["error"] == "task process failed: MemoryError: worker ran out of memory"
    assert not es.indices.exists(index=ctx.target_index)  # unpublished generation dropped
    # The lease went with it: the next run starts at once.
    done = _run(es, raw, fresh_alias, settings=_quick_lease(1))
    assert (
        pipeline.close_unfinished(
            es, pipeline.RunContext.from_dict({**ctx.as_dict(), "run_id": done["run_id"]}), settings
        )
        is False
    )


def test_a_run_whose_record_cannot_be_written_says_it_completed(
    es: Any, fresh_alias: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = _seeds(tmp_path)
    runs = f"{fresh_alias}-runs"
    publish = index.publish_generation

    def publish_then_block(*args: Any, **kw: Any) -> None:
        publish(*args, **kw)
        es.indices.add_block(index=runs, block="write")  # after the swap, before the record

    monkeypatch.setattr(index, "publish_generation", publish_then_block)
    try:
        with pytest.raises(RecordNotWritten, match="the run completed") as e:
            _run(es, raw, fresh_alias, mode="full")
        assert isinstance(e.value, PipelineError)
    finally:
        es.indices.put_settings(index=runs, settings={"index.blocks.write": False})
    es.indices.refresh(index=fresh_alias)
    assert es.count(index=fresh_alias)["count"] == 5  # published all the same
