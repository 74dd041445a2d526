"""Staging locations: local paths, file:// URIs and other fsspec URLs behave alike."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from etl import staging


@pytest.fixture(params=["path", "file", "memory"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "path":
        return str(tmp_path / "stage")
    if request.param == "file":
        return f"file://{tmp_path}/stage"
    return f"memory://stage-{uuid.uuid4().hex}"  # what an object store looks like to fsspec


def test_join_keeps_the_scheme() -> None:
    assert staging.join("s3://bucket/x/", "/batches", "b.json") == "s3://bucket/x/batches/b.json"
    assert staging.join("/tmp/x", "a") == "/tmp/x/a"


def test_round_trips(root: str) -> None:
    staging.makedirs(root)
    loc = staging.join(root, "batches", "batch-00000.json")
    staging.write_json(loc, ["a.txt", "b/ü.html"])
    assert staging.read_json(loc) == ["a.txt", "b/ü.html"]

    rows = ({"kind": "doc", "n": i} for i in range(3))
    lines = staging.join(root, "staged", "batch-00000.jsonl")
    assert staging.write_jsonl(lines, rows) == 3
    assert [r["n"] for r in staging.read_jsonl(lines)] == [0, 1, 2]

    assert staging.exists(lines) and not staging.exists(staging.join(root, "nope"))
    staging.remove(root)
    assert not staging.exists(loc)
    staging.remove(root)  # twice is fine


def test_write_line_appends_to_an_open_file(root: str) -> None:
    loc = staging.join(root, "q.jsonl")
    with staging.open_text(loc, "w") as f:
        staging.write_line(f, {"path": "a"})
        staging.write_line(f, {"path": "b"})
    assert [r["path"] for r in staging.read_jsonl(loc)] == ["a", "b"]
    with staging.open_text(loc) as f:
        assert f.read().count("\n") == 2
