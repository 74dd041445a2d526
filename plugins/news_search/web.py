"""The faceted search app the plugin mounts on the Airflow API server.

Same query code as ``python -m etl search`` (:mod:`etl.search`); HTML from
:mod:`news_search.page`. Only signed-in Airflow users get results.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar
from urllib.parse import urlencode

from elasticsearch import ApiError, NotFoundError, TransportError
from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from etl import search as s
from etl.naming import safe_run_id
from news_search import curation_routes, links
from news_search.page import PAGE_SIZE, PageState, parse_state, render_page

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

    from etl.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class NotSignedIn(Exception):
    """The request carries no valid Airflow session."""


class PageError(Exception):
    """A search the page answers with a message and an HTTP status instead of results."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
        filters.setdefault("run_id", []).append(safe_run_id(st.run))
    return s.search(
        es,
        st.index,
        st.q,
        filters=filters,
        since=st.since or None,
        until=st.until or None,
        size=PAGE_SIZE,
        from_=(st.page - 1) * PAGE_SIZE,
        collapse=st.collapse,
    )


def es_client(settings: Settings) -> Elasticsearch:
    """``ES_URL`` when set (local runs), else the Airflow Connection the DAG uses."""
    from etl.es import client, client_from_connection

    if settings.env.es_url:
        return client(settings, fail_fast=True)
    return client_from_connection(settings)


def page_error(exc: Exception, index: str) -> PageError:
    """What the page says when a search fails: status and one line, no traceback."""
    if isinstance(exc, s.SearchUsageError):
        return PageError(400, str(exc))
    if isinstance(exc, NotFoundError):
        return PageError(404, f"Index {index!r} not found: has the news_etl DAG run yet?")
    if isinstance(exc, ApiError):
        log.warning("news search refused: %s", exc)
        return PageError(502, f"Elasticsearch refused the search: {s.refusal(exc)}")
    if isinstance(exc, TransportError):
        log.warning("news search failed: %s", exc)
        return PageError(503, "Elasticsearch is not reachable right now; try again shortly.")
    # e.g. no elasticsearch_default Connection: a page, not a traceback
    log.error("news search failed", exc_info=exc)
    return PageError(503, "No Elasticsearch: set ES_URL or the elasticsearch_default Connection.")


class Searcher:
    """Runs searches off the event loop with one client, built on the first search."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._es: Elasticsearch | None = None

    def _client(self) -> Elasticsearch:
        if self._es is None:  # the Connection lookup may touch the metadata DB: off the loop
            self._es = es_client(self.settings)
        return self._es

    async def run(self, read: Callable[..., T], *args: Any, index: str) -> T:
        """``read(es, *args)`` off the event loop, or a PageError saying why it failed."""
        try:
            return await run_in_threadpool(lambda: read(self._client(), *args))
        except Exception as e:
            raise page_error(e, index) from e

    async def __call__(self, st: PageState) -> s.SearchResult:
        """The results for ``st``, or a PageError saying why there are none."""
        return await self.run(run_search, st, index=st.index)


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


async def require_session(request: Request) -> None:
    """Dependency: only signed-in Airflow users get past it."""
    if not await _signed_in(request):
        raise NotSignedIn


async def page_state(request: Request, _: Annotated[None, Depends(require_session)]) -> PageState:
    """Dependency: the validated page state (a run's link searches the alias it wrote)."""
    site: links.Site = request.app.state.site
    query = request.query_params
    run_index = None
    if query.get("run") and query.get("dag") and not query.get("index"):
        try:
            run_index = await run_in_threadpool(index_of_run, query["dag"], query["run"])
        except Exception as e:  # metadata DB trouble: fall back to the default alias
            log.warning("news search: no index for run %s: %s", query["run"], e)
    try:
        request.state.page = parse_state(query, site, run_index)
    except s.SearchUsageError as e:
        raise PageError(400, str(e)) from e
    return request.state.page


State = Annotated[PageState, Depends(page_state)]


def _wants_json(request: Request) -> bool:
    return request.url.path.rstrip("/").endswith("/api/search")


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI app the plugin mounts (built on the first request, not at plugin import)."""
    site = links.Site.from_settings(settings)
    search = Searcher(settings)
    app = FastAPI(title="News search", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.site = site
    app.state.search = search  # the curation tabs read Elasticsearch through it too

    @app.exception_handler(NotSignedIn)
    async def sign_in(request: Request, _: Exception) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Not authenticated"}, status_code=401)
        target = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/api/v2/auth/login?" + urlencode({"next": target}), 303)

    @app.exception_handler(PageError)
    async def failed(request: Request, exc: PageError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.message}, status_code=exc.status)
        if render := getattr(request.state, "render_error", None):  # a curation tab's
            return HTMLResponse(render(exc.message), status_code=exc.status)
        st = getattr(request.state, "page", None) or PageState(
            index=site.default_index, default_index=site.default_index
        )
        html = render_page(st, None, exc.message, kibana_url=site.kibana_url)
        return HTMLResponse(html, status_code=exc.status)

    @app.get("/", response_class=HTMLResponse)
    async def page(st: State) -> HTMLResponse:
        return HTMLResponse(render_page(st, await search(st), kibana_url=site.kibana_url))

    @app.get("/api/search")
    async def api_search(st: State) -> JSONResponse:
        return JSONResponse((await search(st)).as_dict())

    app.include_router(curation_routes.router, dependencies=[Depends(require_session)])

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
