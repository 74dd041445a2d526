"""``python -m etl ARGS`` run as a user runs it, for the tiers that test the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_etl(
    *args: str,
    es_url: str | None = None,
    env: dict[str, str] | None = None,
    timeout: int = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the CLI against ``es_url`` (default: the tests' Elasticsearch); ``env`` adds to the
    environment and wins over both."""
    from etl.settings import get_settings

    full = {
        **os.environ,
        "ES_URL": es_url or get_settings().env.es_target,
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
