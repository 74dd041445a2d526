"""What every benchmark shares: the corpus, the machine's description, its report section.

Each benchmark owns one section of ``docs/benchmarks.md`` between ``<!-- bench:NAME -->`` and
``<!-- /bench:NAME -->`` and rewrites only that.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
WIKINEWS = ROOT / "data" / "wikinews" / "wikinews-en-2019-2020.jsonl"  # kept in the repository


def cpu_name() -> str:
    try:
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        return m.group(1).strip() if m else platform.processor()
    except OSError:
        return platform.processor()


def machine() -> str:
    """``CPU, N cores, Python X`` for a report's first line."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu_name()}, {cores} cores, Python {platform.python_version()}"


def write_section(name: str, section: str, path: Path = REPORT) -> None:
    """Replace benchmark ``name``'s section of the report (its markers included in
    ``section``), leaving the others alone."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    if not (section.startswith(begin) and section.rstrip().endswith(end)):
        raise ValueError(f"section must start with {begin} and end with {end}")
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip(), text)
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
