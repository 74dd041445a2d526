"""The quarantine and entities tabs' routes: read-only, from the run records and the index.

Mounted by :func:`news_search.web.create_app` behind its session check. Elasticsearch is read
through the app's searcher (``app.state.search``: one client, off the event loop, failures as
the search page words them); a failure is rendered on the tab that failed
(``request.state.render_error``, used by the app's error handler).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from etl.run_records import read_runs
from etl.search import SearchUsageError, suggest_aliases
from etl.suggest import Suggestion
from news_search import chrome, links
from news_search import quarantine as q
from news_search.entities_page import render_entities

router = APIRouter()


def suggestions(es: Any, alias: str) -> list[Suggestion]:
    """What ``python -m etl entities suggest --index ALIAS`` prints."""
    return suggest_aliases(es, alias)


@router.get("/quarantine", response_class=HTMLResponse)
async def quarantine_tab(request: Request) -> HTMLResponse:
    """One run's quarantine (default: the newest run), filtered by stage and reason."""
    site: links.Site = request.app.state.site
    try:
        st = q.parse_quarantine(request.query_params, site)
    except SearchUsageError as e:
        blank = q.QuarantineState(site.default_index, site.default_index)
        return HTMLResponse(q.render_quarantine(blank, None, str(e)), status_code=400)
    request.state.render_error = lambda message: q.render_quarantine(st, None, message)
    found = await request.app.state.search.run(read_runs, st.index, st.run, index=st.index)
    status, message = q.problem(st, found)
    return HTMLResponse(q.render_quarantine(st, found, message), status_code=status)


@router.get("/entities", response_class=HTMLResponse)
async def entities_tab(request: Request) -> HTMLResponse:
    """Suggested alias-table entries for the alias's entity facets."""
    site: links.Site = request.app.state.site
    try:
        index = chrome.alias_from(request.query_params, site)
    except SearchUsageError as e:
        html = render_entities(site.default_index, site.default_index, None, str(e))
        return HTMLResponse(html, status_code=400)
    request.state.render_error = lambda message: render_entities(
        index, site.default_index, None, message
    )
    found = await request.app.state.search.run(suggestions, index, index=index)
    return HTMLResponse(render_entities(index, site.default_index, found))
