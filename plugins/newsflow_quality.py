"""newsflow's data quality in the Airflow UI (Airflow 3 plugin).

- a FastAPI app mounted in the API server at ``/newsflow`` (routes: ``newsflow.ui.routes``; pages from
  ``newsflow.report``, the same model and HTML as the lake's ``report.html``), behind the API server's
  own authentication;
- external views: on the DAG page a "Data quality" tab (every run's verdict) and a "Lake health" tab (the
  drift figures over the last dates, ``newsflow.report.health``); a "Data quality" tab on the DAG run page
  (the run's quality page) and on the task instance page (a gate's failed expectations and row counts);
- a "Data quality" extra link on every task of ``news_ingest`` (``NEWSFLOW_QUALITY_DAGS``).

Every Airflow process imports plugin files (task processes too, for macros), so this file stays light:
the web app and its imports (the API server's security, pyarrow, jinja2) load on the first request.
The routes live in the package (``newsflow.ui``), so the plugin loader, which imports every file here,
never loads them.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar
from urllib.parse import quote

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

PREFIX = "/newsflow"
QUALITY_DAGS = {d.strip() for d in os.environ.get("NEWSFLOW_QUALITY_DAGS", "news_ingest").split(",") if d.strip()}


class LazyApp:
    """An ASGI app that imports the real one (``newsflow.ui.routes.app``) when the first request arrives."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            from newsflow.ui.routes import app

            self._app = app
        await self._app(scope, receive, send)


class QualityLink(BaseOperatorLink):
    """Each newsflow task's button: the gate's failed expectations and row counts, or the step's counts."""

    name = "Data quality"

    def get_link(self, operator, *, ti_key) -> str:
        if ti_key.dag_id not in QUALITY_DAGS:
            return ""
        url = (f"{PREFIX}/dags/{quote(ti_key.dag_id, safe='')}/runs/{quote(ti_key.run_id, safe='')}"
               f"/tasks/{quote(ti_key.task_id, safe='')}")
        return url + (f"?map_index={ti_key.map_index}" if ti_key.map_index >= 0 else "")


class NewsflowQualityPlugin(AirflowPlugin):
    name = "newsflow_quality"
    fastapi_apps: ClassVar[list[dict[str, Any]]] = [
        {"app": LazyApp(), "url_prefix": PREFIX, "name": "newsflow data quality"}]
    external_views: ClassVar[list[dict[str, str]]] = [
        {"name": "Data quality", "href": PREFIX + "/dags/{DAG_ID}/runs", "destination": "dag",
         "url_route": "newsflow-dag-quality"},
        {"name": "Lake health", "href": PREFIX + "/dags/{DAG_ID}/health", "destination": "dag",
         "url_route": "newsflow-lake-health"},
        {"name": "Data quality", "href": PREFIX + "/dags/{DAG_ID}/runs/{RUN_ID}/quality", "destination": "dag_run",
         "url_route": "newsflow-run-quality"},
        {"name": "Data quality", "href": PREFIX + "/dags/{DAG_ID}/runs/{RUN_ID}/tasks/{TASK_ID}?map_index={MAP_INDEX}",
         "destination": "task_instance", "url_route": "newsflow-task-quality"},
    ]
    global_operator_extra_links: ClassVar[list[Any]] = [QualityLink()]
