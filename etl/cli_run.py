"""``python -m etl run``: the whole pipeline without Airflow, with progress and a summary."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from etl.errors import UsageError
from etl.records import quarantine_line, warning_line
from etl.settings import Settings, get_settings
from etl.stats import RunCounts

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Quarantined files (and warnings) listed in the summary; the run record keeps up to a thousand.
SHOW_QUARANTINED = 20


def add_parser(sub: Any) -> None:
    """Register ``run``."""
    p = sub.add_parser(
        "run",
        help="run the pipeline on a folder and load it into Elasticsearch",
        description="Read, clean, enrich and load a folder of raw news files. "
        "Exit status: 0 completed (quarantined files included), 1 could not complete, "
        "2 bad usage. Elasticsearch: ES_URL (default http://127.0.0.1:9200).",
    )
    p.add_argument("--input", required=True, metavar="DIR", help="raw root to read")
    p.add_argument("--index", default=None, metavar="ALIAS", help="index alias (default: news)")
    p.add_argument(
        "--mode",
        choices=("incremental", "full"),
        default="incremental",
        help="incremental (default): add new and changed files to the index behind the alias; "
        "full: build a new index, then swap the alias to it at once",
    )
    p.add_argument(
        "--since", metavar="DATE", help="incremental only: files modified on or after DATE"
    )
    p.add_argument(
        "--dry-run", action="store_true", help="process and report; write nothing to Elasticsearch"
    )
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        metavar="N",
        help="documents per batch (default: batches.local_max_docs in config/settings.yml)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="processes that read, clean and find entities (default: the usable cores)",
    )
    p.add_argument("--debug", action="store_true", help="log everything, show tracebacks")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Run; 0 = completed (quarantined files included), 1 = could not complete, 2 = bad usage."""
    from etl import es as es_mod
    from etl.runs import RecordNotWritten

    settings = get_settings()
    _configure_logging(args.debug)
    alias = args.index or settings.elasticsearch.alias
    url = es_mod.redact(settings.env.es_target)
    try:
        since, workers = _checked_args(args)
        client, record = _run(args, settings, alias, since, workers)
    except UsageError as e:
        return _fail(EXIT_USAGE, str(e))
    except KeyboardInterrupt:
        return _fail(130, "interrupted; the alias still shows the last completed run")
    except RecordNotWritten as e:
        return _fail(EXIT_FAILED, " ".join(str(e).split()))
    except Exception as e:
        if args.debug:
            raise
        return _fail(EXIT_FAILED, f"run did not complete: {_one_line(e, url)}")
    print_summary(record)
    if not args.dry_run:
        print_index_state(client, alias)
    return EXIT_OK


def _configure_logging(debug: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)
    if not debug:
        # The client logs every retry; the user gets one line at the end instead.
        logging.getLogger("elastic_transport").setLevel(logging.CRITICAL)


def _checked_args(args: argparse.Namespace) -> tuple[datetime | None, int]:
    """``--since`` as a date and the number of workers; a UsageError for a bad option."""
    from etl.workers import check_workers, usable_cores

    try:
        since = datetime.fromisoformat(args.since) if args.since else None
    except ValueError:
        raise UsageError(f"--since must be a date like 2026-01-31, not {args.since!r}") from None
    if args.batch_size is not None and args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    return since, check_workers(usable_cores() if args.workers is None else args.workers)


def _run(
    args: argparse.Namespace,
    settings: Settings,
    alias: str,
    since: datetime | None,
    workers: int,
) -> tuple[Any, dict[str, Any]]:
    """The client and the run record of a run with progress on stderr."""
    from etl import es as es_mod
    from etl import pipeline
    from etl.progress import for_stream

    # Usage errors first, before any time is spent waiting for Elasticsearch.
    pipeline.check_request(args.input, alias, args.mode, since, settings=settings)
    client = es_mod.client(settings)
    if not args.dry_run:
        client.info()  # fail fast, after the client's retries, before any work
    with for_stream(sys.stderr) as progress:
        record = pipeline.run(
            client,
            input_root=args.input,
            alias=alias,
            mode=args.mode,
            settings=settings,
            since=since,
            dry_run=args.dry_run,
            batch_size=args.batch_size,
            workers=workers,
            progress=progress,
        )
    return client, record


