"""Score HTML main-content extraction on the article-extraction benchmark, in one run.

Compares ``etl.clean.extract_html`` with trafilatura configurations on the same 181 pages
(non-English included). Metric as in the benchmark's README: 4-token shingles over ``\\w+``
tokens, macro precision/recall over pages, F1 of the averages, exact-token accuracy,
bootstrap std over pages. Timing: HTML pre-loaded and decompressed, 3-page warm-up, best of
``--passes`` interleaved full passes in CPU seconds, one process.

    .venv/bin/python scripts/bench_extraction.py [--write] [--all]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH = Path("/work/shared/bench/article-extraction")
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:extraction -->", "<!-- /bench:extraction -->"
_TOKEN = re.compile(r"\w+")

Extractor = Callable[[str], str]
NOTE = (
    "Ours = trafilatura `favor_precision=True, include_comments=False, include_tables=True`; whe"
    "n that output is under 500 chars, a `favor_recall=True, fast=True` pass replaces it if pre"
    "cision kept under half of what recall finds (4/181 pages take the second pass, 1 is rescue"
    "d: F1 0.964 -> 0.969); then the same `config/boilerplate.yml` lines as text files (read-mo"
    "re/related links, credits, comment prompts: F1 +0.0005, exact-token accuracy 0.337 -> 0.35"
    "9). The `prepare()` row is the pipeline's whole HTML path on the same pages: one parse sha"
    "red by metadata (lxml) and extraction, plus langdetect on 1,000 chars (about 2.4 ms a page"
    "); its F1 is over the article bodies. Not taken: choosing per page between the precision a"
    "nd recall outputs could reach F1 0.973 with an oracle, but running both on every page cost"
    "s about 55 pages/s, under the 70 target; `fast=True` with `favor_precision`, and `include_"
    "tables=False`, both lose F1. Timings vary about ±10% run to run on this 2-core VM."
)


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def page_scores(truth: str, pred: str) -> tuple[float | None, float | None, bool]:
    """Per-page (precision, recall, exact) as the benchmark defines them."""
    t, p = _shingles(truth), _shingles(pred)
    t.pop((), None)
    p.pop((), None)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    exact = _TOKEN.findall(truth or "") == _TOKEN.findall(pred or "")
    if fp == fn == 0:
        return 1.0, 1.0, exact
    prec = tp / (tp + fp) if tp + fp else None
    rec = tp / (tp + fn) if tp + fn else None
    return prec, rec, exact


def aggregate(
    rows: list[tuple[float | None, float | None, bool]],
) -> tuple[float, float, float, float]:
    """Macro precision, recall, F1 of the averages, accuracy."""
    ps = [r[0] for r in rows if r[0] is not None]
    rs = [r[1] for r in rows if r[1] is not None]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1, sum(r[2] for r in rows) / len(rows)


def bootstrap_std(rows: list[tuple[float | None, float | None, bool]], n: int = 1000) -> float:
    """Std of F1 over page resamples (seed 0)."""
    rng = random.Random(0)
    f1s = [aggregate([rng.choice(rows) for _ in rows])[2] for _ in range(n)]
    mean = sum(f1s) / n
    return (sum((x - mean) ** 2 for x in f1s) / n) ** 0.5


def trafilatura_call(**kw: object) -> Extractor:
    """A trafilatura extract() with fixed options, plain text out."""
    import trafilatura

    def run(html: str) -> str:
        return trafilatura.extract(html, **kw) or ""  # type: ignore[arg-type]

    return run


def prepare_body(html: str) -> str:
    """The pipeline's whole path for one page: the article body (or '' if quarantined)."""
    from etl.prepare import prepare
    from etl.records import Article, RawDoc, SourceInfo
    from etl.settings import get_settings

    info = SourceInfo("page.html", "0" * 64, "html", len(html))
    result = prepare(RawDoc(info, html=html), get_settings())
    return result.body if isinstance(result, Article) else ""


def extractors(explore: bool) -> dict[str, Extractor]:
    """Ours first, then trafilatura's default and best-known configurations."""
    from etl.clean import extract_html, load_patterns
    from etl.settings import get_settings

    settings = get_settings()
    patterns = load_patterns(str(settings.path(settings.clean.boilerplate)))
    nc = {"include_comments": False}
    out: dict[str, Extractor] = {
        "ours: `etl.clean.extract_html`": lambda html: extract_html(html, patterns=patterns),
        "ours end to end: `etl.prepare.prepare` (parse, metadata, extraction, language)": (
            prepare_body
        ),
        "trafilatura `extract(html)` (defaults)": trafilatura_call(),
        "trafilatura `include_comments=False` (benchmark's call)": trafilatura_call(**nc),
        "trafilatura `favor_precision=True, include_comments=False`": trafilatura_call(
            favor_precision=True, **nc
        ),
    }
    if explore:
        out |= {
            "trafilatura `fast=True, include_comments=False`": trafilatura_call(fast=True, **nc),
            "trafilatura `favor_recall=True, include_comments=False`": trafilatura_call(
                favor_recall=True, **nc
            ),
            "trafilatura `favor_precision, fast`": trafilatura_call(
                favor_precision=True, fast=True, **nc
            ),
            "trafilatura `favor_precision, include_tables=False`": trafilatura_call(
                favor_precision=True, include_tables=False, **nc
            ),
            "trafilatura `favor_precision, fast, include_tables=False`": trafilatura_call(
                favor_precision=True, fast=True, include_tables=False, **nc
            ),
        }
    return out


