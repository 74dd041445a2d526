"""Benchmark (not a test): throughput with worker processes, memory at 1,000-10,000 articles.

One run measures, on the same texts (the Wikinews articles, copies made distinct by URL):

- the NER-only limit: the configured model and disable list, ``nlp.pipe`` in this process,
  on exactly the texts the pipeline gives the model (title + body after cleaning);
- ``python -m etl run --workers 1`` and ``--workers 2`` end to end (read, clean, metadata,
  entities, bulk load into a throwaway alias): documents/s, the ratio to the limit, the speed-up;
- peak RSS of every process of a ``--workers 2`` run (the loader and each worker), sampled with
  psutil, at each size, with the articles in one JSON-lines export and as separate files;
- long documents: entity values with NER in chunks against the unchunked run (retention);
- optionally (``--dag``) the DAG under a real scheduler (LocalExecutor, parallelism 2).

Writes the ``scale`` section of ``docs/benchmarks.md``.
Usage: ``.venv/bin/python scripts/bench_scale.py [--sizes 1000,10000] [--dag] [--no-write]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil
from bench_report import ROOT, WIKINEWS, machine, write_section

from etl.entities import load_model, ner_text
from etl.prepare import prepare
from etl.records import Article, RawDoc, SourceInfo
from etl.settings import get_settings

TARGET_LIMIT, TARGET_SPEEDUP, TARGET_RSS_MB, TARGET_FLAT = 0.85, 1.7, 800, 1.10


def records(n: int) -> list[dict[str, Any]]:
    """``n`` Wikinews records, the corpus repeated with distinct URLs (distinct documents)."""
    base = [json.loads(line) for line in WIKINEWS.read_text(encoding="utf-8").splitlines()]
    out = []
    for i in range(n):
        rec = dict(base[i % len(base)])
        copy = i // len(base)
        if copy:
            rec["url"] = f"{rec['url']}?copy={copy}"
            rec["id"] = f"{rec.get('id')}-{copy}"
        out.append(rec)
    return out


def write_input(folder: Path, recs: list[dict[str, Any]], layout: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if layout == "jsonl":
        with (folder / "export.jsonl").open("w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    for i, r in enumerate(recs):
        sub = folder / f"part{i // 500:04d}"
        sub.mkdir(exist_ok=True)
        (sub / f"{i:06d}.json").write_text(json.dumps(r, ensure_ascii=False), encoding="utf-8")


def prepared(recs: list[dict[str, Any]]) -> list[Article]:
    """The articles exactly as the entity stage gets them (cleaned, with metadata)."""
    settings = get_settings()
    out = []
    for i, r in enumerate(recs):
        src = SourceInfo(path=f"r{i}", sha256="0" * 64, format="json", size=0, url=r.get("url"))
        hints = {k: r[k] for k in ("title", "url") if r.get(k)}
        art = prepare(RawDoc(source=src, text=r["text"], record=i, hints=hints), settings)
        if isinstance(art, Article):
            out.append(art)
    return out


def ner_limit(articles: list[Article]) -> float:
    """Seconds of plain ``nlp.pipe`` over the pipeline's texts (model loaded beforehand)."""
    conf = get_settings().entities
    model = load_model(tuple(conf.models["en"]), tuple(conf.disable))
    texts = [ner_text(a) for a in articles]
    for _ in model.nlp.pipe(texts[:20], batch_size=conf.batch_size):
        pass
    t = time.perf_counter()
    for _ in model.nlp.pipe(texts, batch_size=conf.batch_size):
        pass
    return time.perf_counter() - t


@dataclass
class RunResult:
    seconds: float
    docs: int
    rss_main_mb: float
    rss_workers_mb: list[float] = field(default_factory=list)