def print_index_state(es: Any, alias: str) -> None:
    """What searchers now see behind the alias: its count and top persons (as Kibana shows)."""
    from etl.search import summary

    try:
        state = summary(es, alias, facet_size=5)
    except Exception:  # the run completed; a failed look at the result must not say otherwise
        return
    persons = ", ".join(f"{name} {n}" for name, n in state.facets.get("persons", []))
    print(f"  {alias} now holds {state.documents} documents; top persons: {persons or '-'}")


def _fail(code: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _one_line(e: BaseException, url: str) -> str:
    """Why the run stopped, in one line a user can act on."""
    from elasticsearch import ApiError, ConnectionTimeout
    from elasticsearch import ConnectionError as ESConnectionError

    from etl.errors import PipelineError

    retries = get_settings().elasticsearch.max_retries
    if isinstance(e, ConnectionTimeout):
        return f"Elasticsearch at {url} timed out after {retries} retries"
    if isinstance(e, ESConnectionError):
        return f"Elasticsearch at {url} unreachable after {retries} retries"
    if isinstance(e, ApiError):
        return f"Elasticsearch refused a request: {e.message} (HTTP {e.meta.status})"
    text = " ".join(str(e).split())[:500]
    if isinstance(e, (PipelineError, OSError)):
        return text or type(e).__name__
    return f"{type(e).__name__}: {text} (rerun with --debug for the traceback)"


def print_summary(record: dict[str, Any]) -> None:
    """The run's counts, quarantined files and warnings with reasons, and where to look."""
    c = RunCounts.from_json(record["counts"])
    head = "dry run (nothing written)" if record["dry_run"] else f"index {record['index']}"
    print(f"run {record['run_id']} ({record['mode']}): {head}")
    print(
        f"  files seen {c.files_seen}, new {c.new}, updated {c.updated}, "
        f"unchanged {c.unchanged}, quarantined {c.quarantined}, failed {c.failed}"
        + (f", removed {c.removed}" if c.removed else "")
        + (f", warnings {c.warnings}" if c.warnings else "")
    )
    if c.reprocessed:
        print(
            f"  reprocessed {c.reprocessed} ({_by_stage(c.reprocessed_stages)}), their files "
            f"unchanged; raw files read {c.files_seen - c.files_skipped} of {c.files_seen}"
        )
    if record["dry_run"]:
        print(f"  documents that would be loaded: {record.get('would_load', 0)}")
        if redo := record.get("would_reprocess"):
            print(f"  documents whose stale stages would be redone: {_by_stage(redo)}")
    print("  " + stage_rates(record))
    _print_some("quarantined", record.get("quarantine", []), c.quarantined, quarantine_line)
    _print_some("warning", record.get("warnings", []), c.warnings, warning_line)
    if not record["dry_run"]:
        print(f"  run record: GET {record['alias']}-runs/_doc/{record['run_id']}")


def _by_stage(counts: dict[str, int]) -> str:
    return ", ".join(f"{stage} {n}" for stage, n in sorted(counts.items())) or "none"


def _print_some(
    label: str, rows: list[dict[str, Any]], total: int, line: Callable[[dict[str, Any]], str]
) -> None:
    """The first ``SHOW_QUARANTINED`` rows, then how many more the run record has."""
    shown = rows[:SHOW_QUARANTINED]
    for row in shown:
        print(f"  {label} {line(row)}")
    if total > len(shown):
        print(f"  ... and {total - len(shown)} more (see the run record)")


def stage_rates(record: dict[str, Any]) -> str:
    """Seconds and documents per second of each stage (summed over worker processes)."""
    docs = RunCounts.from_json(record["counts"]).processed
    parts = []
    for stage, secs in record.get("stage_seconds", {}).items():
        rate = f" ({docs / secs:.1f} docs/s)" if secs > 0 and docs > 0 else ""
        parts.append(f"{stage} {secs:.1f}{rate}")
    workers = record.get("workers") or 1
    per = " per process" if workers > 1 else ""
    batches = record.get("batches")
    head = f"{batches} batch{'es' if batches != 1 else ''}, " if batches is not None else ""
    return f"{head}{workers} worker{'s' if workers > 1 else ''}; seconds{per}: " + ", ".join(parts)
