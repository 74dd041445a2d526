"""Memory stays flat: peak RSS of `python -m etl run` on N files vs 10x N files, one run.

The input is the sample articles copied into N distinct files (unique text per copy, so
nothing is deduplicated away). Each size runs in a fresh process; its peak RSS comes from
getrusage. Runs as --dry-run by default (everything but the bulk load); --load also loads
into a throwaway alias on ES_URL. Writes the "Memory" section of docs/benchmarks.md.

Usage: .venv/bin/python scripts/bench_memory.py [--small 100] [--factor 10] [--load]
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "data" / "sample").glob("*.txt"))
START, END = "<!-- bench:memory -->", "<!-- /bench:memory -->"


def make_input(folder: Path, n: int) -> None:
    for i in range(n):
        seed = SEEDS[i % len(SEEDS)]
        sub = folder / f"part{i // 500:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        text = seed.read_text(encoding="utf-8")
        (sub / f"{i:06d}.txt").write_text(f"{text}\n\nCopy number {i}.\n", encoding="utf-8")


def peak_rss_mb(n: int, load: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        make_input(Path(tmp), n)
        alias = f"bench-mem-{uuid.uuid4().hex[:8]}"
        cmd = [sys.executable, "-m", "etl", "run", "--input", tmp, "--index", alias]
        if not load:
            cmd.append("--dry-run")
        t = time.perf_counter()
        # A helper process per measurement, so RUSAGE_CHILDREN holds only that run's peak.
        probe = (
            "import resource,subprocess,sys;"
            f"r=subprocess.run({cmd!r},cwd={str(ROOT)!r},capture_output=True,text=True);"
            "sys.stderr.write(r.stderr[-2000:]);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.exit(r.returncode)"
        )
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        took = time.perf_counter() - t
        if out.returncode != 0:
            raise SystemExit(f"error: run on {n} files failed: {out.stderr.strip()[-500:]}")
        if load:
            _drop(alias)
        return int(out.stdout.strip()) / 1024, took


def _drop(alias: str) -> None:
    from etl.es import client
    from etl.settings import get_settings

    es = client(get_settings())
    # Elasticsearch refuses wildcard deletes (action.destructive_requires_name): name each.
    for name in es.indices.get(index=f"{alias}*", expand_wildcards="all"):
        es.indices.delete(index=name)
    es.options(ignore_status=404).indices.delete_index_template(name=f"{alias}-docs")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=100)
    ap.add_argument("--factor", type=int, default=10)
    ap.add_argument("--load", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sizes = [args.small, args.small * args.factor]
    rows = [(n, *peak_rss_mb(n, args.load)) for n in sizes]
    ratio = rows[1][1] / rows[0][1]
    mode = "with bulk load" if args.load else "dry run (read, clean, metadata, entities, staging)"
    lines = [
        START,
        "## Memory",
        "",
        f"Peak RSS of `python -m etl run`, {mode}, on copies of the sample articles; one run, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}, "
        "`scripts/bench_memory.py`.",
        "",
        "| files | peak RSS (MB) | seconds |",
        "|---|---|---|",
        *[f"| {n:,} | {mb:.0f} | {s:.0f} |" for n, mb, s in rows],
        "",
        f"{args.factor}x the files: {ratio:.2f}x the peak memory.",
        END,
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        path = ROOT / "docs" / "benchmarks.md"
        text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
        if START in text:
            text = text[: text.index(START)] + table + text[text.index(END) + len(END) :]
        else:
            text = text.rstrip("\n") + "\n\n" + table + "\n"
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
