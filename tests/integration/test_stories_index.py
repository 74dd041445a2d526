"""Issue 12: near-duplicate copies share a story, across runs, against the real Elasticsearch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from story_support import COPY, PAGE, SAMPLES, body_of, write_copies, write_samples

from etl import pipeline
from etl.settings import get_settings

pytestmark = pytest.mark.integration

WEATHER = (
    "Rain is expected over Lisbon on Thursday, with winds of up to 40 kilometres an hour along "
    "the coast, the national weather service said. Temperatures will stay mild."
)


def _run(es: Any, raw: Path, alias: str, mode: str = "incremental") -> dict[str, Any]:
    return pipeline.run(es, input_root=raw, alias=alias, mode=mode, settings=get_settings())


def _stories(es: Any, alias: str) -> dict[str, dict[str, Any]]:
    """path (and record) -> the document's story fields."""
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=100)["hits"]["hits"]
    out = {}
    for h in hits:
        path = h["_source"]["source"]["path"]
        out[path] = {k: v for k, v in h["_source"]["story"].items() if k != "bands"}
        out[path]["doc"] = h["_id"]
    return out


def _check_acceptance(s: dict[str, dict[str, Any]]) -> None:
    assert len(s) == 7
    assert len({v["id"] for v in s.values()}) == 5
    assert s[COPY]["id"] == s[SAMPLES[0]]["id"] and s[PAGE]["id"] == s[SAMPLES[2]]["id"]
    for path, v in s.items():
        pair = path in (COPY, PAGE, SAMPLES[0], SAMPLES[2])
        assert v["size"] == (2 if pair else 1), path
    for story in {v["id"] for v in s.values()}:
        members = [v for v in s.values() if v["id"] == story]
        [rep] = [v for v in members if v["canonical"]]
        assert story.endswith("~" + rep["doc"])


def test_copies_share_their_originals_story_in_one_run(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    write_samples(raw)
    write_copies(raw)
    _run(es, raw, fresh_alias)
    _check_acceptance(_stories(es, fresh_alias))


def test_copies_arriving_the_next_night_join_the_story_and_a_rebuild_agrees(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    write_samples(raw)
    _run(es, raw, fresh_alias)
    first = _stories(es, fresh_alias)
    assert len({v["id"] for v in first.values()}) == 5
    write_copies(raw)
    second = _run(es, raw, fresh_alias)
    assert second["counts"]["new"] == 2
    later = _stories(es, fresh_alias)
    _check_acceptance(later)
    # Untouched stories kept their ids (a joined one takes its earliest member's key).
    assert [later[p]["id"] == first[p]["id"] for p in SAMPLES[3:]] == [True, True]
    # A full rebuild, which reads the copies with the originals, gives the same story ids.
    _run(es, raw, fresh_alias, mode="full")
    assert _stories(es, fresh_alias) == later


def test_a_copy_that_changes_or_leaves_keeps_the_others_sizes_true(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    write_samples(raw)
    write_copies(raw)
    # The HTML copy also arrives as a record of an export, which a later run withdraws.
    record = {"url": "https://wire.example/kim-putin", "title": "Copy", "text": body_of(SAMPLES[2])}
    (raw / "wire.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    _run(es, raw, fresh_alias)
    s = _stories(es, fresh_alias)
    assert s["wire.jsonl"]["id"] == s[SAMPLES[2]]["id"] and s[SAMPLES[2]]["size"] == 3

    # The record is withdrawn (another takes its place in the export)...
    other = {"url": "https://wire.example/weather", "title": "Weather", "text": WEATHER}
    (raw / "wire.jsonl").write_text(json.dumps(other) + "\n", encoding="utf-8")
    # ...and the republished copy is corrected into a different article.
    (raw / COPY).write_text(body_of(SAMPLES[4]).replace("Putin", "Mr Putin") + "\nEnd.\n")
    out = _run(es, raw, fresh_alias)
    assert out["counts"]["updated"] == 1
    s = _stories(es, fresh_alias)
    assert out["counts"]["removed"] == 1 and s["wire.jsonl"]["size"] == 1
    assert s[SAMPLES[2]]["size"] == 2 and s[PAGE]["size"] == 2
    assert s[SAMPLES[0]]["size"] == 1 and s[SAMPLES[0]]["canonical"]
    assert s[COPY]["id"] == s[SAMPLES[4]]["id"] and s[SAMPLES[4]]["size"] == 2


def test_the_story_fields_are_not_content(es: Any, fresh_alias: str, tmp_path: Path) -> None:
    """Joining a story rewrites no document body and makes nothing look changed next night."""
    raw = tmp_path / "raw"
    shutil.copytree(Path(__file__).resolve().parents[2] / "data" / "sample", raw)
    write_copies(raw)
    _run(es, raw, fresh_alias)
    again = _run(es, raw, fresh_alias)
    c = again["counts"]
    assert (c["new"], c["updated"], c["unchanged"]) == (0, 0, 7)
