"""Benchmark (not a test): facet quality on the Wikinews corpus against the labels in
``tests/data/facets/`` (see its GUIDE.md), without Elasticsearch.

One run annotates the corpus with the entities stage (:func:`etl.entities.add_entities`) twice:
with ``entities.validate_facets`` off (the canonicalised model output, the baseline) and on (the
pipeline), and reports per type:

- precision over the labelled distinct values present in the output (labelled / unlabelled);
- recall on the fully labelled articles, in the facet of its type and in any facet;
- the share of labelled entities split over two or more output values;
- the entities stage's time with validate off and on (after a warm-up of both; best of
  ``--passes``, interleaved);
- for places, the country accuracy of the resolved places (``etl.geo.resolve_places``, once
  it exists; "not measured" before).

Writes its section of ``docs/benchmarks.md`` (between ``<!-- bench:facets -->`` markers).
Usage: ``.venv/bin/python scripts/bench_facets.py [--passes N] [--no-write] [--unlabelled [all]]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_report import WIKINEWS, machine, write_section
from facet_metrics import (
    FACET,
    LABELS,
    TYPES,
    Accuracy,
    Precision,
    Recall,
    Splits,
    country_accuracy,
    country_labels,
    entities_of,
    fold,
    held_out,
    load_jsonl,
    precision,
    recall,
    same_pairs,
    split_candidates,
    split_share,
    verdicts,
)

from etl.entities import add_entities, entities_from_mentions, ner_text
from etl.gazetteer import AliasTable, load_alias_table
from etl.geo import resolve_places
from etl.mentions import Mention
from etl.merges import apply_merges, merge_map
from etl.records import Article, Entities, SourceInfo
from etl.settings import Settings, load_settings

WARMUP = 20
# Targets of issue 14.
PRECISION_MIN = 0.95
RECALL_DROP_MAX = 0.02  # pipeline recall may be at most 2 points below the baseline's
SPLITS_MAX = 0.01
TIME_ADDED_MAX = 0.05
# What was tried to meet the targets: kept here, since the section is rewritten on every run.
NOTES = """\
What was tried, and where the targets stand:

- Precision: persons meet 95% on all labels and miss by 0.2 points on the held-out half;
  organisations (58%) and places (83%) miss by far. Rules were written looking only at the dev
  half of the labels (the held-out half's wrong values were never read), so the held-out
  column is the one to trust. What moved them: caption and role words cut from persons, things
  named after people moved out of persons, class words (Bay, Sea, County, Tribe, ship
  prefixes); bare generic heads resolved to the document's qualified organisation or dropped,
  events, titles, awards, diseases, ships, spelt-out acronyms and peoples moved to other,
  stop words, all-caps common words and glued names dropped, country and region names moved to
  places; one-word places only ever at a sentence start, written in lowercase, cut from a
  longer name or a Census surname of the document's person dropped or moved, unknown names
  with an organisation head moved. What is left is mostly what no kept data can tell without
  an English dictionary or a knowledge base: products and software ("Xbox", "JavaScript"),
  works ("Pillow Talk"), common words the document never writes in lowercase ("Backlash"),
  cut names of organisations, and organisation labels the guide counts as wrong by design
  (events, programmes, laws). The labels are strict: an organisation value is right only if it
  names an organisation (not an event, title or product).
- Recall stays at the baseline for persons and organisations and rises for places (values
  moved in from other types).
- Splits: places meet the target (one name per place through GeoNames: "UAE" and "United
  Arab Emirates"). Persons miss by 1.1 points: the corpus merge pass (middle initials, middle
  names and second surnames, only when no other person of the corpus contradicts) joins the
  rest it safely can; what remains are misspellings, birth names and nicknames, which are the
  alias table's. Organisations miss by 16.8 points: a shorter name resolves to a longer one of
  the same document ("Hornets" -> "Charlotte Hornets"), but across documents "Democratic
  Party" / "US Democratic Party" and acronyms need the alias table (an acronym resolved inside
  one document would make new splits across documents).
