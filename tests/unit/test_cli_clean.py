"""``python -m etl clean DIR``: what a person sees per document, the quarantine list, exit codes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from etl import cli_clean
from etl.settings import PROJECT_ROOT

SEEDS = PROJECT_ROOT / "data" / "sample"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    # Only this command's parser: the other commands' modules are not needed here.
    parser = argparse.ArgumentParser(prog="python -m etl")
    cli_clean.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_seeds_show_title_date_language_source_and_body(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["clean", str(SEEDS)], capsys)
    assert code == 0 and err == ""
    for line in [
        "== 000_c0d6529fb5cb26f5.txt",
        "  title:    Kim wins big from talks with Putin",
        "  date:     2023-09-13T00:00:00+00:00 (header)",
        "  title:    Kim Jong Un & Vladimir Putin meet in Russia as Pyongyang launches rockets.",
        "  language: en (1.00)",
        "  source:   unknown",
        "  | North Korean leader Kim Jong Un and Russian President Vladimir Putin held talks",
    ]:
        assert line in out, line
    assert out.count("== ") == 5
    assert "5 document(s), 0 quarantined" in out
    assert "date 2023" not in out.replace("date:     2023", "")


def test_quarantined_files_are_listed_with_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blob.html").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "comments.txt").write_text("Leave a Reply\n\nGreat post!", encoding="utf-8")
    (tmp_path / "ok.txt").write_bytes((SEEDS / "002_e3048dc01d6e26c3.txt").read_bytes())
    code, out, _ = _run(["clean", str(tmp_path)], capsys)
    assert code == 0
    assert "1 document(s), 4 quarantined" in out
    for line in [
        "QUARANTINE blob.html [read]: binary file (not text)",
        "QUARANTINE comments.txt [clean]: no text left after cleaning (0 chars)",
        "QUARANTINE empty.txt [read]: empty file",
        "QUARANTINE notes.pdf [read]: unsupported file type '.pdf'",
    ]:
        assert line in out, line


def test_json_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_bytes((SEEDS / "004_58ca28ad76c4fabb.txt").read_bytes())
    (tmp_path / "b.txt").write_bytes(b"")
    code, out, _ = _run(["clean", "--json", str(tmp_path)], capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 2
    assert rows[0]["date_source"] == "header" and rows[0]["language"] == "en"
    assert rows[0]["body"].startswith("Russian President Vladimir Putin stated")
    assert rows[1] == {
        "quarantine": {
            "path": "b.txt",
            "sha256": rows[1]["quarantine"]["sha256"],
            "stage": "read",
            "reason": "empty file",
        }
    }


def test_broken_sidecar_is_a_warning_under_its_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.txt").write_bytes((SEEDS / "002_e3048dc01d6e26c3.txt").read_bytes())
    (tmp_path / "x.txt.meta.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "y.txt").write_bytes((SEEDS / "004_58ca28ad76c4fabb.txt").read_bytes())
    code, out, _ = _run(["clean", str(tmp_path)], capsys)
    assert code == 0 and "2 document(s), 0 quarantined" in out
    x, y = out.split("== ")[1:]
    assert x.startswith("x.txt\n") and "  warning:  x.txt.meta.json: Expecting property name" in x
    assert "warning" not in y

    code, out, _ = _run(["clean", "--json", str(tmp_path)], capsys)
    rows = {r["path"]: r for r in map(json.loads, out.splitlines())}
    assert rows["x.txt"]["warning"].startswith("x.txt.meta.json: Expecting property name")
    assert rows["y.txt"]["warning"] is None


def test_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["clean", "--limit", "2", str(SEEDS)], capsys)
    assert code == 0 and out.count("== ") == 2


@pytest.mark.parametrize("name", ["missing", "file.txt"])
def test_not_a_folder_is_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    code, out, err = _run(["clean", str(tmp_path / name)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("clean: no such folder:")


def test_reader_going_away_ends_quietly(tmp_path: Path) -> None:
    """`python -m etl clean DIR | head -1`: no BrokenPipeError traceback, exit 0."""
    import subprocess
    import sys

    seed = (SEEDS / "000_c0d6529fb5cb26f5.txt").read_text(encoding="utf-8")
    for i in range(300):  # ~200 KB of output: more than a pipe holds, so the write must fail
        (tmp_path / f"{i:03d}.txt").write_text(seed, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "clean", str(tmp_path)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline().startswith("== ")
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_the_quarantine_list_is_bounded_and_the_count_complete(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_clean, "MAX_LISTED", 2)
    for i in range(5):
        (tmp_path / f"{i}.txt").write_bytes(b"")
    code, out, _ = _run(["clean", str(tmp_path)], capsys)
    assert code == 0 and "0 document(s), 5 quarantined" in out
    listed = [line for line in out.splitlines() if line.startswith("  QUARANTINE ")]
    assert listed == [
        "  QUARANTINE 0.txt [read]: empty file",
        "  QUARANTINE 1.txt [read]: empty file",
    ]
    assert out.rstrip().endswith("  ... and 3 more")
