"""``python -m etl search`` and ``python -m etl summary``: faceted search on the command line.

Readable rich tables on a terminal, JSON with ``--json``. Exit codes: 0 done, 1 could not
complete (Elasticsearch unreachable, index missing), 2 bad usage; errors are one line on
stderr (a traceback only with ``--debug``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from etl import search as s
from etl.settings import get_settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch
    from rich.console import Console
    from rich.text import Text

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
FACET_TITLES = s.FACET_TITLES


def add_parsers(subparsers: Any) -> None:
    """Register the ``search`` and ``summary`` subcommands on an argparse subparsers object."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--index", metavar="ALIAS", help="index alias (default: the configured alias, 'news')"
    )
    common.add_argument("--json", action="store_true", help="print JSON instead of tables")
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")

    p = subparsers.add_parser(
        "search",
        parents=[common],
        help="full-text search with facets",
        description="Full-text search over title, body and entity names, with facet counts.",
    )
    p.add_argument("query", nargs="?", default="", help="search text (empty: all documents)")
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="keep documents whose FIELD has VALUE (repeatable; AND across fields, OR within "
        f"one; fields: {', '.join(s.FILTER_FIELDS)}; short: persons, places, source, ...)",
    )
    p.add_argument("--since", metavar="DATE", help="published on or after this date (YYYY-MM-DD)")
    p.add_argument("--until", metavar="DATE", help="published on or before this date (YYYY-MM-DD)")
    p.add_argument("--language", metavar="XX", help="ISO 639-1 code, e.g. en")
    p.add_argument("--source", metavar="NAME", help="publisher name (source.name)")
    p.add_argument(
        "--country",
        metavar="XX",
        help="ISO 3166-1 code of a country the article's places are in, e.g. FR (geo.countries)",
    )
    p.add_argument(
        "--size", metavar="N", type=int, default=s.DEFAULT_SIZE, help="results to show (default 10)"
    )
    p.add_argument(
        "--from", dest="from_", metavar="N", type=int, default=0, help="skip this many results"
    )
    p.add_argument(
        "--collapse",
        action="store_true",
        help="one hit per story (near-duplicate copies folded in, listed with their outlets); "
        "facets count stories",
    )
    p.set_defaults(func=run_search)

    q = subparsers.add_parser(
        "summary",
        parents=[common],
        help="document count, top entities, countries, sources, languages, date range",
        description="What an index holds: counts, top facet values, date range, last run.",
    )
    q.set_defaults(func=run_summary)


def interactive_client() -> Elasticsearch:
    from etl.es import client

    # Fail fast on the command line: one retry, then a one-line error.
    return client(get_settings(), fail_fast=True)


def guard(name: str, args: argparse.Namespace, work: Callable[[], int]) -> int:
    """Run ``work``; turn usage and Elasticsearch errors into one-line messages and exit codes."""
    from elasticsearch import ApiError, NotFoundError, TransportError

    from etl.es import redact

    try:
        return work()
    except s.SearchUsageError as e:
        print(f"etl {name}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except (ApiError, TransportError) as e:
        if args.debug:
            traceback.print_exc()
        if isinstance(e, NotFoundError):
            msg = f"index {args.index!r} not found at {redact(get_settings().env.es_target)}"
        elif isinstance(e, ApiError):
            msg = f"Elasticsearch refused the request: {s.refusal(e)} ({e.meta.status})"
        else:
            where = redact(get_settings().env.es_target)
            msg = f"cannot reach Elasticsearch at {where} ({type(e).__name__})"
        print(f"etl {name}: error: {msg}", file=sys.stderr)
        return EXIT_FAILED


def run_search(args: argparse.Namespace) -> int:
    """The ``search`` subcommand."""
    args.index = args.index or get_settings().elasticsearch.alias

    def work() -> int:
        filters = s.parse_filters(args.filter)
        kwargs: dict[str, Any] = {
            "filters": filters,
            "since": args.since,
            "until": args.until,
            "language": args.language,
            "source": args.source,
            "country": args.country,
            "size": args.size,
            "from_": args.from_,
            "collapse": args.collapse,
        }
        s.build_query(args.query, **kwargs)  # usage errors before any network call
        result = s.search(interactive_client(), args.index, args.query, **kwargs)
        if args.json:
            print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            render_search(_console(), args, result)
        return EXIT_OK

    return guard("search", args, work)


def run_summary(args: argparse.Namespace) -> int:
    """The ``summary`` subcommand."""
    args.index = args.index or get_settings().elasticsearch.alias

    def work() -> int:
        result = s.summary(interactive_client(), args.index)
        if args.json:
            print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2, default=str))
        else:
            render_summary(_console(), result)
        return EXIT_OK

    return guard("summary", args, work)


# --- rendering -----------------------------------------------------------------------------


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _day(value: str | None) -> str:
    return value[:10] if value else "no date"


