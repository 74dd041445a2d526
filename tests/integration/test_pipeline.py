"""The pipeline end to end against the real local Elasticsearch (issue 5's measurements).

Each test gets a fresh alias (``fresh_alias``), a copy of the seed articles, and refreshes
before asserting.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from prerequisites import need

from etl import pipeline, staging
from etl.settings import get_settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "data" / "sample"


def _run(es, tmp_path: Path, input_root: Path, alias: str, mode: str = "incremental", **kw):
    stage = tmp_path / f"stage-{time.monotonic_ns()}"
    return pipeline.run(
        es,
        input_root=input_root,
        alias=alias,
        mode=mode,
        settings=get_settings(),
        staging=str(stage),
        **kw,
    )


def _docs(es, alias: str) -> dict[str, dict]:
    es.indices.refresh(index=alias)
    resp = es.search(index=alias, size=1000, query={"match_all": {}})
    return {h["_id"]: h["_source"] for h in resp["hits"]["hits"]}


def _batches(es, tmp_path: Path, input_root: Path, alias: str) -> list[str]:
    """The batch manifests an incremental run would write now (what it would re-read)."""
    settings = get_settings()
    ctx = pipeline.start_run(
        es,
        input_root=input_root,
        alias=alias,
        mode="incremental",
        staging=str(tmp_path / f"stage-check-{time.monotonic_ns()}"),
        settings=settings,
        dry_run=True,  # a look only: takes no lease, writes nothing
    )
    return pipeline.discover(ctx, settings, max_docs=10, es=es)


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    dst = tmp_path / "raw"
    shutil.copytree(SEEDS, dst)
    return dst


def test_second_run_on_same_input_changes_nothing(es, fresh_alias, seeds, tmp_path):
    first = _run(es, tmp_path, seeds, fresh_alias)
    docs1 = _docs(es, fresh_alias)
    second = _run(es, tmp_path, seeds, fresh_alias)
    docs2 = _docs(es, fresh_alias)

    assert first["counts"]["new"] == 5 and first["counts"]["files_seen"] == 5
    assert second["counts"] == {
        "files_seen": 5,
        "files_skipped": 5,  # not even read
        "processed": 0,
        "new": 0,
        "updated": 0,
        "unchanged": 5,
        "quarantined": 0,
        "failed": 0,
        "removed": 0,
        "warnings": 0,
        "reprocessed": 0,
        "reprocessed_stages": {},
    }
    assert docs1.keys() == docs2.keys() and len(docs2) == 5
    # Untouched means untouched: not even re-written with a new run id.
    assert {d["run_id"] for d in docs2.values()} == {first["run_id"]}


def test_changed_file_updates_its_document_in_place(es, fresh_alias, seeds, tmp_path):
    _run(es, tmp_path, seeds, fresh_alias)
    before = _docs(es, fresh_alias)
    target = seeds / "002_e3048dc01d6e26c3.txt"
    target.write_text(
        target.read_text(encoding="utf-8") + "\n\nEditor's note: this article was updated.\n",
        encoding="utf-8",
    )
    run = _run(es, tmp_path, seeds, fresh_alias)
    after = _docs(es, fresh_alias)

    assert run["counts"]["updated"] == 1 and run["counts"]["new"] == 0
    assert run["counts"]["unchanged"] == 4
    assert before.keys() == after.keys()
    changed = [i for i in after if after[i]["content_sha256"] != before[i]["content_sha256"]]
    assert len(changed) == 1
    assert after[changed[0]]["source"]["path"] == "002_e3048dc01d6e26c3.txt"
    assert "updated" in after[changed[0]]["body"]
    for i in after.keys() - set(changed):
        assert after[i] == before[i]


def test_full_rebuild_never_shows_searchers_a_partial_index(es, fresh_alias, seeds, tmp_path):
    """Searches during a rebuild see the complete old set or the complete new set, never less
    and never a mix (the new set has one more article and one changed)."""
    first = _run(es, tmp_path, seeds, fresh_alias, mode="full")
    old = {i: d["content_sha256"] for i, d in _docs(es, fresh_alias).items()}
    (seeds / "extra.txt").write_text(
        "Harbour reopens\n\nThe city council reopened the harbour on Monday after repairs.\n",
        encoding="utf-8",
    )
    changed = seeds / "002_e3048dc01d6e26c3.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nUpdated.\n", encoding="utf-8")
    seen: list[dict[str, str]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def search_loop() -> None:
        while not stop.is_set():
            try:
                hits = es.search(index=fresh_alias, size=100, source=["content_sha256"])
                seen.append(
                    {h["_id"]: h["_source"]["content_sha256"] for h in hits["hits"]["hits"]}
                )
            except Exception as e:  # any failed search is a visible gap
                errors.append(e)

    t = threading.Thread(target=search_loop)
    t.start()
    try:
        second = _run(es, tmp_path, seeds, fresh_alias, mode="full", batch_size=2)
    finally:
        stop.set()
        t.join(timeout=30)
    new = {i: d["content_sha256"] for i, d in _docs(es, fresh_alias).items()}

    assert second["index"] != first["index"] and len(new) == 6 and new != old
    assert errors == []
    assert len(seen) > 10, "the search loop did not overlap the rebuild"
    assert all(s in (old, new) for s in seen)
    assert seen[0] == old
    assert list(es.indices.get_alias(name=fresh_alias)) == [second["index"]]


def test_document_breaking_the_mapping_is_quarantined_others_load(es, fresh_alias, seeds, tmp_path):
    """A staged batch in which one document's field has the wrong type (as after a mapping
    change): Elasticsearch's reason goes to the quarantine and the run record, the rest loads."""
    settings = get_settings()
    stage = str(tmp_path / "stage")
    ctx = pipeline.start_run(
        es,
        input_root=seeds,
        alias=fresh_alias,
        mode="incremental",
        staging=stage,
        settings=settings,
    )
    [batch] = pipeline.discover(ctx, settings, max_docs=10, es=es)
    staged = pipeline.process_batch(ctx, batch, settings)
    rows = list(staging.read_jsonl(staged))
    bad = next(r for r in rows if r["doc"]["source"]["path"] == "003_97a905035ee72679.txt")
    bad["doc"]["language_confidence"] = "very high"
    staging.write_jsonl(staged, rows)

    result = pipeline.load_batch(es, ctx, staged, settings)
    record = pipeline.finalize(es, ctx, [result], settings)

    assert result.new == 4 and result.failed == 1 and result.quarantined == 1
    assert record["counts"]["new"] == 4 and record["counts"]["failed"] == 1
    assert record["counts"]["quarantined"] == 1
    [q] = record["quarantine"]
    assert q["path"] == "003_97a905035ee72679.txt" and q["stage"] == "load"
    assert q["reason"].startswith("document_parsing_exception:")
    assert "language_confidence" in q["reason"] and q["sha256"]
    assert len(_docs(es, fresh_alias)) == 4
    stored = es.get(index=f"{fresh_alias}-runs", id=ctx.run_id)["_source"]
    assert stored["counts"] == record["counts"] and stored["quarantine"] == [q]
    assert stored["status"] == "success"


