"""The Wikinews corpus kept in the repository (``data/wikinews``), for tests that need real news."""

from __future__ import annotations

from pathlib import Path

WIKINEWS = Path(__file__).resolve().parents[1] / "data" / "wikinews" / "wikinews-en-2019-2020.jsonl"
