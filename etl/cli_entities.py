"""``python -m etl entities suggest``: facet values that look like variants of one entity.

Prints each suggestion with its document counts and a ready-to-paste entry for
``config/entities.yml``; it never edits the table. Exit 0, 1 (Elasticsearch unreachable, index
missing) or 2 (bad usage), errors in one line on stderr, like ``etl search``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from etl import cli_search
from etl import search as s
from etl.settings import get_settings
from etl.suggest import Suggestion


def add_parser(subparsers: Any) -> None:
    """Register ``entities suggest``."""
    p = subparsers.add_parser("entities", help="curate entity facets (suggested aliases)")
    sub = p.add_subparsers(dest="entities_command", required=True, metavar="SUBCOMMAND")
    q = sub.add_parser(
        "suggest",
        help="facet values that look like variants of one entity",
        description="Suggest alias-table entries (config/entities.yml) for facet values that "
        "look like one entity written several ways. Nothing is changed.",
    )
    q.add_argument("--index", metavar="ALIAS", help="index alias (default: the configured one)")
    q.add_argument("--limit", type=int, default=50, metavar="N", help="suggestions (default 50)")
    q.add_argument("--json", action="store_true", help="print JSON instead of text")
    q.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    q.set_defaults(func=run_suggest)


def run_suggest(args: argparse.Namespace) -> int:
    """The ``entities suggest`` subcommand."""
    args.index = args.index or get_settings().elasticsearch.alias

    def work() -> int:
        if args.limit < 1:
            raise s.SearchUsageError(f"--limit must be at least 1, not {args.limit}")
        found = s.suggest_aliases(cli_search.interactive_client(), args.index, limit=args.limit)
        if args.json:
            print(json.dumps([as_dict(x) for x in found], ensure_ascii=False, indent=2))
        else:
            print_suggestions(found)
        return cli_search.EXIT_OK

    return cli_search.guard("entities suggest", args, work)


def as_dict(x: Suggestion) -> dict[str, Any]:
    return {
        "name": x.name,
        "type": x.kind,
        "aliases": x.aliases,
        "documents": x.docs,
        "reasons": x.reasons,
        "yaml": x.yaml(),
    }


def print_suggestions(found: list[Suggestion]) -> None:
    """Plain text: each suggestion's counts and reasons, then its YAML entry."""
    if not found:
        print("no suggestions: no facet values look like variants of one another")
        return
    for i, x in enumerate(found, 1):
        print(f"{i}. {x.name} ({x.kind}, {x.docs[x.name]} documents)")
        for alias, why in zip(x.aliases, x.reasons, strict=True):
            print(f"     + {alias} ({x.docs[alias]} documents): {why.split(': ', 1)[1]}")
        print(x.yaml())
        print()
    print("Paste the entries you agree with under `entities:` in config/entities.yml; the next")
    print("incremental run re-derives the affected documents from what is stored (no NER).")