def test_bad_files_are_quarantined_with_reasons_and_the_run_completes(
    es, fresh_alias, seeds, tmp_path
):
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "binary.html").write_bytes(b"\x00\x01\x02\x03" * 100)
    (seeds / "notes.docx").write_bytes(b"PK\x03\x04 not supported")
    run = _run(es, tmp_path, seeds, fresh_alias)

    assert run["counts"]["new"] == 5
    assert run["counts"]["quarantined"] == 3
    reasons = {q["path"]: q["reason"] for q in run["quarantine"]}
    assert set(reasons) == {"empty.txt", "binary.html", "notes.docx"}
    assert all(reasons.values())
    assert (seeds / "binary.html").read_bytes() == b"\x00\x01\x02\x03" * 100


def test_broken_sidecar_is_a_warning_in_the_stored_run_record(es, fresh_alias, seeds, tmp_path):
    """The document loads without its sidecar's fields; the strict runs mapping takes the
    warning, and the stored record says which file and why."""
    (seeds / "001_0c9a970b1ab4d480.txt.meta.json").write_text("{not json", encoding="utf-8")
    run = _run(es, tmp_path, seeds, fresh_alias)

    assert run["counts"]["new"] == 5 and run["counts"]["quarantined"] == 0
    assert run["counts"]["warnings"] == 1
    [w] = run["warnings"]
    assert w["path"] == "001_0c9a970b1ab4d480.txt" and w["sha256"]
    assert w["reason"].startswith("001_0c9a970b1ab4d480.txt.meta.json: Expecting property name")
    stored = es.get(index=f"{fresh_alias}-runs", id=run["run_id"])["_source"]
    assert stored["counts"] == run["counts"] and stored["warnings"] == [w]
    assert len(_docs(es, fresh_alias)) == 5


