"""Names the pipeline gives and accepts: aliases and run ids (stdlib only: cheap to import).

The DAG file (its form's pattern), the CLI and the search plugin all check names here, so one
rule decides what an alias may be.
"""

from __future__ import annotations

import re

from etl.errors import UsageError

# Elasticsearch's index-name rules, kept simple: lower case, no path or wildcard characters,
# and short enough that a generation name (alias + suffix) stays under the 255-byte limit.
ALIAS_MAX = 200
ALIAS_PATTERN = rf"^[a-z0-9][a-z0-9_.\-]{{0,{ALIAS_MAX - 1}}}$"
_ALIAS = re.compile(ALIAS_PATTERN)
# Suffixes of the pipeline's own indices: an alias ending so would collide with them.
RESERVED_SUFFIXES = ("-runs",)


def alias_problem(alias: str) -> str | None:
    """Why ``alias`` cannot be used as the pipeline's alias, or None when it can."""
    if not isinstance(alias, str) or not _ALIAS.match(alias):
        return (
            f"{alias!r} is not a usable alias: lower case letters, digits, - _ . "
            f"(at most {ALIAS_MAX} characters, starting with a letter or digit)"
        )
    if alias.endswith(RESERVED_SUFFIXES):
        return f"{alias!r} is not a usable alias: names ending in -runs hold run records"
    return None


def check_alias(alias: str) -> str:
    """``alias`` when usable, else a UsageError saying why."""
    if problem := alias_problem(alias):
        raise UsageError(problem)
    return alias


def safe_run_id(run_id: str) -> str:
    """A run id as stored in documents and used in staging paths (Airflow's may hold ``:+``)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
