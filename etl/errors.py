"""Errors the pipeline raises on purpose, each with a one-line message for the user."""

from __future__ import annotations


class UsageError(ValueError):
    """The run was asked for something impossible (missing folder, bad mode): exit 2."""


class PipelineError(RuntimeError):
    """The run could not complete (Elasticsearch refused a whole request, a count check failed)."""


class NotOurs(UsageError):
    """The name belongs to an index news-etl did not create: refused before anything is written,
    and no run record is written either (there is no index of ours to hold it)."""
