"""The faceted search app the plugin mounts on the Airflow API server.

Same query code as ``python -m etl search`` (:mod:`etl.search`); HTML from
:mod:`news_search.page`. Only signed-in Airflow users get results.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from elasticsearch import ApiError, NotFoundError, TransportError
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from etl import search as s
from news_search import links
from news_search.page import PAGE_SIZE, PageState, parse_state, render_page

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)


def index_of_run(dag_id: str, run_id: str) -> str | None:
    """The ``index`` param a DAG run was triggered with (None for defaults or unknown runs)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        conf = session.scalar(
            select(DagRun.conf).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        )
    value = (conf or {}).get("index")
    return value if isinstance(value, str) and value else None


def run_search(es: Elasticsearch, st: PageState) -> s.SearchResult:
    """The page's search: state -> :func:`etl.search.search`."""
    filters = {k: list(v) for k, v in st.filters.items()}
    if st.run:
        filters.setdefault("run_id", []).append(links.safe_run_id(st.run))
    return s.search(
        es,
        st.index,
        st.q,
        filters=filters,
        since=st.since or None,
        until=st.until or None,
        size=PAGE_SIZE,
        from_=(st.page - 1) * PAGE_SIZE,
    )


def es_client() -> Elasticsearch:
    """``ES_URL`` when set (local runs), else the Airflow Connection the DAG uses."""
    from etl.es import client, client_from_connection
    from etl.settings import get_settings

    settings = get_settings()
    if settings.env.es_url:
        return client(settings, fail_fast=True)
    return client_from_connection(settings)


async def _signed_in(request: Request) -> bool:
    """True when the request carries a valid Airflow UI session (JWT cookie or bearer token)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.base_auth_manager import COOKIE_NAME_JWT_TOKEN

    auth = request.headers.get("authorization", "")
    token = (
        auth[7:]
        if auth.lower().startswith("bearer ")
        else request.cookies.get(COOKIE_NAME_JWT_TOKEN)
    )
    if not token:
        return False
    try:
        await get_auth_manager().get_user_from_token(token)
    except Exception:  # expired or forged: same as no session
        return False
    return True


def create_app() -> FastAPI:
    """The FastAPI app the plugin mounts (built on the first request, not at plugin import)."""
    app = FastAPI(title="News search", docs_url=None, redoc_url=None, openapi_url=None)
    state: dict[str, Elasticsearch] = {}

    def search_sync(st: PageState) -> s.SearchResult:
        if "es" not in state:  # the Connection lookup may touch the metadata DB: off the loop
            state["es"] = es_client()
        return run_search(state["es"], st)

    async def answer(request: Request, as_json: bool) -> Any:
        if not await _signed_in(request):
            if as_json:
                return JSONResponse({"detail": "Not authenticated"}, status_code=401)
            target = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/api/v2/auth/login?" + urlencode({"next": target}), 303)
        query = request.query_params
        run_index = None
        if query.get("run") and query.get("dag") and not query.get("index"):
            try:  # "News documents" of a run: the alias that run wrote to
                run_index = await run_in_threadpool(index_of_run, query["dag"], query["run"])
            except Exception as e:  # metadata DB trouble: fall back to the default alias
                log.warning("news search: no index for run %s: %s", query["run"], e)
        try:
            st = parse_state(query, run_index)
        except s.SearchUsageError as e:
            st = PageState(index=links.default_index())
            if as_json:
                return JSONResponse({"detail": str(e)}, status_code=400)
            return HTMLResponse(render_page(st, None, str(e)), status_code=400)
        try:
            result = await run_in_threadpool(search_sync, st)
        except s.SearchUsageError as e:
            status, msg = 400, str(e)
        except NotFoundError:
            status, msg = 404, f"Index {st.index!r} not found: has the news_etl DAG run yet?"
        except ApiError as e:
            log.warning("news search refused: %s", e)
            status, msg = 502, f"Elasticsearch refused the search: {e.message}"
        except TransportError as e:
            log.warning("news search failed: %s", e)
            status, msg = 503, "Elasticsearch is not reachable right now; try again shortly."
        except Exception:  # e.g. no elasticsearch_default Connection: a page, not a traceback
            log.exception("news search failed")
            status, msg = (
                503,
                "No Elasticsearch: set ES_URL or the elasticsearch_default Connection.",
            )
        else:
            if as_json:
                return JSONResponse(result.as_dict())
            return HTMLResponse(render_page(st, result))
        if as_json:
            return JSONResponse({"detail": msg}, status_code=status)
        return HTMLResponse(render_page(st, None, msg), status_code=status)

    @app.get("/", response_class=HTMLResponse)
    async def page(request: Request) -> Any:
        return await answer(request, as_json=False)

    @app.get("/api/search")
    async def api_search(request: Request) -> Any:
        return await answer(request, as_json=True)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
