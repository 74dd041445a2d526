"""``python -m etl clean INPUT_DIR``: what cleaning and metadata make of a folder of raw files.

For each document: title, date with its evidence, language, publisher, why sidecar or manifest
metadata was ignored (if it was) and the first lines of the body; then the quarantined files
with reasons. Nothing is written anywhere. Exit codes:
0 done, 2 bad usage (a missing folder is one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from etl.records import Article, Quarantine

EXIT_OK, EXIT_USAGE = 0, 2
# The closing list of quarantined files stops here (the count is complete), as in run records.
MAX_LISTED = 1000


def add_parser(subparsers: Any) -> None:
    """Register the ``clean`` subcommand."""
    p = subparsers.add_parser(
        "clean",
        help="show cleaned text and metadata for a folder of raw files",
        description="Read, clean and add metadata to every file under INPUT_DIR; print the "
        "result per document and the quarantined files with reasons. Writes nothing.",
    )
    p.add_argument("input_dir", metavar="INPUT_DIR", help="folder of raw files")
    p.add_argument("--limit", type=int, metavar="N", help="stop after N documents")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=main)


def article_dict(a: Article, warning: str | None = None) -> dict[str, Any]:
    """An Article as a flat JSON-able dict (body in full); ``warning``: metadata ignored, why."""
    return {
        "path": a.source.path,
        "record": a.record,
        "title": a.title,
        "published_at": a.published_at.isoformat() if a.published_at else None,
        "date_source": a.date_source,
        "language": a.language,
        "language_confidence": a.language_confidence,
        "source": a.source.name,
        "url": a.source.url,
        "warning": warning,
        "body": a.body,
    }


def _show(a: Article, warning: str | None = None) -> str:
    where = a.source.path + (f" #{a.record}" if a.record is not None else "")
    date = a.published_at.isoformat() if a.published_at else "-"
    lines = [
        f"== {where}",
        f"  title:    {a.title or '-'}",
        f"  date:     {date} ({a.date_source})",
        f"  language: {a.language} ({a.language_confidence:.2f})",
        f"  source:   {a.source.name}" + (f" <{a.source.url}>" if a.source.url else ""),
    ]
    if warning:
        lines.append(f"  warning:  {warning}")
    body = [ln for ln in a.body.split("\n") if ln.strip()][:3]
    lines += [f"  | {ln[:160]}{'…' if len(ln) > 160 else ''}" for ln in body]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """Run readers + prepare over INPUT_DIR and print what came out."""
    root = Path(args.input_dir)
    if not root.is_dir():
        print(f"clean: no such folder: {root}", file=sys.stderr)
        return EXIT_USAGE
    _print_all(root, args)
    return EXIT_OK


def _print_all(root: Path, args: argparse.Namespace) -> None:
    from etl.prepare import prepare_all
    from etl.readers import read_all
    from etl.settings import get_settings

    settings = get_settings()
    listed: list[Quarantine] = []  # for the closing list, bounded: a folder may be all junk
    quarantined = shown = 0
    for result, warning in prepare_all(read_all(root, settings), settings):
        if args.limit is not None and shown >= args.limit:
            break
        if isinstance(result, Quarantine):
            quarantined += 1
            if args.json:
                print(json.dumps({"quarantine": result.as_dict()}, ensure_ascii=False))
            elif len(listed) < MAX_LISTED:
                listed.append(result)
            continue
        shown += 1
        print(
            json.dumps(article_dict(result, warning), ensure_ascii=False)
            if args.json
            else _show(result, warning)
        )
    if not args.json:
        print(f"\n{shown} document(s), {quarantined} quarantined")
        for q in listed:
            print(f"  QUARANTINE {q.line()}")
        if quarantined > len(listed):
            print(f"  ... and {quarantined - len(listed)} more")
