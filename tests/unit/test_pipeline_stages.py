"""The pipeline's stages without Elasticsearch: contexts, staging layout, run records, rules.

Everything that needs a server is in tests/integration (against the real one, never a mock).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from mapping_support import document_paths, mapping_paths

from etl import pipeline, runs, staging
from etl.changes import epoch_millis
from etl.load import Item, _decide, _reason, classify, not_the_documents_fault
from etl.settings import PROJECT_ROOT, get_settings
from etl.staging import StagingLayout
from etl.stats import LoadCounts

SEEDS = PROJECT_ROOT / "data" / "sample"


def _ctx(tmp_path: Path, **kw: Any) -> pipeline.RunContext:
    d = {
        "run_id": "run-1",
        "alias": "news",
        "mode": "incremental",
        "target_index": "news-20260101000000",
        "input_root": str(SEEDS),
        "started_at": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
        "since": None,
        "dry_run": False,
        "staging": str(tmp_path / "stage"),
    }
    return pipeline.RunContext(**{**d, **kw})


def test_run_context_survives_json(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path)
    assert pipeline.RunContext.from_dict(json.loads(json.dumps(ctx.as_dict()))) == ctx
    assert ctx.incremental and not _ctx(tmp_path, mode="full").incremental


def test_only_a_dry_run_goes_without_elasticsearch(tmp_path: Path) -> None:
    with pytest.raises(pipeline.UsageError, match="Elasticsearch client"):
        pipeline.start_run(
            None,
            input_root=SEEDS,
            alias="news",
            mode="incremental",
            staging=str(tmp_path),
            settings=get_settings(),
        )


def test_run_ids_sort_by_time_and_differ() -> None:
    a, b = pipeline.new_run_id(), pipeline.new_run_id()
    assert a != b and a.startswith("run-20")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"mode": "sometimes"}, "mode must be one of"),
        ({"alias": "News"}, "not a usable alias"),
        ({"alias": "news-runs"}, "not a usable alias"),
        ({"alias": "a/b"}, "not a usable alias"),
        ({"input_root": "/nonexistent/raw"}, "input folder not found"),
        ({"mode": "full", "since": "2026-01-01"}, "incremental"),
        ({"since": "yesterday"}, "since must be a date"),
    ],
)
def test_impossible_requests_are_usage_errors(kw: dict[str, Any], message: str) -> None:
    args = {"input_root": SEEDS, "alias": "news", "mode": "incremental", "since": None, **kw}
    with pytest.raises(pipeline.UsageError, match=message):
        pipeline.check_request(**args, settings=get_settings())


def test_since_is_a_utc_datetime() -> None:
    since = pipeline.check_request(
        SEEDS, "news", "incremental", "2026-01-31", settings=get_settings()
    )
    assert since == datetime(2026, 1, 31, tzinfo=UTC)
    assert (
        pipeline.check_request(SEEDS, "news", "incremental", None, settings=get_settings()) is None
    )


@pytest.mark.parametrize(
    ("when", "millis"),
    [
        (datetime(1970, 1, 1, 0, 0, 1, 999_999, tzinfo=UTC), 1999),  # truncated, as ES does
        (datetime(2026, 1, 1, 1, 0, tzinfo=timezone(timedelta(hours=1))), 1767225600000),
        (datetime(2026, 1, 1), 1767225600000),  # naive means UTC, like the readers
    ],
)
def test_epoch_millis(when: datetime, millis: int) -> None:
    assert epoch_millis(when) == millis


def _doc(sha: str = "h1", run_id: str = "run-2", mtime: str = "2026-01-01T00:00:00+00:00"):
    return {
        "content_sha256": sha,
        "run_id": run_id,
        "source": {"path": "a.txt", "modified_at": mtime},
    }


@pytest.mark.parametrize(
    ("old", "doc", "incremental", "op", "count"),
    [
        (None, _doc(), True, "index", None),
        (None, _doc(), False, "create", None),  # full: never replace silently
        (_doc("h0", "run-1"), _doc(), True, "index", None),  # changed
        (_doc("h1", "run-1"), _doc(), True, None, "unchanged"),
        (_doc("h1", "run-1", "2025-01-01T00:00:00+00:00"), _doc(), True, "update", "unchanged"),
        (_doc("h1", "run-2"), _doc(), False, None, "new"),  # a retried batch of this run
        (_doc("h0", "run-2"), _doc(), False, "quarantine", "duplicate"),
    ],
)
def test_classify(old, doc, incremental, op, count) -> None:
    d = classify(Item("id", doc), old, "idx", incremental=incremental)
    if op == "quarantine":
        assert d.action is None and d.counted is None
        assert d.quarantine.stage == "load" and count in d.quarantine.reason
        return
    assert d.quarantine is None
    assert (d.action["_op_type"] if d.action else None) == op
    if op == "update":
        assert d.action["doc"] == {"source": {"modified_at": doc["source"]["modified_at"]}}
    assert d.counted == count


def test_decide_sorts_a_chunk_into_outcomes_without_counting() -> None:
    """The chunk's second copy of an id is a duplicate; sent documents are remembered as new
    or updated by whether the index holds their id; an unchanged one is settled at once."""
    chunk = [
        Item("a", _doc()),
        Item("b", _doc("h1", "run-2") | {"source": {"path": "b.txt"}}, record=4),
        Item("a", _doc() | {"source": {"path": "copy.txt"}}),
        Item("c", _doc()),
    ]
    existing = {"b": _doc("h0", "run-1"), "c": _doc("h1", "run-1")}
    seen: dict[str, str] = {}
    out = _decide(chunk, existing, seen, "idx", True, lambda _: False)
    assert [o.id for o in out] == ["a", "b", "a", "c"]
    assert [o.pending.kind if o.pending else None for o in out] == ["new", "updated", None, None]
    assert out[1].pending.path == "b.txt" and out[1].pending.record == 4
    dup = out[2].decision.quarantine
    assert (
        dup is not None and dup.path == "copy.txt" and "as a.txt, loaded by this run" in dup.reason
    )
    assert out[3].decision.counted == "unchanged" and out[3].decision.action is None
    assert seen == {"a": "a.txt", "b": "b.txt", "c": "a.txt"}


def test_reason_names_the_error_type_reason_and_cause() -> None:
    info = {
        "status": 400,
        "error": {
            "type": "document_parsing_exception",
            "reason": "[1:2] failed to parse field [language_confidence] of type [float]",
            "caused_by": {"type": "number_format_exception", "reason": 'For input string: "x"'},
        },
    }
    assert _reason(info) == (
        "document_parsing_exception: [1:2] failed to parse field [language_confidence] of type"
        ' [float] (caused by number_format_exception: For input string: "x")'
    )
    whole = {"status": 413, "error": "Request\n  too large"}
    assert _reason(whole) == "HTTP 413: Request too large"


@pytest.mark.parametrize(
    ("info", "infra"),
    [
        ({"status": 400, "error": {"type": "document_parsing_exception"}}, False),
        ({"status": 409, "error": {"type": "version_conflict_engine_exception"}}, False),
        ({"status": 429, "error": {"type": "es_rejected_execution_exception"}}, True),
        ({"status": 503, "error": {"type": "unavailable_shards_exception"}}, True),
        ({"status": 403, "error": {"type": "cluster_block_exception"}}, True),
        ({"status": 400, "error": "x", "exception": RuntimeError()}, True),
        ({"status": "N/A", "error": {"type": "index_not_found_exception"}}, True),
    ],
)
def test_which_failures_are_not_the_documents_fault(info: dict, infra: bool) -> None:
    assert not_the_documents_fault(info) is infra


@pytest.mark.parametrize(
    "loc", ["/s/batches/batch-00003.json", "s3://b/s/staged/batch-00003.jsonl", "batch-00003"]
)
def test_batch_name(loc: str) -> None:
    assert StagingLayout.batch_name(loc) == "batch-00003"


# Reported to the caller of a dry run, never stored (a dry run writes no record).
DRY_RUN_ONLY = ("would_load", "would_reprocess")
RUNS_FIELDS = mapping_paths(
    json.loads((PROJECT_ROOT / "config" / "runs_template.json").read_text())["template"][
        "mappings"
    ]["properties"]
)


def test_a_dry_run_goes_through_every_stage_without_elasticsearch(tmp_path: Path) -> None:
    """The same stages the DAG runs, in process, with nothing written anywhere but staging."""
    settings = get_settings()

    @dataclass
    class Seen:
        expected: list[int] = field(default_factory=list)
        done: list[int] = field(default_factory=list)

        def expect(self, documents: int) -> None:
            self.expected.append(documents)

        def advance(self, documents: int) -> None:
            self.done.append(documents)

    seen = Seen()
    record = pipeline.run(
        None,
        input_root=SEEDS,
        alias="news",
        mode="incremental",
        settings=settings,
        dry_run=True,
        batch_size=2,
        staging=str(tmp_path / "stage"),
        progress=seen,
    )
    assert record["status"] == "dry_run" and record["would_load"] == 5
    assert record["counts"]["files_seen"] == 5 and record["counts"]["new"] == 0
    assert record["batches"] == 3 and record["counts"]["processed"] == 5
    assert seen.expected == [5] and seen.done == [1] * 5  # told per document
    assert record["versions"]["model"] and record["quarantine"] == []
    assert not (tmp_path / "stage").exists()  # staging is a hand-over, removed at the end
    # What a real run would write must pass the strict runs mapping.
    assert document_paths({k: v for k, v in record.items() if k not in DRY_RUN_ONLY}) <= RUNS_FIELDS


def test_staged_batch_layout_and_quarantine_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ok.txt").write_text((SEEDS / "000_c0d6529fb5cb26f5.txt").read_text())
    (raw / "empty.txt").write_text("")
    settings = get_settings()
    ctx = pipeline.start_run(
        None,
        input_root=raw,
        alias="news",
        mode="incremental",
        staging=str(tmp_path / "stage"),
        settings=settings,
        dry_run=True,
    )
    [batch] = pipeline.discover(ctx, settings, max_docs=10)
    staged = pipeline.process_batch(ctx, batch, settings)
    layout = StagingLayout(ctx.staging)

    assert staged == layout.staged("batch-00000")
    rows = list(staging.read_jsonl(staged))
    assert sorted(r["kind"] for r in rows) == ["doc", "quarantine"]
    stats = staging.read_json(layout.stats("batch-00000"))
    assert stats["docs"] == 1 and stats["quarantined"] == 1
    assert set(stats["stage_seconds"]) == {"read", "clean", "entities"}
    [q] = staging.read_jsonl(layout.quarantine("batch-00000", "process"))
    assert q["path"] == "empty.txt" and q["reason"] and "kind" not in q

    result = pipeline.load_batch(None, ctx, staged, settings)
    assert result.would_load == 1 and result.staged == staged
    # What the DAG passes through XCom: plain JSON, back to the same counts.
    assert LoadCounts.from_json(json.loads(json.dumps(result.to_json()))) == result
    record = pipeline.finalize(None, ctx, [result], settings)
    assert record["counts"]["quarantined"] == 1 and record["quarantine"] == [q]


def test_quarantine_rows_fit_the_runs_mapping() -> None:
    row = runs.quarantine_row(
        {"path": "a", "sha256": None, "stage": "load", "reason": "x" * 50_000, "kind": "q"}
    )
    assert set(row) == {"path", "stage", "reason"}
    assert len(row["reason"]) == runs.MAX_REASON_CHARS


@pytest.mark.parametrize(
    ("broken", "warned", "reason"),
    [
        ({"x.txt.meta.json": "{not json"}, ["x.txt"], "x.txt.meta.json: "),
        ({"x.meta.json": "[1, 2]"}, ["x.txt"], "x.meta.json: not a JSON object"),
        (
            {"manifest.jsonl": '{"path": "x.txt", "title": "T"}\n{not json\n'},
            ["x.txt", "y.txt"],
            "manifest.jsonl",
        ),
    ],
)
def test_broken_metadata_is_a_warning_and_the_documents_still_load(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    broken: dict[str, str],
    warned: list[str],
    reason: str,
) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "x.txt").write_text((SEEDS / "000_c0d6529fb5cb26f5.txt").read_text())
    (raw / "y.txt").write_text((SEEDS / "002_e3048dc01d6e26c3.txt").read_text())
    for name, text in broken.items():
        (raw / name).write_text(text)
    caplog.set_level(logging.INFO, logger="etl.batch")
    record = pipeline.run(
        None,
        input_root=raw,
        alias="news",
        mode="incremental",
        settings=get_settings(),
        dry_run=True,
        staging=str(tmp_path / "stage"),
    )
    assert record["would_load"] == 2  # the documents load, only the metadata is ignored
    assert record["counts"]["quarantined"] == 0 and record["quarantine"] == []
    assert record["counts"]["warnings"] == len(warned)
    assert sorted(w["path"] for w in record["warnings"]) == warned
    for w in record["warnings"]:
        assert w["reason"].startswith(reason) and len(w["sha256"]) == 64
        assert f"{w['path']}: metadata ignored: {w['reason']}" in caplog.messages
    assert document_paths({k: v for k, v in record.items() if k not in DRY_RUN_ONLY}) <= RUNS_FIELDS


def test_warnings_are_capped_like_the_quarantine_and_fit_the_runs_mapping() -> None:
    totals = runs.Totals()
    totals.add_warnings(
        {"path": f"{i}.txt", "sha256": "h", "reason": "x" * 50_000, "record": None, "kind": "w"}
        for i in range(runs.MAX_QUARANTINE_IN_RECORD + 5)
    )
    assert len(totals.warnings) == runs.MAX_QUARANTINE_IN_RECORD
    assert set(totals.warnings[0]) == {"path", "sha256", "reason"}
    assert len(totals.warnings[0]["reason"]) == runs.MAX_REASON_CHARS