- Time: whole-stage passes differ by up to 10% from one pass to the next on this shared
  machine, more than the checks cost, so the target row times the checks apart: the same
  stored model spans canonicalised with the checks off and on. Loading the reference data
  (GeoNames index, Census names) costs about 1.5 s once per process on top, about 4% of this
  293-article run and less per document on a larger batch.
- `require_known` buys persons about one point of precision for four points of recall, so it
  stays off.
"""


def read_articles(path: Path) -> list[Article]:
    """The corpus as English Articles; the record id is kept as the source path."""
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            src = SourceInfo(path=rec["id"], sha256="0" * 64, format="json", size=0)
            out.append(Article(source=src, title=rec.get("title"), body=rec["text"], language="en"))
    return out


def with_validate(settings: Settings, on: bool) -> Settings:
    entities = settings.entities.model_copy(update={"validate_facets": on})
    return settings.model_copy(update={"entities": entities})


def annotate(
    articles: Sequence[Article], settings: Settings
) -> tuple[float, float, dict[str, Entities]]:
    """CPU and wall seconds of the whole stage over ``articles``, and the entities by id.

    CPU time is what the comparison uses: other processes share the machine's two cores, and
    wall time between two identical runs differed by 8% in the first run of this script.
    """
    c0, t0 = time.process_time(), time.perf_counter()
    out = list(add_entities(articles, settings))
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    result = {}
    for item in out:
        if isinstance(item, Article) and item.entities is not None:
            result[item.source.path] = item.entities
    return cpu, wall, result


def facets(entities: Mapping[str, Entities]) -> dict[str, dict[str, Sequence[str]]]:
    return {
        doc: {"persons": e.persons, "organizations": e.organizations, "locations": e.locations}
        for doc, e in entities.items()
    }


def all_values(entities: Mapping[str, Entities], typ: str) -> set[str]:
    return {v for e in entities.values() for v in getattr(e, FACET[typ])}


# --- place resolution (etl.geo, built in parallel with this script) --------------------------


CHECK_REPEATS = 5


def checks_added(articles: Sequence[Article], base: Mapping[str, Entities], s: Settings) -> float:
    """CPU seconds the facet checks add to canonicalising the corpus: the same stored model
    spans canonicalised with the checks off and on, best of :data:`CHECK_REPEATS` each. Timed
    apart from NER, whose run-to-run noise (±10%) is larger than what the checks cost."""
    table = load_alias_table(s.path(s.entities.aliases))
    work = [
        (ner_text(a), [Mention(*span) for span in base[a.source.path].spans])
        for a in articles
        if a.source.path in base
    ]
    best: dict[bool, float] = {}
    for _ in range(CHECK_REPEATS):
        for flag in (False, True):
            c0 = time.process_time()
            for text, mentions in work:
                entities_from_mentions(text, mentions, table, "bench", validate=flag)
            spent = time.process_time() - c0
            best[flag] = min(best.get(flag, spent), spent)
    return best[True] - best[False]


def resolved_countries(
    entities: Mapping[str, Entities], table: AliasTable
) -> list[tuple[str, str | None]]:
    """(place, resolved country) per place and article, as the stage resolves them (each
    article's places together: they are each other's context). A place in several countries
    (the Korean Peninsula) counts as resolved to its first."""
    pairs: list[tuple[str, str | None]] = []
    for ents in entities.values():
        for value, place in resolve_places(list(ents.locations), table).items():
            pairs.append((value, place.countries[0] if place and place.countries else None))
    return pairs


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Variant:
    name: str
    seconds: float  # CPU
    wall: float
    entities: dict[str, Entities]
    precision: dict[str, Precision]
    recall: dict[str, Recall]
    recall_any: dict[str, Recall]
    splits: dict[str, Splits]
    countries: Accuracy | None
    countries_note: str
    held_out: dict[str, Precision]
    merged: int  # person values the corpus merge pass merged
    # CPU seconds the facet checks add over the corpus, timed on the model's stored spans
    # (canonicalisation with the checks on minus off, best of several repeats).
    checks_added: float | None = None


def measure(
    name: str,
    seconds: float,
    wall: float,
    entities: dict[str, Entities],
    labels: Mapping[str, list[dict[str, Any]]],
    settings: Settings,
) -> Variant:
    merges: dict[str, str] = {}
    if settings.entities.validate_facets and settings.entities.merge_middle_names:
        # What the curation pass does from the index after the load, over the whole corpus.
        counts: dict[str, int] = {}
        for e in entities.values():
            for p in e.persons:
                counts[p] = counts.get(p, 0) + 1
        merges = merge_map(counts)
        entities = {doc: apply_merges(e, merges) for doc, e in entities.items()}
    out = facets(entities)
    values, articles, splits = labels["values"], labels["articles"], labels["splits"]
    prec, rec, rec_any, spl, held = {}, {}, {}, {}, {}
    for typ in TYPES:
        present = all_values(entities, typ)
        prec[typ] = precision(present, verdicts(values, typ))
        held[typ] = precision(
            present, {k: v for k, v in verdicts(values, typ).items() if held_out(k)}
        )
        rec[typ] = recall(articles, out, typ)
        rec_any[typ] = recall(articles, out, typ, any_type=True)
        spl[typ] = split_share(present, entities_of(values, typ), same_pairs(splits, typ))
    if settings.entities.validate_facets:
        table = load_alias_table(settings.path(settings.entities.aliases))
        acc: Accuracy | None = country_accuracy(
            resolved_countries(entities, table), country_labels(values)
        )
        note = "etl.geo.resolve_places on each article's places, as the stage resolves them"
    else:
        acc, note = None, "off with the facet checks"
    return Variant(
        name, seconds, wall, entities, prec, rec, rec_any, spl, acc, note, held, len(merges)
    )


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def verdict_min(value: float | None, target: float) -> str:
    if value is None:
        return "not measured"
    return "met" if value >= target else f"missed by {100 * (target - value):.1f} points"


def verdict_max(value: float | None, target: float, unit: str = "points") -> str:
    if value is None:
        return "not measured"
    return "met" if value <= target else f"missed by {100 * (value - target):.1f} {unit}"


def table(base: Variant, pipe: Variant) -> list[str]:
    rows = [
        "| Metric | Baseline (validate off) | Pipeline (validate on) | Target "
        "| Pipeline vs target |",
        "|---|---|---|---|---|",
    ]
    for typ in TYPES:
        b, p = base.precision[typ], pipe.precision[typ]
        rows.append(
            f"| Precision, {FACET[typ]} | {pct(b.value)} ({b.right}/{b.judged}; "
            f"{len(b.unlabelled)} unlabelled) | {pct(p.value)} ({p.right}/{p.judged}; "
            f"{len(p.unlabelled)} unlabelled) | ≥ 95% | {verdict_min(p.value, PRECISION_MIN)} |"
        )
    for typ in TYPES:
        b, p = base.held_out[typ], pipe.held_out[typ]
        rows.append(
            f"| Precision, {FACET[typ]}, held-out half | {pct(b.value)} ({b.right}/{b.judged}) "
            f"| {pct(p.value)} ({p.right}/{p.judged}) | ≥ 95% "
            f"| {verdict_min(p.value, PRECISION_MIN)} |"
        )
    for typ in TYPES:
        br, pr = base.recall[typ], pipe.recall[typ]
        floor = None if br.value is None else br.value - RECALL_DROP_MAX
        rows.append(
            f"| Recall, {FACET[typ]} ({br.total} entities) | {pct(br.value)} "
            f"({br.found}) | {pct(pr.value)} ({pr.found}) | ≥ baseline − 2 points "
            f"| {verdict_min(pr.value, floor) if floor is not None else 'not measured'} |"
        )
    for typ in TYPES:
        ba, pa = base.recall_any[typ], pipe.recall_any[typ]
        rows.append(
            f"| Recall in any facet, {FACET[typ]} | {pct(ba.value)} ({ba.found}) "
            f"| {pct(pa.value)} ({pa.found}) | (found, any type) | |"
        )
    for typ in TYPES:
        bs, ps = base.splits[typ], pipe.splits[typ]
        rows.append(
            f"| Split entities, {FACET[typ]} | {pct(bs.value)} ({bs.split}/{bs.entities}) "
            f"| {pct(ps.value)} ({ps.split}/{ps.entities}) | ≤ 1% "
            f"| {verdict_max(ps.value, SPLITS_MAX)} |"
        )
    passes = pipe.seconds / base.seconds - 1 if base.seconds else None
    rows.append(
        f"| Entities stage CPU time, {len(base.entities)} articles (best pass) "
        f"| {base.seconds:.1f} s (wall {base.wall:.1f} s) | {pipe.seconds:.1f} s "
        f"(wall {pipe.wall:.1f} s; {'n/a' if passes is None else f'{100 * passes:+.1f}%'}) "
        "| (noise of ±10% between passes) | |"
    )
    added = (
        pipe.checks_added / base.seconds if pipe.checks_added is not None and base.seconds else None
    )
    rows.append(
        f"| Time the checks add (on the same stored spans, best of {CHECK_REPEATS}) | "
        f"| {'n/a' if pipe.checks_added is None else f'{pipe.checks_added:.2f} s'} "
        f"({'n/a' if added is None else f'{100 * added:+.1f}%'} of the stage) "
        f"| ≤ +5% | {verdict_max(added, TIME_ADDED_MAX, 'points')} |"
    )
    b_acc, p_acc = base.countries, pipe.countries
    rows.append(
        f"| Places resolved to the labelled country | "
        f"{pct(b_acc.value) + f' ({b_acc.correct}/{b_acc.total})' if b_acc else 'not measured'} | "
        f"{pct(p_acc.value) + f' ({p_acc.correct}/{p_acc.total})' if p_acc else 'not measured'} "
        "| (measured) | |"
    )
    return rows


def strict_lines(pipe: Variant, strict: Variant) -> list[str]:
    """What ``entities.require_known`` would change: precision gained against recall lost."""
    rows = [
        "With `entities.require_known` (values the reference data does not know dropped too; "
        "off by default, since new names appear in the news every day):",
        "",
        "| Type | Precision, default → require_known | Recall, default → require_known |",
        "|---|---|---|",
    ]
    for typ in TYPES:
        p, s = pipe.precision[typ], strict.precision[typ]
        pr, sr = pipe.recall[typ], strict.recall[typ]
        rows.append(
            f"| {FACET[typ]} | {pct(p.value)} ({p.right}/{p.judged}) → {pct(s.value)} "
            f"({s.right}/{s.judged}) | {pct(pr.value)} ({pr.found}/{pr.total}) → "
            f"{pct(sr.value)} ({sr.found}/{sr.total}) |"
        )
    return rows


def section(
    base: Variant,
    pipe: Variant,
    labels: Mapping[str, list[dict[str, Any]]],
    passes: int,
    strict: Variant | None = None,
) -> str:
    same = facets(base.entities) == facets(pipe.entities)
    counts = {typ: sum(1 for r in labels["values"] if r["type"] == typ) for typ in TYPES}
    lines = [
        "<!-- bench:facets -->",
        "## Facet quality (`scripts/bench_facets.py`)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}. Wikinews corpus "
        f"({len(base.entities)} articles), the entities stage run with "
        "`entities.validate_facets` off "
        "(baseline: the canonicalised model output) and on (pipeline) in the same process, "
        f"after a warm-up of both on {WARMUP} articles; times are the best CPU time of {passes} "
        "interleaved passes (other processes share the two cores; wall time shown too).",
        f"Labels (`tests/data/facets/`, rules in its GUIDE.md): {counts['person']} person, "
        f"{counts['organization']} organisation and {counts['location']} place values judged, "
        f"drawn at random from the baseline output; {len(labels['articles'])} articles with every "
        f"entity labelled (recall); {len(labels['splits'])} judged split candidates. Precision "
        "counts the labelled distinct values present in each output; unlabelled values (new "
        "values the rules produce) are listed by `--unlabelled`.",
        "",
        *table(base, pipe),
        "",
        f"Place resolution: {pipe.countries_note}.",
    ]
    if strict is not None:
        lines[-1:-1] = [*strict_lines(pipe, strict), ""]
    if pipe.countries and pipe.countries.wrong:
        wrong = ", ".join(f"{v} ({e}, got {g})" for v, e, g in pipe.countries.wrong[:8])
        lines.append(f"Wrong or unresolved: {wrong}.")
    if same:
        lines.append(
            "The switch changed no facet value: the validation rules are not in this build yet, "
            "so both columns are the baseline."
        )
    for typ in TYPES:
        if pipe.splits[typ].examples:
            ex = "; ".join(" / ".join(g) for g in pipe.splits[typ].examples[:5])
            lines.append(f"Split {FACET[typ]}: {ex}.")
    if NOTES:
        lines += ["", NOTES]
    lines.append("<!-- /bench:facets -->")
    return "\n".join(lines) + "\n"


def print_unlabelled(
    base: Variant, pipe: Variant, labels: Mapping[str, list[dict[str, Any]]], mode: str
) -> None:
    judged = {(r["type"], fold(r["a"]), fold(r["b"])) for r in labels["splits"]}
    for typ in TYPES:
        before = {fold(v) for v in all_values(base.entities, typ)}
        values = [
            v for v in pipe.precision[typ].unlabelled if mode == "all" or fold(v) not in before
        ]
        print(f"# unlabelled {FACET[typ]} in the pipeline output ({mode}): {len(values)}")
        for v in values:
            print(f"{typ}\t{v}")
        present = all_values(pipe.entities, typ)
        new = [
            (a, b)
            for a, b in split_candidates(present, typ)
            if (typ, fold(a), fold(b)) not in judged
            and (mode == "all" or fold(a) not in before or fold(b) not in before)
        ]
        print(f"# unjudged split candidates, {FACET[typ]}: {len(new)}")
        for a, b in new:
            print(f"{typ}\t{a}\t{b}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=WIKINEWS)
    ap.add_argument("--labels", type=Path, default=LABELS)
    ap.add_argument("--passes", type=int, default=2)
    ap.add_argument("--no-write", action="store_true", help="print only, leave docs/ alone")
    ap.add_argument(
        "--unlabelled",
        nargs="?",
        const="new",
        choices=("new", "all"),
        help="list unlabelled pipeline values (new: not in the baseline output) "
        "and unjudged split candidates",
    )
    args = ap.parse_args(argv)

    labels = {
        name: load_jsonl(args.labels / f"{name}.jsonl") for name in ("values", "articles", "splits")
    }
    articles = read_articles(args.corpus)
    settings = load_settings()
    off, on = with_validate(settings, False), with_validate(settings, True)

    # Model and reference data load once per process: not the stage's per-article cost.
    annotate(articles[:WARMUP], off)
    annotate(articles[:WARMUP], on)
    best: dict[bool, tuple[float, float, dict[str, Entities]]] = {}
    for i in range(max(1, args.passes)):
        for flag in (False, True) if i % 2 == 0 else (True, False):
            cpu, wall, ents = annotate(articles, on if flag else off)
            state = "on" if flag else "off"
            print(f"pass {i + 1}: validate {state}: {cpu:.1f} s CPU, {wall:.1f} s", file=sys.stderr)
            if flag not in best or cpu < best[flag][0]:
                # the facets are the same on every pass; keep the first pass's
                best[flag] = (cpu, wall, best[flag][2] if flag in best else ents)

    base = measure("baseline", *best[False], labels, off)
    pipe = measure("pipeline", *best[True], labels, on)
    pipe.checks_added = checks_added(articles, best[False][2], settings)
    # The trade-off of dropping what the reference data does not know (entities.require_known).
    strict_settings = settings.model_copy(
        update={"entities": on.entities.model_copy(update={"require_known": True})}
    )
    strict = measure("strict", *annotate(articles, strict_settings), labels, strict_settings)
    text = section(base, pipe, labels, max(1, args.passes), strict)
    print(text)
    if args.unlabelled:
        print_unlabelled(base, pipe, labels, args.unlabelled)
    if not args.no_write:
        write_section("facets", text)
        print("wrote docs/benchmarks.md", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
