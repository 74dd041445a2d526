"""The hostile-input corpus through `python -m etl run`, against the real local Elasticsearch.

Issue 15's acceptance: the run exits 0 within a bound, every file is accounted for (loaded, or
quarantined with its reason, in the index and the run record), every good file is loaded, no
byte from outside the raw root becomes searchable, and the raw files are left exactly as they were.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hostile_corpus import MAX_FILE_BYTES, SECRET, snapshot, write_corpus

from etl.settings import DEFAULT_SETTINGS

pytestmark = pytest.mark.integration

RECORDS = {"exists": {"field": "run_id"}}  # not the lease or the alias-table snapshot

ROOT = Path(__file__).resolve().parents[2]
BOUND_SECONDS = 300


def test_hostile_corpus_run_accounts_for_every_file(es, fresh_alias, tmp_path: Path) -> None:
    raw, outside = tmp_path / "raw", tmp_path / "outside"
    raw.mkdir()
    outside.mkdir()
    expected = write_corpus(raw, outside)
    before = snapshot(raw)
    # The default limit (20 MB) would make the huge line 40 MB; the rule is the same.
    settings = yaml.safe_load(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    settings["input"]["max_file_bytes"] = MAX_FILE_BYTES
    settings_file = tmp_path / "settings.yml"
    settings_file.write_text(yaml.safe_dump(settings), encoding="utf-8")
    env = {**os.environ, "NEWS_ETL_SETTINGS": str(settings_file), "PYTHONPATH": str(ROOT)}

    out = subprocess.run(
        [sys.executable, "-m", "etl", "run", "--input", str(raw), "--index", fresh_alias],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS,  # a FIFO or /dev/zero used to hang here forever
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]

    es.indices.refresh(index=f"{fresh_alias}*")
    [run] = [
        h["_source"] for h in es.search(index=f"{fresh_alias}-runs", query=RECORDS)["hits"]["hits"]
    ]
    assert run["status"] == "success"
    assert run["counts"]["files_seen"] == len(expected)
    quarantined: dict[str, list[str]] = {}
    for q in run["quarantine"]:
        quarantined.setdefault(q["path"], []).append(q["reason"])
    warned: dict[str, list[str]] = {}
    for w in run["warnings"]:
        warned.setdefault(w["path"], []).append(w["reason"])
    hits = es.search(index=fresh_alias, size=1000, source=["source.path", "title", "body"])
    docs: dict[str, int] = {}
    for h in hits["hits"]["hits"]:
        path = h["_source"]["source"]["path"]
        docs[path] = docs.get(path, 0) + 1
        assert SECRET not in h["_source"]["body"] + (h["_source"].get("title") or "")

    assert set(docs) | set(quarantined) == set(expected)  # every file accounted for, no other
    for path, exp in expected.items():
        assert docs.get(path, 0) == exp.docs, (path, quarantined.get(path))
        got = quarantined.get(path, [])
        assert len(got) == len(exp.quarantined), (path, got)
        for want in exp.quarantined:
            assert any(want in r for r in got), (path, want, got)
        for want in exp.warnings:
            assert any(want in r for r in warned.get(path, [])), (path, want, warned.get(path))
    assert run["counts"]["new"] == sum(e.docs for e in expected.values())
    assert es.count(index=fresh_alias, query={"match_phrase": {"body": SECRET}})["count"] == 0

    assert snapshot(raw) == before  # byte-identical, same mtimes, FIFOs and links untouched