def load() -> tuple[list[str], list[str], dict[str, str]]:
    """Page ids, decompressed HTML (in memory) and ground truth, in a fixed order."""
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)
    pages = [
        gzip.decompress((BENCH / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8") for i in ids
    ]
    return ids, pages, {i: truth[i]["articleBody"] for i in ids}


def run_all(
    fns: dict[str, Extractor], ids: list[str], pages: list[str], truth: dict[str, str], passes: int
) -> list[dict[str, object]]:
    """Time every extractor over all pages and score its output.

    Passes are interleaved (pass 1 of every extractor, then pass 2...) and timed in CPU seconds
    of this process, best of ``passes``: other work on the shared VM then shifts no extractor
    more than another. Wall-clock time is kept too.
    """
    for fn in fns.values():
        for html in pages[:3]:
            fn(html)
    cpu = dict.fromkeys(fns, float("inf"))
    wall = dict.fromkeys(fns, float("inf"))
    outputs: dict[str, list[str]] = {}
    for n in range(passes):
        for name, fn in fns.items():
            c0, w0 = time.process_time(), time.perf_counter()
            outputs[name] = [fn(html) for html in pages]
            cpu[name] = min(cpu[name], time.process_time() - c0)
            wall[name] = min(wall[name], time.perf_counter() - w0)
            print(f"pass {n + 1}: {len(pages) / cpu[name]:.0f} p/s  {name}", file=sys.stderr)
    results = []
    for name in fns:
        rows = [page_scores(truth[i], out) for i, out in zip(ids, outputs[name], strict=True)]
        p, r, f1, acc = aggregate(rows)
        results.append(
            {
                "name": name,
                "f1": f1,
                "std": bootstrap_std(rows),
                "p": p,
                "r": r,
                "acc": acc,
                "pps": len(pages) / cpu[name],
                "wall_pps": len(pages) / wall[name],
                "empty": sum(1 for o in outputs[name] if not o.strip()),
            }
        )
    return results


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model or platform.machine()} ({os.cpu_count()} cores)"


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def table(results: list[dict[str, object]], mb: float, passes: int) -> str:
    """The markdown section for docs/benchmarks.md."""
    import trafilatura

    lines = [
        START,
        "## HTML main-content extraction (`scripts/bench_extraction.py`)",
        "",
        f"Measured {date.today()} on {_machine()}, Python {platform.python_version()}, "
        f"trafilatura {trafilatura.__version__}, lxml {_version('lxml')}, "
        f"langdetect {_version('langdetect')}; one process. Corpus: "
        f"`article-extraction-benchmark` (Scrapinghub), 181 pages ({mb:.1f} MB HTML, non-English "
        f"pages included), pre-loaded and decompressed; 3-page warm-up, then {passes} passes "
        "interleaved across extractors, best pass each; pages/s is over this process's CPU "
        "seconds (other work on the shared VM does not count against one extractor), wall-clock "
        "beside it. "
        "Metric: the benchmark's (4-token shingles over `\\w+`, macro P/R, F1 of the averages, "
        "exact-token accuracy, ± bootstrap std over pages, 1000 resamples).",
        "",
        "| extractor | F1 | P | R | acc | pages/s (CPU) | pages/s (wall) | empty |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for x in results:
        lines.append(
            f"| {x['name']} | {x['f1']:.3f} ± {x['std']:.3f} | {x['p']:.3f} | {x['r']:.3f} | "
            f"{x['acc']:.3f} | {x['pps']:.0f} | {x['wall_pps']:.0f} | {x['empty']} |"
        )
    lines += ["", NOTE, END]
    return "\n".join(lines)


def write_section(section: str) -> None:
    """Replace (or append) only this benchmark's section of docs/benchmarks.md."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if START in doc and END in doc:
        head, rest = doc.split(START, 1)
        doc = head + section + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="write the table to docs/benchmarks.md")
    ap.add_argument("--all", action="store_true", help="also the other trafilatura settings")
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args()
    ids, pages, truth = load()
    mb = sum(len(p.encode("utf-8")) for p in pages) / 1e6
    results = run_all(extractors(args.all), ids, pages, truth, args.passes)
    for res in results:
        print(
            f"{res['f1']:.4f} P={res['p']:.4f} R={res['r']:.4f} acc={res['acc']:.3f} "
            f"{res['pps']:.0f} p/s (wall {res['wall_pps']:.0f}) empty={res['empty']}  {res['name']}"
        )
    section = table(results, mb, args.passes)
    print(section)
    if args.write:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
