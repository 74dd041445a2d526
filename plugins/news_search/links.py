"""Kibana Discover links and plugin settings from the environment (stdlib only: cheap to import)."""

from __future__ import annotations

import os
import re
from urllib.parse import quote

DEFAULT_KIBANA_URL = "http://localhost:5601"
# Saved search shipped in config/kibana/<alias>.ndjson: columns title, source, date, entities.
SAVED_SEARCH_ID = "news-etl-search-{alias}"
# Discover's default time window is 15 minutes; news archives span years.
TIME_WINDOW = "(time:(from:now-20y,to:now))"
_FRAGMENT_SAFE = "/?=&():,'!*-_.~"  # rison punctuation stays readable; spaces, quotes encoded
INDEX_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,254}$")


def kibana_url() -> str:
    """Kibana's public base URL (env ``KIBANA_URL``), without a trailing slash."""
    return (os.environ.get("KIBANA_URL") or DEFAULT_KIBANA_URL).rstrip("/")


def default_index() -> str:
    """The alias the search page shows unless ``?index=`` says otherwise."""
    name = os.environ.get("NEWS_SEARCH_INDEX")
    if name:
        return name
    try:
        from etl.settings import get_settings

        return get_settings().elasticsearch.alias
    except Exception:  # settings unreadable: the page still works on the contract's default
        return "news"


def _rison_string(value: str) -> str:
    return "'" + value.replace("!", "!!").replace("'", "!'") + "'"


def _kql_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def kql(text: str, filters: dict[str, list[str]]) -> str:
    """A KQL query for Discover: the free text AND each field's values (OR within a field)."""
    parts = []
    if text.strip():
        parts.append(re.sub(r'([\\():<>"*{}])', r"\\\1", text.strip()))
    for field, values in filters.items():
        alts = " or ".join(f"{field}:{_kql_value(v)}" for v in values)
        parts.append(f"({alts})" if len(values) > 1 else alts)
    return " and ".join(parts)


def discover_url(
    alias: str, text: str = "", filters: dict[str, list[str]] | None = None, base: str = ""
) -> str:
    """Kibana Discover on the saved search for ``alias``, optionally with a query."""
    app_state = ""
    query = kql(text, filters or {})
    if query:
        app_state = f"&_a=(query:(language:kuery,query:{_rison_string(query)}))"
    fragment = f"/view/{SAVED_SEARCH_ID.format(alias=alias)}?_g={TIME_WINDOW}{app_state}"
    return f"{base or kibana_url()}/app/discover#{quote(fragment, safe=_FRAGMENT_SAFE)}"


def safe_run_id(run_id: str) -> str:
    """The run id as stored in documents (mirrors etl.dag_tasks._safe, which needs Airflow)."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
