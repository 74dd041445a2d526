"""What the plugin's pages share: the tabs linking them (keeping the chosen alias), the page
shell and the styles of the curation tabs.

Links are relative (``./``, ``quarantine``, ``entities``) so the pages work under any prefix
and inside the Airflow UI's iframe.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from etl.naming import alias_problem
from etl.search import SearchUsageError
from news_search import links

# (key, label, relative path) of each tab, in the order shown.
TABS = (
    ("search", "Search", "./"),
    ("quarantine", "Quarantine", "quarantine"),
    ("entities", "Entities", "entities"),
)

CSS = """
nav.tabs{display:flex;gap:4px;padding:0 20px;border-bottom:1px solid #e2e8f0}
nav.tabs a{padding:8px 14px;color:#2d3748;text-decoration:none;border-bottom:3px solid transparent}
nav.tabs a[aria-current=page]{border-bottom-color:#017cee;font-weight:600}
.curation{padding:16px 20px}
.curation form{margin:0 0 12px}
.curation select,.curation input[type=text]{padding:5px;border:1px solid #a0aec0;border-radius:4px}
table.rows{border-collapse:collapse;width:100%}
table.rows th,table.rows td{text-align:left;padding:4px 8px;border-bottom:1px solid #e2e8f0;
vertical-align:top}
table.rows td.sha{font-family:monospace;font-size:12px;word-break:break-all}
.suggestion{margin:0 0 18px}
.suggestion h3{font-size:15px;margin:0 0 4px}
.suggestion pre{background:#f7fafc;border:1px solid #e2e8f0;padding:8px;margin:6px 0 0;
overflow-x:auto}
"""


def alias_params(index: str, default_index: str) -> list[tuple[str, str]]:
    """``index=`` when the alias is not the default one (links leave the default out)."""
    return [("index", index)] if index != default_index else []


def tabs_html(active: str, index: str, default_index: str) -> str:
    """The tab bar; every tab keeps the chosen alias."""
    query = urlencode(alias_params(index, default_index))
    out = []
    for key, label, path in TABS:
        href = path + (f"?{query}" if query else "")
        current = ' aria-current="page"' if key == active else ""
        out.append(f'<a href="{escape(href)}" data-testid="tab-{key}"{current}>{label}</a>')
    return f'<nav class="tabs" aria-label="News pages">{"".join(out)}</nav>'


def document(title: str, css: str, body: str) -> str:
    """A whole HTML page: ``title`` (escaped), styles and the already-escaped ``body``."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{css}{CSS}</style></head><body>{body}</body></html>"
    )


def error_html(message: str | None) -> str:
    """The one-line message a page shows instead of (or above) its content."""
    return f'<div class="error" role="alert">{escape(message)}</div>' if message else ""


def alias_from(query: Any, site: links.Site) -> str:
    """The ``index`` parameter (default: the site's alias), refused as the search page does."""
    index = (query.get("index") or site.default_index).strip()
    if problem := alias_problem(index):
        raise SearchUsageError(problem)
    return index


def header_html(index: str) -> str:
    """The curation pages' header: the plugin's name and the alias shown."""
    return (
        f'<header><h1>News search</h1><span class="meta">alias <b data-testid="alias">'
        f"{escape(index)}</b></span></header>"
    )
