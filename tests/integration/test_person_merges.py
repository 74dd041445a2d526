"""Issue 14, item 4: one person's variants merged across the index, and un-merged, against the
real Elasticsearch, through the stages the DAG runs (etl.pipeline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from etl import pipeline
from etl.merges import SNAPSHOT, map_fingerprint
from etl.settings import PROJECT_ROOT, Settings, get_settings

pytestmark = pytest.mark.integration

ARTICLES = {
    "a.txt": "Guy on puzzles\n\nThe mathematician Richard Guy spoke at the University of Calgary "
    "on Monday about unsolved problems in number theory. Guy said the problems would keep "
    "students busy for decades.",
    "b.txt": "A book on games\n\nRichard K. Guy, a British mathematician, published a new book on "
    "combinatorial games on Tuesday. Guy wrote it with Elwyn Berlekamp and John Conway.",
}
THIRD = (
    "c.txt",
    "A court case\n\nRichard J. Guy, a lawyer from Toronto, said on Friday that the case "
    "would go to court. Guy represents the city in the dispute.",
)
MERGED = {"Richard Guy": "Richard K. Guy"}


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, text in ARTICLES.items():
        (raw / name).write_text(text, encoding="utf-8")
    return raw


def _persons(es: Any, alias: str) -> dict[str, dict[str, Any]]:
    es.indices.refresh(index=alias)
    hits = es.search(index=alias, size=100)["hits"]["hits"]
    return {h["_source"]["source"]["path"]: h["_source"] for h in hits}


def _run_like_the_dag(es: Any, alias: str, raw: Path, settings: Settings, staging: Path) -> Any:
    """start -> discover -> process/load (mapped) -> plan_rederive -> rederive/load -> finalize."""
    ctx = pipeline.start_run(
        es,
        input_root=raw,
        alias=alias,
        mode="incremental",
        settings=settings,
        staging=str(staging),
    )
    loads = []
    for batch in [
        *pipeline.discover(ctx, settings, max_docs=10, es=es),
    ]:
        loads.append(
            pipeline.load_batch(es, ctx, pipeline.process_batch(ctx, batch, settings), settings)
        )
    for batch in pipeline.plan_rederive(es, ctx, settings, max_docs=10):
        loads.append(
            pipeline.load_batch(es, ctx, pipeline.process_batch(ctx, batch, settings), settings)
        )
    return pipeline.finalize(es, ctx, loads, settings)


def test_two_variants_merge_and_a_third_unmerges_them(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    settings = get_settings()
    raw = _raw(tmp_path)
    first = _run_like_the_dag(es, fresh_alias, raw, settings, tmp_path / "s1")
    docs = _persons(es, fresh_alias)
    assert docs["a.txt"]["entities"]["persons"] == ["Richard K. Guy"]
    assert "Richard K. Guy" in docs["b.txt"]["entities"]["persons"]
    # Mention counts follow the merge; the model's spans keep the name as written.
    a = {m["name"]: m["count"] for m in docs["a.txt"]["entity_mentions"]}
    assert a["Richard K. Guy"] == 2 and "Richard Guy" not in a
    assert any(s[0] == "Richard Guy" for s in docs["a.txt"]["ner_spans"])
    fp = map_fingerprint(MERGED)
    assert {d["pipeline"].get("merges") for d in docs.values()} == {fp}
    c = first["counts"]
    assert c["new"] == 2 and c["reprocessed_stages"] == {"merges": 2}
    es.indices.refresh(index=f"{fresh_alias}-runs")
    snap = es.get(index=f"{fresh_alias}-runs", id=SNAPSHOT + str(fp))["_source"]
    assert snap["person_merges"]["pairs"] == [["Richard Guy", "Richard K. Guy"]]

    again = _run_like_the_dag(es, fresh_alias, raw, settings, tmp_path / "s2")
    assert again["counts"]["reprocessed"] == 0  # nothing moved: nothing rewritten

    # Tonight's new document with a variant is merged tonight, the map unchanged.
    (raw / "d.txt").write_text(ARTICLES["a.txt"].replace("Monday", "Tuesday"), encoding="utf-8")
    nightly = _run_like_the_dag(es, fresh_alias, raw, settings, tmp_path / "s4")
    assert _persons(es, fresh_alias)["d.txt"]["entities"]["persons"] == ["Richard K. Guy"]
    assert nightly["counts"]["new"] == 1
    assert nightly["counts"]["reprocessed_stages"] == {"merges": 1}

    (raw / THIRD[0]).write_text(THIRD[1], encoding="utf-8")
    third = _run_like_the_dag(es, fresh_alias, raw, settings, tmp_path / "s3")
    docs = _persons(es, fresh_alias)
    assert docs["a.txt"]["entities"]["persons"] == ["Richard Guy"]
    assert docs["d.txt"]["entities"]["persons"] == ["Richard Guy"]
    assert "Richard K. Guy" in docs["b.txt"]["entities"]["persons"]
    assert docs["c.txt"]["entities"]["persons"] == ["Richard J. Guy"]
    a = {m["name"]: m["count"] for m in docs["a.txt"]["entity_mentions"]}
    assert a["Richard Guy"] == 2
    assert all("merges" not in d["pipeline"] for d in docs.values())
    assert third["counts"]["new"] == 1
    assert third["counts"]["reprocessed_stages"] == {"merges": 3}


def test_an_alias_table_entry_takes_the_name_back_from_the_merge(
    es: Any, fresh_alias: str, tmp_path: Path
) -> None:
    settings = get_settings()
    raw = _raw(tmp_path)
    first = pipeline.run(
        es, input_root=raw, alias=fresh_alias, mode="incremental", settings=settings
    )
    assert first["counts"]["reprocessed_stages"] == {"merges": 2}
    assert _persons(es, fresh_alias)["a.txt"]["entities"]["persons"] == ["Richard K. Guy"]

    # The curation path: the editor lists Richard Guy, so the rule leaves the name to the table.
    data = yaml.safe_load((PROJECT_ROOT / "config" / "entities.yml").read_text(encoding="utf-8"))
    data["entities"].append({"name": "Richard Guy", "type": "person", "aliases": []})
    table = tmp_path / "entities.yml"
    table.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    edited = settings.model_copy(
        update={"entities": settings.entities.model_copy(update={"aliases": table})}
    )
    run = pipeline.run(es, input_root=raw, alias=fresh_alias, mode="incremental", settings=edited)
    docs = _persons(es, fresh_alias)
    assert docs["a.txt"]["entities"]["persons"] == ["Richard Guy"]
    assert "Richard K. Guy" in docs["b.txt"]["entities"]["persons"]
    assert run["counts"]["reprocessed"] == 2
    assert all("merges" not in d["pipeline"] for d in docs.values())


def test_switched_off_the_merges_are_undone(es: Any, fresh_alias: str, tmp_path: Path) -> None:
    settings = get_settings()
    raw = _raw(tmp_path)
    pipeline.run(es, input_root=raw, alias=fresh_alias, mode="incremental", settings=settings)
    assert _persons(es, fresh_alias)["a.txt"]["entities"]["persons"] == ["Richard K. Guy"]
    off = settings.model_copy(
        update={"entities": settings.entities.model_copy(update={"merge_middle_names": False})}
    )
    dry = pipeline.run(
        es, input_root=raw, alias=fresh_alias, mode="incremental", settings=off, dry_run=True
    )
    assert dry["would_reprocess"] == {"merges": 2}
    assert _persons(es, fresh_alias)["a.txt"]["entities"]["persons"] == ["Richard K. Guy"]
    run = pipeline.run(es, input_root=raw, alias=fresh_alias, mode="incremental", settings=off)
    assert _persons(es, fresh_alias)["a.txt"]["entities"]["persons"] == ["Richard Guy"]
    assert run["counts"]["reprocessed_stages"] == {"merges": 2}


def test_a_full_rebuild_publishes_merged_values(es: Any, fresh_alias: str, tmp_path: Path) -> None:
    settings = get_settings()
    run = pipeline.run(
        es, input_root=_raw(tmp_path), alias=fresh_alias, mode="full", settings=settings
    )
    c = run["counts"]
    assert (c["new"], c["reprocessed_stages"]) == (2, {"merges": 2})
    docs = _persons(es, fresh_alias)  # published: the count check left out the rewrites
    assert len(docs) == 2 and docs["a.txt"]["entities"]["persons"] == ["Richard K. Guy"]