def test_dry_run_writes_nothing(es, fresh_alias, seeds, tmp_path):
    run = _run(es, tmp_path, seeds, fresh_alias, dry_run=True)
    assert run["status"] == "dry_run" and run["would_load"] == 5
    assert dict(es.indices.get(index=f"{fresh_alias}*")) == {}


def _cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "etl", "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def test_cli_summary_agrees_with_count_and_person_facets(es, fresh_alias):
    out = _cli("--input", str(SEEDS), "--index", fresh_alias)
    assert out.returncode == 0, out.stderr
    run_id = out.stdout.split()[1]
    es.indices.refresh(index=f"{fresh_alias}*")
    record = es.get(index=f"{fresh_alias}-runs", id=run_id)["_source"]
    count = es.count(index=fresh_alias)["count"]
    persons = es.search(
        index=fresh_alias,
        size=0,
        aggs={"p": {"terms": {"field": "entities.persons", "size": 100}}},
    )["aggregations"]["p"]["buckets"]
    by_name = {b["key"]: b["doc_count"] for b in persons}

    assert f"new {count}," in out.stdout and record["counts"]["new"] == count == 5
    assert by_name["Vladimir Putin"] == by_name["Kim Jong Un"] == 5
    assert "Putin" not in by_name and "Kim" not in by_name
    assert f"{fresh_alias}-runs/_doc/{run_id}" in out.stdout
    top = out.stdout.split("top persons: ")[1].splitlines()[0]
    assert f"{fresh_alias} now holds {count} documents" in out.stdout
    assert top.startswith(", ".join(f"{k} {by_name[k]}" for k in list(by_name)[:2]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "/nonexistent/folder"], "input folder not found"),
        (["--input", "data/sample", "--since", "yesterday"], "--since"),
        (["--input", "data/sample", "--mode", "sometimes"], "invalid choice"),
    ],
)
def test_cli_bad_usage_exits_2_with_one_line(args, message):
    out = _cli(*args)
    assert out.returncode == 2
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def _es_local(cmd: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "es_local", cmd],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )


