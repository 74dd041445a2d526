"""``python -m etl COMMAND``: each command module registers its subparsers here."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from etl import cli_clean, cli_entities, cli_run, cli_search


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m etl", description="News ETL commands.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_run.add_parser(sub)
    cli_clean.add_parser(sub)
    cli_search.add_parsers(sub)
    cli_entities.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse and dispatch; argparse exits 2 on bad usage."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as other command-line tools do. Only
        # results go to stdout, after the work is done (progress and errors go to stderr).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
