"""``python -m etl COMMAND``: each command module registers its subparsers here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from etl import cli_clean, cli_run, cli_search


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m etl", description="News ETL commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_run.add_parser(sub)
    cli_clean.add_parser(sub)
    cli_search.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and dispatch; argparse exits 2 on bad usage."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
