"""Batches of records and worker processes, against the real Elasticsearch.

One JSON-lines export of real Wikinews articles is split into spans; the documents, ids and
entity values must not depend on the number of workers, and a worker that dies must stop the
run with one line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from corpus import WIKINEWS

from etl import pipeline
from etl.settings import PROJECT_ROOT, get_settings

pytestmark = pytest.mark.integration

CORPUS = WIKINEWS


def _export(tmp_path: Path, n: int) -> Path:
    """The first ``n`` short Wikinews articles as one JSON-lines export, in a raw root."""
    if not CORPUS.is_file():
        pytest.fail(f"benchmark corpus missing: {CORPUS}")
    raw = tmp_path / "raw"
    raw.mkdir()
    lines = []
    with CORPUS.open(encoding="utf-8") as f:
        for line in f:
            if len(line) < 6000:  # short ones: the test is about splitting, not NER time
                lines.append(line)
            if len(lines) == n:
                break
    (raw / "export.jsonl").write_text("".join(lines), encoding="utf-8")
    return raw


def _docs(es: Any, alias: str) -> dict[str, dict[str, Any]]:
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=1000, query={"match_all": {}})["hits"]["hits"]
    return {h["_id"]: h["_source"] for h in hits}


def _run(es: Any, raw: Path, alias: str, **kw: Any) -> dict[str, Any]:
    settings = kw.pop("settings", get_settings())
    return pipeline.run(
        es, input_root=raw, alias=alias, mode="incremental", settings=settings, **kw
    )


@pytest.fixture
def second_alias(es: Any, fresh_alias: str) -> Any:
    alias = f"{fresh_alias}-w2"
    yield alias
    for name in es.indices.get(index=f"{alias}*", expand_wildcards="all"):
        es.indices.delete(index=name)


def test_one_export_is_split_into_batches_and_workers_do_not_change_the_result(
    es: Any, fresh_alias: str, second_alias: str, tmp_path: Path
) -> None:
    raw = _export(tmp_path, 24)
    one = _run(es, raw, fresh_alias, batch_size=8, workers=1)
    # Workers replaced after every batch: two rounds of fresh processes, the same result.
    s = get_settings()
    recycled = s.model_copy(
        update={"batches": s.batches.model_copy(update={"worker_max_batches": 1})}
    )
    two = _run(es, raw, second_alias, batch_size=8, workers=2, settings=recycled)
    assert one["batches"] == two["batches"] == 3  # 24 records, 8 per batch
    assert one["counts"]["new"] == two["counts"]["new"] == 24
    assert two["workers"] == 2

    a, b = _docs(es, fresh_alias), _docs(es, second_alias)
    assert sorted(a) == sorted(b) and len(a) == 24
    for doc_id, doc in a.items():
        other = b[doc_id]
        assert doc["entities"] == other["entities"], doc["title"]
        assert doc["content_sha256"] == other["content_sha256"]
    records = sorted(d["source"]["path"] for d in a.values())
    assert records == ["export.jsonl"] * 24


def test_a_record_that_leaves_a_split_export_is_removed_and_the_rest_stay(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = _export(tmp_path, 12)
    first = _run(es, raw, fresh_alias, batch_size=4, workers=1)
    assert first["counts"]["new"] == 12 and first["batches"] == 3
    export = raw / "export.jsonl"
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    gone = json.loads(lines[-1])["url"]
    export.write_text("".join(lines[:-1]), encoding="utf-8")  # the last record is withdrawn

    again = _run(es, raw, fresh_alias, batch_size=4, workers=1)
    c = again["counts"]
    assert (c["new"], c["updated"], c["unchanged"], c["removed"]) == (0, 0, 11, 1)
    docs = _docs(es, fresh_alias)
    assert len(docs) == 11 and gone not in {d["source"].get("url") for d in docs.values()}


def test_a_worker_that_dies_fails_the_run_with_one_line(fresh_alias: str, tmp_path: Path) -> None:
    # Enough batches that work is still queued when a worker is killed, however fast the
    # machine: the kill lands while both workers exist, so futures are always pending.
    raw = _export(tmp_path, 120)
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    args = ["run", "--input", str(raw), "--index", fresh_alias, "--mode", "full"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", *args, "--workers", "2", "--batch-size", "4"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        victim = None
        while victim is None:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            kids = psutil.Process(proc.pid).children(recursive=True)
            # The pool's workers are the spawned children running multiprocessing's entry.
            workers = [k for k in kids if "spawn_main" in " ".join(k.cmdline())]
            victim = workers[0] if len(workers) >= 2 else None
            time.sleep(0.2)
        os.kill(victim.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, (out, err)
    lines = [line for line in err.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "a worker process died" in lines[0]
