"""Airflow 3 plugin: faceted news search inside the Airflow UI, and links to Kibana Discover.

- ``/news-search/`` on the API server: a search page over the index (``news_search.web``),
  shown in the UI under *News search* and, per DAG run, as *News documents* of that run.
- *Kibana Discover*: opens the saved search "News" (``KIBANA_URL``, default localhost:5601).

Airflow imports this file in every component, so it stays light: the FastAPI app, the
Elasticsearch client and ``etl.search`` are imported on the first request, not here. Settings
(with their environment overrides) are parsed once, here, and handed to the app.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from airflow.plugins_manager import AirflowPlugin

from etl.settings import Settings, get_settings

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # Airflow adds the plugins folder too; this keeps tests independent
    sys.path.append(_HERE)

from news_search import links  # noqa: E402  (no Elasticsearch, no FastAPI)

URL_PREFIX = "/news-search"
SETTINGS = get_settings()
SITE = links.Site.from_settings(SETTINGS)


class LazySearchApp:
    """ASGI app that builds the search app on its first request (keeps plugin import cheap)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            from news_search.web import create_app

            self._app = create_app(self._settings)
        await self._app(scope, receive, send)

    def __repr__(self) -> str:
        return "news_search.web:create_app"


class NewsSearchPlugin(AirflowPlugin):
    """Registers the search app, its menu entries and the Kibana link."""

    name = "news_search"
    fastapi_apps = [  # noqa: RUF012  (Airflow's plugin interface uses class attributes)
        {"app": LazySearchApp(SETTINGS), "url_prefix": URL_PREFIX, "name": "News search"}
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "News search",
            "href": f"{URL_PREFIX}/",
            "url_route": "news-search",
            "destination": "nav",
            "category": "browse",
        },
        {
            # No url_route: the UI opens it as an external link in a new tab.
            "name": "Kibana Discover",
            "href": links.discover_url(SITE.kibana_url, SITE.default_index),
            "destination": "nav",
            "category": "browse",
        },
        {
            "name": "News documents",
            "href": URL_PREFIX + "/?dag={DAG_ID}&run={RUN_ID}",
            "url_route": "news-run-documents",
            "destination": "dag_run",
        },
    ]
