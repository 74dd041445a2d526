"""Index names, generation pruning, and the two strict mappings in config/."""

from __future__ import annotations

import dataclasses
import json

import pytest
from mapping_support import leaf_types

from etl.index import is_generation, select_doomed
from etl.runs import runs_index
from etl.settings import PROJECT_ROOT
from etl.stats import REDO_STAGES, RUN_STAGES, RunCounts

MARKED = {"managed_by": "news-etl", "alias": "news", "mapping_version": 4}


@pytest.mark.parametrize(
    ("name", "meta", "ours"),
    [
        ("news-20260101020000", MARKED, True),
        ("news-20260101020000-2", MARKED, True),
        ("news-20260101020000", {**MARKED, "mapping_version": 3}, True),  # before geo.*
        ("news-2026.01.01", {}, False),  # someone's daily log index
        ("news-2026.01.01", {"mapping_version": 2}, False),  # not the pipeline's name either
        ("news-20260101020000", {}, False),  # the name alone is no proof
        ("news-20260101020000", {"mapping_version": 2}, True),  # made before the marker
        ("news-20260101020000-3", {"mapping_version": 1}, True),
        ("news-20260101020000", {**MARKED, "alias": "other"}, False),  # another alias's
        ("news-2026-x", {**MARKED}, True),  # the marker decides, whatever the name
        ("newsroom-20260101020000", {"mapping_version": 2}, False),
        ("news-runs", {}, False),
    ],
)
def test_is_generation_needs_the_marker_or_the_legacy_name_and_mapping(
    name: str, meta: dict, ours: bool
) -> None:
    assert is_generation(name, meta, "news") is ours


def test_runs_index_name() -> None:
    assert runs_index("news") == "news-runs"


G = [f"news-2026010{d}000000" for d in range(1, 7)]  # six generations, oldest first


@pytest.mark.parametrize(
    ("current", "previous", "keep", "doomed"),
    [
        (G[5], G[4], 2, G[:4]),  # keep the new one and the one it replaced
        (G[5], G[4], 1, G[:5]),
        (G[5], G[4], 6, []),
        (G[5], G[2], 2, [G[0], G[1], G[3], G[4]]),  # G[3], G[4]: failed runs, never published
        (G[5], None, 3, G[:3]),  # alias did not exist before
        (G[3], G[2], 2, [G[0], G[1]]),  # newer ones (a run in progress) are left alone
        (G[0], None, 2, []),
    ],
)
def test_select_doomed(current, previous, keep, doomed) -> None:
    assert select_doomed(G, current=current, previous=previous, keep=keep) == doomed


def _mapping(name: str) -> dict:
    return json.loads((PROJECT_ROOT / "config" / name).read_text())["template"]["mappings"]


def test_runs_mapping_is_exactly_the_run_record_contract() -> None:
    m = _mapping("runs_template.json")
    assert m["dynamic"] == "strict"
    # The record's counts are RunCounts' fields, its stages STAGES: the mapping must follow.
    counts = [f.name for f in dataclasses.fields(RunCounts) if f.name != "reprocessed_stages"]
    expected = {
        "run_id": "keyword",
        "mode": "keyword",
        "status": "keyword",
        "alias": "keyword",
        "index": "keyword",
        "input": "keyword",
        "dry_run": "boolean",
        "started_at": "date",
        "ended_at": "date",
        "duration_seconds": "float",
        "batches": "integer",
        "workers": "integer",
        **{f"counts.{c}": "integer" for c in counts},
        **{f"counts.reprocessed_stages.{s}": "integer" for s in REDO_STAGES},
        **{f"stage_seconds.{s}": "float" for s in RUN_STAGES},
        "quarantine.path": "keyword",
        "quarantine.sha256": "keyword",
        "quarantine.stage": "keyword",
        "quarantine.reason": "keyword",
        "quarantine.reason.text": "text",
        "quarantine.record": "integer",
        "warnings.path": "keyword",
        "warnings.sha256": "keyword",
        "warnings.reason": "keyword",
        "warnings.reason.text": "text",
        "warnings.record": "integer",
        "versions.pipeline": "keyword",
        "versions.model": "keyword",
        "versions.elasticsearch": "keyword",
        "error": "text",
        # Alias-table snapshots (etl.reprocess): stored, never searched.
        "alias_table": "object",
        # Person merge maps (etl.merges), diffed by the next pass: stored, never searched.
        "person_merges": "object",
        # The one-run-per-alias lease (etl.lease) lives beside the records.
        "lease.holder": "keyword",
        "lease.acquired_at": "date",
        "lease.expires_at": "date",
    }
    assert leaf_types(m["properties"], subfields=True) == expected


def test_document_mapping_is_strict_and_versioned() -> None:
    m = _mapping("index_template.json")
    assert m["dynamic"] == "strict" and isinstance(m["_meta"]["mapping_version"], int)
    fields = leaf_types(m["properties"], subfields=True)
    for facet in ("entities.persons", "entities.organizations", "entities.locations"):
        assert fields[facet] == "keyword" and fields[f"{facet}.text"] == "text"
    assert fields["content_sha256"] == "keyword" and fields["published_at"] == "date"
    assert fields["geo.countries"] == "keyword" and fields["geo.points"] == "geo_point"


# Each mapping version and the properties it stands for. Incremental runs put the template's
# mapping on an existing index only when the version differs, so a change without a new
# version would leave old indices refusing the new fields.
MAPPING_VERSIONS = {
    1: "fbb71d62cb6cc942713a65989eeb877017979dea9110d9ea64beb3a6a9c356dd",
    2: "1e9157ed06e49a2207d7b26daaa44587e43087582a0a911a49facbdfd2717f59",  # source.meta_sha256
    # 3: pipeline.* fingerprints, ner_spans; story.* (near-duplicate stories)
    3: "3527702d84f5a23fed92daac9c9aa772c4eefad339c9cc886b352539b94cb9b4",
    # 4: geo.countries, geo.points (places resolved); pipeline.merges (person merge map)
    4: "54e5bfacc38441b02f2e16fbe540c8482817a5a12cf1e9c6ab9d06ff5866ae6e",
}


def test_a_mapping_change_comes_with_a_new_mapping_version() -> None:
    import hashlib

    m = _mapping("index_template.json")
    digest = hashlib.sha256(json.dumps(m["properties"], sort_keys=True).encode()).hexdigest()
    version = m["_meta"]["mapping_version"]
    assert version == max(MAPPING_VERSIONS), "bump _meta.mapping_version and add it here"
    assert digest == MAPPING_VERSIONS[version], (
        f"the mapping changed: bump _meta.mapping_version to {version + 1} and add "
        f"{version + 1}: {digest!r} to MAPPING_VERSIONS"
    )
