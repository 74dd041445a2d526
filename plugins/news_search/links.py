"""Kibana Discover links, and what the plugin takes from Settings (cheap to import)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:
    from etl.settings import Settings

# Saved search shipped in config/kibana/<alias>.ndjson: columns title, source, date, entities.
SAVED_SEARCH_ID = "news-etl-search-{alias}"
# Discover's default time window is 15 minutes; news archives span years.
TIME_WINDOW = "(time:(from:now-20y,to:now))"
_FRAGMENT_SAFE = "/?=&():,'!*-_.~"  # rison punctuation stays readable; spaces, quotes encoded


@dataclass(frozen=True)
class Site:
    """The plugin's settings, read once: the page's default alias and Kibana's base URL."""

    default_index: str
    kibana_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Site:
        """``NEWS_SEARCH_INDEX`` or the configured alias; ``KIBANA_URL`` (via ``Settings``)."""
        env = settings.env
        return cls(
            default_index=env.search_index or settings.elasticsearch.alias,
            kibana_url=env.kibana_url.rstrip("/"),
        )


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
    kibana_url: str, alias: str, text: str = "", filters: dict[str, list[str]] | None = None
) -> str:
    """Kibana Discover (at ``kibana_url``) on the saved search for ``alias``, with a query."""
    app_state = ""
    query = kql(text, filters or {})
    if query:
        app_state = f"&_a=(query:(language:kuery,query:{_rison_string(query)}))"
    fragment = f"/view/{SAVED_SEARCH_ID.format(alias=alias)}?_g={TIME_WINDOW}{app_state}"
    return f"{kibana_url.rstrip('/')}/app/discover#{quote(fragment, safe=_FRAGMENT_SAFE)}"