def plain(value: object, style: str = "") -> Text:
    """A value from a document or the command line as rich Text, never as markup.

    Text is not parsed for ``[markup]`` (a facet value ``[/]`` or ``[link=...]`` prints as
    itself), and control characters are dropped so no value can move the terminal's cursor.
    """
    from rich.text import Text

    text = s.as_text(value) or ""
    return Text("".join(c for c in text if c == "\t" or unicodedata.category(c) != "Cc"), style)


def highlighted(fragment: str, color: bool = True) -> Text:
    """A highlight fragment as rich Text: matches in bold yellow, or »marked« without colour."""
    from rich.text import Text

    text = Text()
    for part, match in s.segments(fragment):
        part = re.sub(r"\s+", " ", part)
        if match:
            text.append_text(plain(part if color else f"»{part}«", style="bold yellow"))
        else:
            text.append_text(plain(part))
    return text


def _facet_tables(
    facets: dict[str, list[tuple[str, int]]],
    stories: dict[str, list[tuple[str, int]]] | None = None,
) -> Any:
    """One table per facet: documents per value, and stories per value when ``stories``."""
    from rich.columns import Columns
    from rich.table import Table
    from rich.text import Text

    tables = []
    for name, pairs in facets.items():
        table = Table(title=FACET_TITLES.get(name, name), title_justify="left", min_width=24)
        table.add_column(s.FACETS[name], overflow="fold")
        if stories is not None:
            table.add_column("stories", justify="right")
        table.add_column("docs", justify="right")
        counts = dict((stories or {}).get(name, []))
        for value, count in pairs:
            story_cell = [str(counts.get(value, count))] if stories is not None else []
            table.add_row(plain(s.facet_label(name, value)), *story_cell, str(count))
        if not pairs:
            table.add_row(Text("(none)", style="dim"), "")
        tables.append(table)
    return Columns(tables, padding=(0, 2))


def render_search(console: Console, args: argparse.Namespace, result: s.SearchResult) -> None:
    """Result list with highlighted snippets, then facet tables."""
    from rich.text import Text

    color = console.color_system is not None
    what = f'"{args.query}"' if args.query else "all documents"
    total = result.shown_total
    shown = f"{len(result.hits)} shown" if total > len(result.hits) else ""
    if result.collapsed:
        head = Text(f"{total} stories ({result.total} documents) for ")
    else:
        head = Text(f"{total} result{'s' if total != 1 else ''} for ")
    head.append_text(plain(what)).append(" in ").append_text(plain(args.index, style="bold"))
    for item in args.filter:
        head.append_text(plain(f"  [{item}]", style="cyan"))
    if country := getattr(args, "country", None):
        head.append_text(plain(f"  [country={country}]", style="cyan"))
    if shown:
        head.append(f"  ({shown})", style="dim")
    console.print(head)
    for n, hit in enumerate(result.hits, start=1 + args.from_):
        title = hit.highlights.get("title")
        line = Text(f"{n:>3}. ")
        line.append_text(highlighted(title[0], color) if title else plain(hit.title))
        line.stylize("bold", 5)
        console.print(line)
        meta = " · ".join(
            x for x in (hit.source or "unknown source", _day(hit.date), hit.language) if x
        )
        console.print(plain(f"     {meta}", style="dim"))
        for frag in hit.highlights.get("body", [])[:2]:
            console.print(Text("     … ").append_text(highlighted(frag, color)).append(" …"))
        if hit.copy_count:
            console.print(plain(f"     {copies_line(hit)}", style="cyan"))
    console.print()
    console.print(_facet_tables(result.facets, result.story_facets if result.collapsed else None))
    lo, hi = result.date_range
    if lo or hi:
        console.print(Text(f"Published {_day(lo)} – {_day(hi)}", style="dim"))


def copies_line(hit: s.Hit) -> str:
    """``+N copies from A, B`` for a collapsed hit."""
    more = " …" if len(hit.copies) < hit.copy_count else ""
    return (
        f"+{hit.copy_count} cop{'ies' if hit.copy_count != 1 else 'y'} from "
        f"{', '.join(hit.copy_sources)}{more}"
    )


def render_summary(console: Console, result: s.Summary) -> None:
    """Count, date range, top facet values and the last run."""

    lo, hi = result.date_range
    head = plain(result.index, style="bold")
    head.append(f": {result.documents} document{'s' if result.documents != 1 else ''}")
    head.append(f" in {result.stories} stor{'ies' if result.stories != 1 else 'y'}")
    if lo or hi:
        head.append(f", published {_day(lo)} – {_day(hi)}")
    console.print(head)
    console.print(_facet_tables(result.facets))
    run = result.last_run
    if run:
        counts = ", ".join(f"{k} {v}" for k, v in (run.get("counts") or {}).items())
        line = (
            f"Last run {run.get('run_id')} ({run.get('mode')}, {run.get('status')}), "
            f"ended {run.get('ended_at') or '?'}: {counts}"
        )
        console.print(plain(line, style="dim"))
    else:
        console.print(plain(f"No run records in {result.index}-runs.", style="dim"))
