"""The FastAPI routes of the newsflow_quality plugin (``plugins/newsflow_quality.py``), imported by the API
server on the first request only. They live in the package, not in ``plugins/``: the plugin loader imports
every file under ``plugins/``, and keeping it out of a folder there took an ``.airflowignore``, whose glob
syntax makes Airflow 3.3 print two DeprecationWarnings (pathspec's GitWildMatchPattern) at every start.

Thin wiring only: the pages come from ``newsflow.report`` (the same model and HTML as the lake's
``report.html``). Every route needs the API server's own authentication (``requires_access_dag``:
read access to the DAG's runs, from a JWT in the ``Authorization`` header or the UI's ``_token`` cookie).

- ``/newsflow/dags/{dag_id}/runs``: every run's verdict (a tab on the DAG page)
- ``/newsflow/dags/{dag_id}/runs/{run_id}/quality``: the run's quality page (a tab on the run page)
- ``/newsflow/dags/{dag_id}/runs/{run_id}/quality.json``: the same, as JSON
- ``/newsflow/dags/{dag_id}/runs/{run_id}/tasks/{task_id}``: a gate task's failed expectations and row counts
  (a tab on the task instance page, and the task's "Data quality" extra link)
- ``/newsflow/dags/{dag_id}/runs/{run_id}/docs/...``: the run's GX Data Docs
- ``/newsflow/dags/{dag_id}/runs/{run_id}/partitions/{dataset}``: the Parquet partition the run published
- ``/newsflow/dags/{dag_id}/health``: the lake health page (drift figures over the last dates; a tab on the
  DAG page), for the lake of the DAG's latest run

The lake is the run's ``lake`` param (a folder or an object-store URI, read with its ``conn_id`` param's
connection through ``newsflow.locations.location``, as the run's tasks did), else the default lake
(``newsflow.locations``); files are read through ``newsflow.storage``, whatever the store.
"""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
from airflow.api_fastapi.common.db.common import SessionDep
from airflow.api_fastapi.core_api.security import requires_access_dag
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse

if TYPE_CHECKING:
    from airflow.models.dagrun import DagRun
    from sqlalchemy.orm import Session

    from newsflow.lake.layout import RunPaths
    from newsflow.report import Links
    from newsflow.runrecords import Report
    from newsflow.storage import StorePath

PREFIX = "/newsflow"

app = FastAPI(title="newsflow data quality", docs_url=None, redoc_url=None, openapi_url=None)
_can_read_runs = [Depends(requires_access_dag("GET", DagAccessEntity.RUN))]


def _run_url(dag_id: str, run_id: str) -> str:
    return f"{PREFIX}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def _dag_run(session: Session, dag_id: str, run_id: str) -> DagRun:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    run: DagRun | None = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
    if run is None:
        raise HTTPException(404, f"no run {run_id!r} of {dag_id!r}")
    return run


def _lake(run: DagRun) -> StorePath:
    """The run's lake (its ``lake`` and ``conn_id`` params), else the default lake: a local ``Path`` or an
    ``ObjectStoragePath`` bound to the run's connection."""
    from newsflow.locations import default_lake, location

    conf = run.conf or {}
    return location(str(conf.get("lake") or default_lake()), conf.get("conn_id") or None)


def _paths(run: DagRun) -> RunPaths | None:
    """The run's lake paths (``RunPaths``), or None when it left no quality folder."""
    from newsflow.lake.layout import Lake

    return Lake(_lake(run)).find_run(run.run_id)


def _report(run: DagRun) -> Report | None:
    from newsflow.report import build_report

    paths = _paths(run)
    return build_report(paths) if paths else None


def _links(dag_id: str, run_id: str) -> Links:
    from newsflow.report import Links

    base = _run_url(dag_id, run_id)
    return Links(docs=lambda p: f"{base}/docs/{p.removeprefix('data_docs/')}",
                 partition=lambda dataset, _index: f"{base}/partitions/{dataset}",
                 run_marker=f"{base}/partitions/_run_marker",
                 report_json=f"{base}/quality.json",
                 back=("all runs of " + dag_id, f"{PREFIX}/dags/{quote(dag_id, safe='')}/runs"))


def _no_results(dag_id: str, run: DagRun) -> HTMLResponse:
    return HTMLResponse(
        "<!DOCTYPE html><meta charset=utf-8><body style='font-family:sans-serif'>"
        f"<p>Run <code>{_esc(run.run_id)}</code> of <code>{_esc(dag_id)}</code> has no newsflow quality results "
        f"in <code>{_esc(_shown(_lake(run)))}</code> (state: {_esc(str(run.state))}).</p></body>")


def _shown(path: StorePath) -> str:
    from newsflow.storage import display

    return display(path)


