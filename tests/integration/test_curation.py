"""Issue 13: curation without rebuilds, against the real Elasticsearch.

An alias-table edit reaches indexed documents on the next incremental run without reading a
raw file or running NER; a model change re-runs NER on the stored text; documents made before
the stored spans fall back to NER; entities re-derived from what is stored equal a fresh run's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl import pipeline
from etl.gazetteer import load_alias_table
from etl.reprocess import recanonicalize
from etl.settings import PROJECT_ROOT, Settings, get_settings

pytestmark = pytest.mark.integration

SEEDS = PROJECT_ROOT / "data" / "sample"
OLD, NEW = "Vostochny Cosmodrome", "Vostochny Space Center"


def _seeds(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS, raw)
    return raw


def _renamed_table(tmp_path: Path) -> Path:
    """A copy of the alias table where the cosmodrome is renamed, its old name an alias."""
    data = yaml.safe_load((PROJECT_ROOT / "config" / "entities.yml").read_text(encoding="utf-8"))
    [entry] = [e for e in data["entities"] if e["name"] == OLD]
    entry["name"], entry["aliases"] = NEW, [OLD, *entry["aliases"]]
    out = tmp_path / "entities.yml"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return out


def _settings_file(tmp_path: Path, aliases: Path) -> Path:
    data = yaml.safe_load((PROJECT_ROOT / "config" / "settings.yml").read_text(encoding="utf-8"))
    data["entities"]["aliases"] = str(aliases)
    out = tmp_path / "settings.yml"
    out.write_text(yaml.safe_dump(data), encoding="utf-8")
    return out


def _cli(args: list[str], settings_file: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    if settings_file:
        env["NEWS_ETL_SETTINGS"] = str(settings_file)
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _docs(es: Any, alias: str) -> list[dict[str, Any]]:
    es.indices.refresh(index=alias)
    return [h["_source"] for h in es.search(index=alias, size=100)["hits"]["hits"]]


def _last_record(es: Any, alias: str) -> dict[str, Any]:
    es.indices.refresh(index=f"{alias}-runs")
    hits = es.search(
        index=f"{alias}-runs",
        size=1,
        sort=[{"started_at": "desc"}],
        query={"exists": {"field": "run_id"}},
    )["hits"]["hits"]
    return dict(hits[0]["_source"])


def _with_entities(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"entities": settings.entities.model_copy(update=changes)})


def test_an_alias_edit_reaches_every_document_without_reading_a_file(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = _seeds(tmp_path)
    run = ["run", "--input", str(raw), "--index", fresh_alias, "--workers", "1"]
    first = _cli(run)
    assert first.returncode == 0, first.stderr
    assert all(OLD in d["entities"]["locations"] for d in _docs(es, fresh_alias))

    edited = _settings_file(tmp_path, _renamed_table(tmp_path))
    dry = _cli([*run, "--dry-run"], edited)
    assert dry.returncode == 0, dry.stderr
    assert "documents whose stale stages would be redone: entities 5" in dry.stdout

    again = _cli(run, edited)
    assert again.returncode == 0, again.stderr
    assert "reprocessed 5 (entities 5), their files unchanged; raw files read 0 of 5" in (
        again.stdout
    )
    for doc in _docs(es, fresh_alias):
        assert NEW in doc["entities"]["locations"] and OLD not in doc["entities"]["locations"]
    c = _last_record(es, fresh_alias)["counts"]
    assert (c["reprocessed"], c["new"], c["updated"]) == (5, 0, 0)
    assert c["reprocessed_stages"] == {"entities": 5}
    assert (c["files_skipped"], c["processed"]) == (5, 0)  # no file read, no NER

    third = _cli(run, edited)  # nothing left to do
    assert third.returncode == 0 and "reprocessed" not in third.stdout
    assert _last_record(es, fresh_alias)["counts"]["reprocessed"] == 0


def test_entities_from_stored_spans_equal_a_fresh_run(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    settings = get_settings()
    pipeline.run(es, input_root=_seeds(tmp_path), alias=fresh_alias, mode="full", settings=settings)
    table = load_alias_table(settings.path(settings.entities.aliases))
    docs = _docs(es, fresh_alias)
    assert len(docs) == 5
    for doc in docs:
        again = recanonicalize(doc, table)
        assert again is not None and again.model == doc["entities_model"]
        assert list(again.persons) == doc["entities"]["persons"], doc["title"]
        assert list(again.organizations) == doc["entities"]["organizations"]
        assert list(again.locations) == doc["entities"]["locations"]
        assert list(again.other) == doc["entities"]["other"]
        assert dict(again.mentions) == {m["name"]: m["count"] for m in doc["entity_mentions"]}


def test_a_model_change_reruns_ner_on_the_stored_text(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    settings = get_settings()
    raw = _seeds(tmp_path)
    pipeline.run(es, input_root=raw, alias=fresh_alias, mode="incremental", settings=settings)
    before = {d["source"]["path"]: d["entities"] for d in _docs(es, fresh_alias)}
    # The NER fingerprint covers the chunk size: a change there is a change of the model's
    # input, so the stored spans are stale (these short articles give the same entities).
    changed = _with_entities(settings, chunk_chars=settings.entities.chunk_chars // 2)
    (raw / "000_c0d6529fb5cb26f5.txt").chmod(0)  # an unreadable raw file is not needed
    try:
        run = pipeline.run(
            es, input_root=raw, alias=fresh_alias, mode="incremental", settings=changed
        )
    finally:
        (raw / "000_c0d6529fb5cb26f5.txt").chmod(0o644)
    c = run["counts"]
    assert (c["reprocessed"], c["reprocessed_stages"], c["processed"]) == (5, {"ner": 5}, 0)
    after = {d["source"]["path"]: d["entities"] for d in _docs(es, fresh_alias)}
    assert after == before


def test_a_document_without_stored_spans_falls_back_to_ner(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    settings = get_settings()
    raw = _seeds(tmp_path)
    pipeline.run(es, input_root=raw, alias=fresh_alias, mode="incremental", settings=settings)
    es.indices.refresh(index=fresh_alias)
    [hit] = es.search(index=fresh_alias, size=1, sort=[{"source.path": "asc"}])["hits"]["hits"]
    # As a version before stored spans indexed its entities: no spans, no NER fingerprint.
    old = {k: v for k, v in hit["_source"].items() if k != "ner_spans"}
    old["pipeline"] = {k: v for k, v in old["pipeline"].items() if k in ("clean", "metadata")}
    es.index(index=fresh_alias, id=hit["_id"], document=old, refresh=True)
    edited = _with_entities(settings, aliases=_renamed_table(tmp_path))
    run = pipeline.run(es, input_root=raw, alias=fresh_alias, mode="incremental", settings=edited)
    c = run["counts"]
    assert (c["reprocessed"], c["new"], c["processed"]) == (5, 0, 0)
    assert c["reprocessed_stages"] == {"entities": 4, "ner": 1}
    for doc in _docs(es, fresh_alias):
        assert NEW in doc["entities"]["locations"] and "ner_spans" in doc
        assert doc["pipeline"]["entities"] == run_fingerprint(edited)


def run_fingerprint(settings: Settings) -> str:
    from etl.fingerprints import fingerprints

    return fingerprints(settings).entities


def test_a_broken_alias_table_fails_the_run_at_start_naming_the_line(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = _seeds(tmp_path)
    assert _cli(["run", "--input", str(raw), "--index", fresh_alias]).returncode == 0
    table = tmp_path / "entities.yml"
    lines = (PROJECT_ROOT / "config" / "entities.yml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == f"- name: {OLD}")
    dup = "  - name: Vostochny Again\n    type: location\n    aliases: [Vostochny spaceport]"
    lines.insert(at + 4, dup)  # after the cosmodrome's four lines; claims one of its aliases
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _cli(
        ["run", "--input", str(raw), "--index", fresh_alias], _settings_file(tmp_path, table)
    )
    assert out.returncode == 2, out.stdout
    [line] = out.stderr.strip().splitlines()
    assert line.startswith(f"error: {table}:{at + 7}: ") and "Vostochny spaceport" in line
    c = _last_record(es, fresh_alias)["counts"]  # the first run's: nothing was reprocessed
    assert c["new"] == 5 and c["reprocessed"] == 0
    assert json.dumps(_docs(es, fresh_alias)).count(OLD) >= 5