def etl_run(folder: Path, workers: int) -> RunResult:
    """``python -m etl run`` into a throwaway alias, with every process's peak RSS sampled."""
    alias = f"bench-scale-{uuid.uuid4().hex[:8]}"
    cmd = [sys.executable, "-m", "etl", "run", "--input", str(folder), "--index", alias]
    cmd += ["--mode", "full", "--workers", str(workers)]
    peaks: dict[int, float] = {}
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    stop = threading.Event()

    def sample() -> None:
        main = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                for p in [main, *main.children(recursive=True)]:
                    peaks[p.pid] = max(peaks.get(p.pid, 0.0), p.memory_info().rss / 2**20)
            except psutil.Error:
                pass
            stop.wait(0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t
    stop.set()
    sampler.join()
    _drop(alias)
    if proc.returncode != 0:
        raise SystemExit(f"error: etl run failed: {err.strip()[-800:]}")
    docs = int(out.split("new ", 1)[1].split(",", 1)[0]) if "new " in out else 0
    main_mb = peaks.pop(proc.pid, 0.0)
    # The pool's workers are the big children; the resource tracker is a few MB.
    workers_mb = sorted((mb for mb in peaks.values() if mb > 100), reverse=True)
    return RunResult(seconds, docs, main_mb, workers_mb)


def _drop(alias: str) -> None:
    from etl.es import client

    es = client(get_settings())
    for name in es.indices.get(index=f"{alias}*", expand_wildcards="all"):
        es.indices.delete(index=name)


def retention(articles: list[Article]) -> tuple[int, int, float, int]:
    """Long documents: share of unchunked entity values that chunked NER keeps.

    Returns (long documents, values unchunked, retention, short documents differing).
    """
    from etl.entities import add_entities

    s = get_settings()
    limit = s.entities.chunk_chars
    long_docs = [a for a in articles if len(ner_text(a)) > limit]
    short = [a for a in articles if len(ner_text(a)) <= limit][:50]
    whole = s.model_copy(update={"entities": s.entities.model_copy(update={"chunk_chars": 10**7})})

    def values(arts: list[Article], settings: Any) -> list[set[tuple[str, str]]]:
        out = []
        for a in add_entities(arts, settings):
            e = a.entities  # type: ignore[union-attr]
            kinds = ("persons", "organizations", "locations", "other")
            out.append({(k, v) for k in kinds for v in getattr(e, k)})
        return out

    chunked, full = values(long_docs, s), values(long_docs, whole)
    kept = sum(len(c & f) for c, f in zip(chunked, full, strict=True))
    total = sum(len(f) for f in full)
    differ = sum(a != b for a, b in zip(values(short, s), values(short, whole), strict=True))
    return len(long_docs), total, (kept / total if total else 1.0), differ


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000", help="article counts for the memory runs")
    ap.add_argument("--dag", action="store_true", help="also run the DAG under the scheduler")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    base = records(len(WIKINEWS.read_text(encoding="utf-8").splitlines()))
    arts = prepared(base)
    print(f"{len(base)} articles; {sum(len(ner_text(a)) for a in arts):,} characters to the model")

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        speed_in = Path(tmp) / "speed"
        write_input(speed_in, base, "jsonl")
        limit_s = ner_limit(arts)
        print(f"NER-only limit: {limit_s:.1f} s")
        one = etl_run(speed_in, 1)
        print(f"--workers 1: {one.seconds:.1f} s")
        two = etl_run(speed_in, 2)
        print(f"--workers 2: {two.seconds:.1f} s")
        mem: list[tuple[int, str, RunResult]] = []
        for n in sizes:
            for layout in ("jsonl", "files"):
                folder = Path(tmp) / f"{layout}-{n}"
                write_input(folder, records(n), layout)
                r = etl_run(folder, 2)
                print(
                    f"{n} {layout}: {r.seconds:.0f} s, main {r.rss_main_mb:.0f} MB, "
                    f"workers {[round(w) for w in r.rss_workers_mb]}"
                )
                mem.append((n, layout, r))
    long_n, long_values, kept, short_differ = retention(arts)
    dag = dag_run(base) if args.dag else None

    n_docs = len(arts)
    limit_rate = n_docs / limit_s
    r1, r2 = n_docs / one.seconds, n_docs / two.seconds
    speedup = r2 / r1
    lines = [
        "<!-- bench:scale -->",
        "## Scale: workers, batches of records, memory (`scripts/bench_scale.py`, `make bench`)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}, in one run. Corpus: the "
        f"{len(base)} Wikinews articles in one JSON-lines export; larger sizes repeat them with "
        "distinct URLs. `etl run` loads into a throwaway alias on the local Elasticsearch "
        "(full mode), so its time includes reading, cleaning, metadata, entities, staging and "
        "the bulk load; the NER-only limit is `nlp.pipe` alone (configured model and disable "
        "list) over exactly the texts the pipeline gives the model, in one process.",
        "",
        "| run | s | docs/s | vs NER-only limit | target |",
        "|---|---:|---:|---:|---|",
        f"| NER only (`nlp.pipe`, 1 process) | {limit_s:.1f} | {limit_rate:.1f} | 1.00 | |",
        f"| `etl run --workers 1` | {one.seconds:.1f} | {r1:.1f} | {r1 / limit_rate:.2f} | "
        f"≥ {TARGET_LIMIT} {'met' if r1 / limit_rate >= TARGET_LIMIT else 'MISSED'} |",
        f"| `etl run --workers 2` | {two.seconds:.1f} | {r2:.1f} | {r2 / limit_rate:.2f} | |",
        "",
        f"**Speed-up of `--workers 2` over `--workers 1`: {speedup:.2f}x** (target "
        f"{TARGET_SPEEDUP}x: {_verdict(speedup, TARGET_SPEEDUP)}).",
        "",
        "Peak RSS per process of `etl run --workers 2` (psutil, sampled every 0.5 s):",
        "",
        "| articles | layout | s | loader MB | workers MB |",
        "|---:|---|---:|---:|---|",
        *[
            f"| {n:,} | {layout} | {r.seconds:.0f} | {r.rss_main_mb:.0f} | "
            f"{', '.join(f'{w:.0f}' for w in r.rss_workers_mb)} |"
            for n, layout, r in mem
        ],
        "",
    ]
    peak = max(max([r.rss_main_mb, *r.rss_workers_mb]) for _, _, r in mem)
    lines.append(
        f"Largest process: {peak:.0f} MB (target ≤ {TARGET_RSS_MB} MB: "
        f"{'met' if peak <= TARGET_RSS_MB else 'MISSED'})."
    )
    if len(sizes) > 1:
        for layout in ("jsonl", "files"):
            small = next(r for n, lay, r in mem if lay == layout and n == sizes[0])
            big = next(r for n, lay, r in mem if lay == layout and n == sizes[-1])
            a = max([small.rss_main_mb, *small.rss_workers_mb])
            b = max([big.rss_main_mb, *big.rss_workers_mb])
            lines.append(
                f"{layout}: {sizes[-1]:,} vs {sizes[0]:,} articles: {b / a:.2f}x the peak "
                f"(target ≤ {TARGET_FLAT:.2f}x: {'met' if b / a <= TARGET_FLAT else 'MISSED'})."
            )
    lines += [
        "",
        f"Long documents (over `entities.chunk_chars` = {get_settings().entities.chunk_chars:,} "
        f"characters, NER in chunks cut at paragraphs): {long_n} articles, {long_values} entity "
        f"values unchunked, **{kept * 100:.1f}% kept** chunked (target ≥ 99%); the first 50 "
        f"shorter articles differ in {short_differ} (must be 0).",
    ]
    if dag is not None:
        lines += ["", dag]
    lines.append("<!-- /bench:scale -->")
    section = "\n".join(lines)
    print(section)
    if not args.no_write:
        write_section("scale", section)
    return 0


def dag_run(base: list[dict[str, Any]]) -> str:
    """The DAG through a real scheduler (LocalExecutor, parallelism 2) against the CLI."""
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import browser_support as bs

    with tempfile.TemporaryDirectory(prefix="bench-dag-") as tmp:
        home = Path(tmp)
        (home / "passwords.json").write_text(json.dumps({bs.USER: bs.PASSWORD}))
        port = bs.free_port()
        env = bs.airflow_env(home, port, "news")
        af = bs.Airflow(
            base_url=f"http://127.0.0.1:{port}", home=home, env=env, search_alias="news"
        )
        airflow = str(Path(sys.executable).with_name("airflow"))
        subprocess.run(
            [airflow, "db", "migrate"], env=env, cwd=ROOT, check=True, capture_output=True
        )
        for name, extra in {
            "api-server": ["api-server", "--host", "127.0.0.1", "--port", str(port)],
            "scheduler": ["scheduler"],
            "dag-processor": ["dag-processor"],
        }.items():
            log = (home / f"{name}.log").open("wb")
            af.procs[name] = subprocess.Popen(
                [airflow, *extra],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 300
            while not _ok(lambda: bs.healthy(af)) or af.api("/api/v2/dags/news_etl")[0] != 200:
                if time.monotonic() > deadline:
                    raise SystemExit("error: Airflow did not come up for the DAG benchmark")
                time.sleep(2)
            folder = home / "raw" / "wikinews"
            write_input(folder, base, "jsonl")
            af.api("/api/v2/dags/news_etl", method="PATCH", body={"is_paused": False})
            alias = f"bench-dag-{uuid.uuid4().hex[:8]}"
            run_id = f"bench_{uuid.uuid4().hex[:6]}"
            conf = {"input_path": str(folder), "index": alias, "mode": "full", "batch_size": 100}
            t = time.perf_counter()
            af.api(
                "/api/v2/dags/news_etl/dagRuns",
                method="POST",
                body={"dag_run_id": run_id, "logical_date": None, "conf": conf},
            )
            state = "queued"
            while state not in ("success", "failed"):
                time.sleep(2)
                state = af.api(f"/api/v2/dags/news_etl/dagRuns/{run_id}")[1].get("state")
            seconds = time.perf_counter() - t
            _drop(alias)
        finally:
            for p in af.procs.values():
                bs.stop(p)
    return (
        f"The DAG under the LocalExecutor with parallelism 2 (`batch_size` 100: three mapped "
        f"`process` tasks, each loading the model), trigger to end: {seconds:.0f} s, state "
        f"{state}, {len(base) / seconds:.1f} docs/s."
    )


def _verdict(value: float, target: float) -> str:
    return "met" if value >= target else f"missed by {target - value:.2f}"


def _ok(check: Any) -> bool:
    try:
        return bool(check())
    except Exception:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