def test_elasticsearch_stopped_mid_run_then_rerun_completes(es, fresh_alias, tmp_path):
    started_here = (ROOT / ".es" / "elasticsearch.pid").exists()
    need(started_here, "Elasticsearch was not started by es_local; cannot stop it")
    raw = tmp_path / "raw"
    for i in range(8):  # 40 articles: long enough to stop the server in the middle
        shutil.copytree(SEEDS, raw / f"copy{i}")
    args = ["--input", str(raw), "--index", fresh_alias, "--batch-size", "5"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "run", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        # Stop the server once the first batch has gone in, with the rest still to come.
        while _indexed(es, fresh_alias) == 0:
            assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        _es_local("down")
        out, err = proc.communicate(timeout=600)
    finally:
        _es_local("up")
    assert proc.returncode == 1, (out, err)
    [line] = err.strip().splitlines()[-1:]
    assert line.startswith("error: run did not complete: ") and "Traceback" not in err
    assert "Elasticsearch" in line  # unreachable, timed out, or refusing while it stops

    # KNOWN LIMIT (closing note): the run died with the server down, so it could not give its
    # lease back; until lease_minutes pass, the operator frees it, as done here.
    from etl.lease import holder, release

    if (stale := holder(es, f"{fresh_alias}-runs")) is not None:
        release(es, f"{fresh_alias}-runs", stale)
    again = _cli(*args)
    assert again.returncode == 0, again.stderr
    docs = _docs(es, fresh_alias)
    assert len(docs) == 40
    assert sorted(d["source"]["path"] for d in docs.values()) == sorted(
        str(p.relative_to(raw)) for p in raw.rglob("*.txt")
    )
    resp = es.search(index=f"{fresh_alias}-runs", size=10, query={"exists": {"field": "run_id"}})
    [record] = [h["_source"] for h in resp["hits"]["hits"] if h["_source"]["status"] == "success"]
    c = record["counts"]
    # The re-run picked up where the first stopped: what had landed is unchanged, not redone.
    assert c["new"] + c["unchanged"] == 40 and c["unchanged"] >= 5 and c["new"] > 0


def _indexed(es, alias: str) -> int:
    """Documents indexed so far, refreshed or not."""
    if not es.indices.exists_alias(name=alias):
        return 0
    stats = es.indices.stats(index=alias, metric="indexing")
    # Empty while the index's shards are still starting.
    return int(stats["_all"]["primaries"].get("indexing", {}).get("index_total", 0))


def test_the_stored_run_record_is_the_one_the_run_returned(es, fresh_alias, seeds, tmp_path):
    run = _run(es, tmp_path, seeds, fresh_alias, batch_size=2)
    stored = es.get(index=f"{fresh_alias}-runs", id=run["run_id"])["_source"]
    assert stored == json.loads(json.dumps(run))  # nothing lost or renamed by the mapping
    assert stored["status"] == "success" and stored["batches"] == 3
    assert stored["counts"]["processed"] == stored["counts"]["new"] == 5
    assert stored["workers"] == 1 and stored["versions"]["elasticsearch"]


def test_touched_file_stays_unchanged_and_is_skipped_next_time(es, fresh_alias, seeds, tmp_path):
    _run(es, tmp_path, seeds, fresh_alias)
    target = seeds / "001_0c9a970b1ab4d480.txt"
    os.utime(target, (time.time() + 3600, time.time() + 3600))
    touched = _run(es, tmp_path, seeds, fresh_alias)
    assert touched["counts"]["unchanged"] == 5 and touched["counts"]["updated"] == 0
    assert _batches(es, tmp_path, seeds, fresh_alias) == []  # nothing to re-read


def test_a_new_pipeline_version_rereads_every_file(es, fresh_alias, seeds, tmp_path, monkeypatch):
    _run(es, tmp_path, seeds, fresh_alias)

    def batches() -> list[str]:
        return _batches(es, tmp_path, seeds, fresh_alias)

    assert batches() == []
    monkeypatch.setattr("etl.changes.__version__", "9.9.9")
    [batch] = batches()
    assert len(staging.read_json(batch)) == 5


def test_one_url_in_two_files_is_one_document_and_one_duplicate(es, fresh_alias, seeds, tmp_path):
    url = "https://example.org/news/1"
    for name in ("a.txt", "b.txt"):
        (seeds / name).write_text(
            f"Story {name}\n\nA long enough body of text about the harbour and the city council.\n",
            encoding="utf-8",
        )
        (seeds / f"{name}.meta.json").write_text(json.dumps({"url": url}), encoding="utf-8")
    run = _run(es, tmp_path, seeds, fresh_alias, mode="full", batch_size=1)

    assert run["status"] == "success" and run["counts"]["new"] == 6
    assert run["counts"]["quarantined"] == 1 and run["counts"]["failed"] == 0
    [dup] = run["quarantine"]
    assert dup["path"] in ("a.txt", "b.txt") and "duplicate" in dup["reason"]
    docs = _docs(es, fresh_alias)
    assert len(docs) == 6
    assert [d["source"]["url"] for d in docs.values() if d["source"].get("url")] == [url]


def test_metadata_edits_reach_documents_and_new_manifest_rows_touch_nothing_else(
    es, fresh_alias, tmp_path
):
    raw = tmp_path / "raw"
    raw.mkdir()
    body = "A long enough body of text about the harbour and the city council.\n"
    for name in ("a.txt", "b.txt"):
        (raw / name).write_text(f"{name}: {body}", encoding="utf-8")
    sidecar = raw / "a.txt.meta.json"
    sidecar.write_text(json.dumps({"title": "First title"}), encoding="utf-8")
    manifest = raw / "manifest.jsonl"
    manifest.write_text(json.dumps({"path": "b.txt", "publisher": "Wire"}) + "\n")

    def counts() -> tuple[int, int, int]:
        c = _run(es, tmp_path, raw, fresh_alias)["counts"]
        return c["new"], c["updated"], c["unchanged"]

    def to_read() -> list[str]:
        found = _batches(es, tmp_path, raw, fresh_alias)
        return [item["path"] for batch in found for item in staging.read_json(batch)]

    assert counts() == (2, 0, 0)
    assert counts() == (0, 0, 2)
    # A scraper appends a row for a new file: only that file is new, nothing else is re-read.
    (raw / "c.txt").write_text(f"c.txt: {body}", encoding="utf-8")
    with manifest.open("a") as f:
        f.write(json.dumps({"path": "c.txt", "publisher": "Wire"}) + "\n")
    assert to_read() == ["c.txt"]
    assert counts() == (1, 0, 2)
    # A corrected sidecar reaches its document although a.txt itself did not change.
    sidecar.write_text(json.dumps({"title": "Corrected title"}), encoding="utf-8")
    assert to_read() == ["a.txt"]
    assert counts() == (0, 1, 2)
    docs = {d["source"]["path"]: d for d in _docs(es, fresh_alias).values()}
    assert docs["a.txt"]["title"] == "Corrected title"
    assert docs["b.txt"]["source"]["name"] == docs["c.txt"]["source"]["name"] == "Wire"
    assert counts() == (0, 0, 3) and to_read() == []


def test_documents_a_file_no_longer_produces_are_removed(es, fresh_alias, tmp_path):
    """A corrected URL gives a new id; a record left its .jsonl: the old documents must go."""
    raw = tmp_path / "raw"
    raw.mkdir()
    body = "A long enough body of text about the harbour and the city council."
    (raw / "a.txt").write_text(f"Story A\n\n{body}\n", encoding="utf-8")
    sidecar = raw / "a.txt.meta.json"
    sidecar.write_text(json.dumps({"url": "https://example.org/old"}), encoding="utf-8")
    feed = raw / "feed.jsonl"

    def records(*urls: str) -> str:
        return "".join(json.dumps({"url": u, "text": f"{u}: {body}"}) + "\n" for u in urls)

    feed.write_text(records("https://example.org/r1", "https://example.org/r2"))
    first = _run(es, tmp_path, raw, fresh_alias)["counts"]
    assert (first["new"], first["removed"]) == (3, 0)

    sidecar.write_text(json.dumps({"url": "https://example.org/new"}), encoding="utf-8")
    feed.write_text(records("https://example.org/r1"))
    second = _run(es, tmp_path, raw, fresh_alias)["counts"]
    # r1 is unchanged (the feed's size and hash are refreshed in place); a's and r2's old go.
    assert (second["new"], second["updated"], second["removed"]) == (1, 0, 2)
    urls = sorted(d["source"]["url"] for d in _docs(es, fresh_alias).values())
    assert urls == ["https://example.org/new", "https://example.org/r1"]

    third = _run(es, tmp_path, raw, fresh_alias)["counts"]  # settled: nothing re-read
    assert (third["new"], third["updated"], third["removed"], third["unchanged"]) == (0, 0, 0, 2)


def test_a_file_that_turns_bad_keeps_its_document(es, fresh_alias, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    page = raw / "a.txt"
    page.write_text("Story A\n\nA long enough body of text about the harbour.\n", "utf-8")
    assert _run(es, tmp_path, raw, fresh_alias)["counts"]["new"] == 1
    page.write_bytes(b"\x00\x01\x02" * 50)  # a broken re-download: quarantined, not a deletion
    run = _run(es, tmp_path, raw, fresh_alias)["counts"]
    assert (run["quarantined"], run["removed"]) == (1, 0)
    assert len(_docs(es, fresh_alias)) == 1


def test_full_rebuild_with_since_is_refused(es, fresh_alias, seeds, tmp_path):
    with pytest.raises(pipeline.UsageError, match="since"):
        _run(es, tmp_path, seeds, fresh_alias, mode="full", since="2026-01-01")
    assert dict(es.indices.get(index=f"{fresh_alias}*")) == {}


def test_failed_full_rebuild_leaves_the_alias_and_no_stray_generation(
    es, fresh_alias, seeds, tmp_path
):
    first = _run(es, tmp_path, seeds, fresh_alias, mode="full")

    class Boom:
        def expect(self, documents: int) -> None:
            pass

        def advance(self, documents: int) -> None:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        _run(es, tmp_path, seeds, fresh_alias, mode="full", batch_size=2, progress=Boom())

    assert list(es.indices.get(index=f"{fresh_alias}-2*")) == [first["index"]]
    assert list(es.indices.get_alias(name=fresh_alias)) == [first["index"]]
    es.indices.refresh(index=f"{fresh_alias}-runs")
    runs = es.search(index=f"{fresh_alias}-runs", query={"term": {"status": "failed"}})
    [failed] = [h["_source"] for h in runs["hits"]["hits"]]
    assert failed["error"] == "disk full" and failed["mode"] == "full"


def test_full_rebuilds_keep_the_configured_generations(es, fresh_alias, seeds, tmp_path):
    s = get_settings()
    assert s.elasticsearch.keep_generations == 2
    first = _run(es, tmp_path, seeds, fresh_alias, mode="full")
    time.sleep(1)  # generations are named by the second
    second = _run(es, tmp_path, seeds, fresh_alias, mode="full")
    time.sleep(1)
    # A generation a crashed full run left behind, newer than the published one.
    from etl import index

    stray = index.new_generation(es, fresh_alias, s)
    time.sleep(1)
    third = _run(es, tmp_path, seeds, fresh_alias, mode="full")

    left = sorted(es.indices.get(index=f"{fresh_alias}-2*"))
    assert left == [second["index"], third["index"]]
    assert first["index"] not in left and stray not in left
    assert list(es.indices.get_alias(name=fresh_alias)) == [third["index"]]
    assert es.count(index=fresh_alias)["count"] == 5


def test_incremental_run_adds_fields_the_mapping_gained(es, fresh_alias, seeds, tmp_path):
    """A new mapping_version with a new field is applied in place; a type change asks for full."""
    _run(es, tmp_path, seeds, fresh_alias)
    base = get_settings()
    tpl = json.loads((ROOT / "config" / "index_template.json").read_text())
    mappings = tpl["template"]["mappings"]
    mappings["_meta"]["mapping_version"] += 1
    mappings["properties"]["summary"] = {"type": "text"}
    added = tmp_path / "added.json"
    added.write_text(json.dumps(tpl))
    settings = base.model_copy(
        update={"elasticsearch": base.elasticsearch.model_copy(update={"template": added})}
    )
    run = pipeline.run(
        es, input_root=seeds, alias=fresh_alias, mode="incremental", settings=settings
    )
    assert run["counts"]["unchanged"] == 5
    [behind] = es.indices.get_alias(name=fresh_alias)
    props = es.indices.get_mapping(index=behind)[behind]["mappings"]["properties"]
    assert props["summary"] == {"type": "text"}

    mappings["_meta"]["mapping_version"] += 1
    mappings["properties"]["language"] = {"type": "text"}
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(tpl))
    settings = base.model_copy(
        update={"elasticsearch": base.elasticsearch.model_copy(update={"template": changed})}
    )
    with pytest.raises(pipeline.PipelineError, match="--mode full"):
        pipeline.run(es, input_root=seeds, alias=fresh_alias, mode="incremental", settings=settings)
