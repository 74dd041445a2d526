"""What a test does when something it needs is missing: skip locally, fail in CI."""

from __future__ import annotations

import os

import pytest


def need(ok: bool, reason: str) -> None:
    """Skip on a developer machine that lacks a prerequisite; fail in CI, where skips hide."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