def _file(path: StorePath, media_type: str | None = None, filename: str | None = None) -> StreamingResponse:
    """A lake file as a response, streamed through the storage layer (local folder or object store)."""
    from newsflow.storage import iter_bytes

    headers = {"Content-Disposition": f'attachment; filename="{filename}"'} if filename else None
    return StreamingResponse(iter_bytes(path), headers=headers,
                             media_type=media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream")


def _esc(text: str) -> str:
    from html import escape

    return escape(text)


@app.get("/dags/{dag_id}/runs", response_class=HTMLResponse, dependencies=_can_read_runs)
def runs_page(dag_id: str, session: SessionDep, limit: int = 50) -> HTMLResponse:
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    from newsflow.report import build_report
    from newsflow.report.render import render_runs

    rows: list[dict[str, Any]] = []
    query = select(DagRun).where(DagRun.dag_id == dag_id).order_by(DagRun.run_after.desc()).limit(min(limit, 500))
    for run in session.scalars(query):
        paths = _paths(run)
        row: dict[str, Any] = {"run_id": run.run_id, "state": str(run.state), "date": None, "status": None,
                               "ingested": None, "articles": None, "quarantined": None, "gates": []}
        if paths:
            report = build_report(paths)
            row |= {"date": report["date"], "status": report["status"], "gates": report["gates"], **report["counts"]}
        rows.append(row)
    return HTMLResponse(render_runs(dag_id, rows, lambda run_id: f"{_run_url(dag_id, run_id)}/quality"))


@app.get("/dags/{dag_id}/runs/{run_id}/quality", response_class=HTMLResponse, dependencies=_can_read_runs)
def quality_page(dag_id: str, run_id: str, session: SessionDep) -> HTMLResponse:
    from newsflow.report import render_html

    run = _dag_run(session, dag_id, run_id)
    report = _report(run)
    if report is None:
        return _no_results(dag_id, run)
    return HTMLResponse(render_html(report, _links(dag_id, run_id)))


@app.get("/dags/{dag_id}/runs/{run_id}/quality.json", dependencies=_can_read_runs)
def quality_json(dag_id: str, run_id: str, session: SessionDep) -> JSONResponse:
    report = _report(_dag_run(session, dag_id, run_id))
    if report is None:
        raise HTTPException(404, "this run left no quality results")
    return JSONResponse(report)


@app.get("/dags/{dag_id}/runs/{run_id}/tasks/{task_id}", response_class=HTMLResponse, dependencies=_can_read_runs)
def task_page(dag_id: str, run_id: str, task_id: str, session: SessionDep, map_index: str = "-1") -> HTMLResponse:
    from newsflow.report import build_report
    from newsflow.report.render import render_task

    paths = _paths(_dag_run(session, dag_id, run_id))
    report = build_report(paths) if paths else None
    index = int(map_index) if map_index.lstrip("-").isdigit() else -1  # the UI leaves {MAP_INDEX} for unmapped tasks
    return HTMLResponse(render_task(paths, report, task_id, index, f"{_run_url(dag_id, run_id)}/quality",
                                    _links(dag_id, run_id)))


@app.get("/dags/{dag_id}/runs/{run_id}/docs/{path:path}", dependencies=_can_read_runs)
def data_docs(dag_id: str, run_id: str, path: str, session: SessionDep) -> StreamingResponse:
    from newsflow.storage import inside

    paths = _paths(_dag_run(session, dag_id, run_id))
    if paths is None:
        raise HTTPException(404, "this run left no Data Docs")
    target = inside(paths.data_docs_root(), path)
    if target is not None and target.is_dir():
        target = target / "index.html"
    if target is None or not target.is_file():
        raise HTTPException(404, "no such Data Docs file")
    return _file(target)


@app.get("/dags/{dag_id}/runs/{run_id}/partitions/{dataset}", dependencies=_can_read_runs)
def partition(dag_id: str, run_id: str, dataset: str, session: SessionDep) -> StreamingResponse:
    from newsflow.report import build_report

    paths = _paths(_dag_run(session, dag_id, run_id))
    report = build_report(paths) if paths else None
    if paths is None or report is None or report["status"] != "published":
        raise HTTPException(404, "this run has no published partition (failed, running or superseded)")
    if dataset in ("_run_marker", "_manifest"):  # "_manifest": its former name, in links already handed out
        return _file(paths.run_marker, media_type="application/json")
    files = report["partition_files"].get(dataset) or []  # lake-relative: joined to the lake, whatever the store
    if not files:
        raise HTTPException(404, f"no {dataset} partition")
    path = paths.lake.root / files[0]
    return _file(path, "application/vnd.apache.parquet", f"{dataset}_{report['date']}_{path.name}")


@app.get("/dags/{dag_id}/health", response_class=HTMLResponse, dependencies=_can_read_runs)
def health_page(dag_id: str, session: SessionDep) -> HTMLResponse:
    """The lake health page of the lake the DAG's latest run wrote (else the default lake); each date
    links to its run's quality page here."""
    from airflow.models.dagrun import DagRun
    from sqlalchemy import select

    from newsflow.lake.layout import Lake
    from newsflow.report.health import HealthLinks, build_health, render_health
    from newsflow.settings import load_settings

    runs = list(session.scalars(select(DagRun).where(DagRun.dag_id == dag_id)
                                .order_by(DagRun.run_after.desc()).limit(1000)))
    if runs:
        lake = _lake(runs[0])
    else:
        from newsflow.locations import default_lake, location

        lake = location(default_lake())
    known = {run.run_id for run in runs}  # dates published outside Airflow have no run page
    links = HealthLinks(report=lambda _day, run_id: f"{_run_url(dag_id, run_id)}/quality" if run_id in known else None,
                        back=("all runs of " + dag_id, f"{PREFIX}/dags/{quote(dag_id, safe='')}/runs"))
    return HTMLResponse(render_health(build_health(Lake(lake), load_settings()), links))
