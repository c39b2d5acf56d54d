"""An embedded Airflow for one machine: project-local AIRFLOW_HOME, SQLite
metadata DB, and the real ``news_ingest`` DAG run through ``dag.test()``.

``newsflow run`` is one process that imports Airflow, GX and the pipeline, runs nine tasks and exits:
on 1,000 pages its start-up cost as much as the pages (docs/performance.md, "Airflow's overhead"). So the
start-up is done once, up front (``warm_up``), with the garbage collector paused while it builds its
millions of long-lived objects and then frozen out of its way (``_startup``)."""

from __future__ import annotations

import gc
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from newsflow.locations import REPO

DAG_ID = "news_ingest"


def configure(airflow_home: Path | None = None) -> Path:
    """Point Airflow at a project-local home and this repo's dags/ before it is imported."""
    home = Path(airflow_home or os.environ.get("AIRFLOW_HOME") or REPO / ".airflow").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(home)
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
    os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(REPO / "plugins"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "False")
    os.environ.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{home / 'airflow.db'}")
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    return home


def migrate_if_needed(home: Path) -> None:
    marker = home / ".newsflow-db-migrated"
    from airflow import __version__

    if marker.exists() and marker.read_text() == __version__:
        return
    from airflow.utils import db

    db.initdb()
    marker.write_text(__version__)


@contextmanager
def _startup() -> Iterator[None]:
    """Imports build objects that live as long as the process and are never garbage: each full collection
    the allocations trigger walks all of them again (2.3 s of 10 in a 3-page run, profiled). Paused while
    starting up, then frozen (``gc.freeze``: collections skip them), collecting as usual from then on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _sdk_versions_only(bundle: Any) -> Any:
    """``bundle`` (the Execution API's versions) cut to what an in-process client needs: the version this
    Task SDK speaks when it is the newest, which is served by the head routes unchanged. The full bundle
    makes the API build and migrate every route for nine older versions on its first request (1.4 s here)
    for clients that cannot exist in this process. The routes only older versions have are dropped before
    the build (``_drop_older_only_routes``): Cadwyn would otherwise want them restored in some older
    version, and each version it builds migrates every route once more (0.5 CPU s for the two that
    restoring took). Returns None (keep the full bundle) when the SDK speaks an older version, or the head
    version changes something (the head routes would then not be the newest version's)."""
    from airflow.sdk.api.datamodels._generated import API_VERSION
    from cadwyn import HeadVersion, Version, VersionBundle

    latest, *older = bundle.versions
    if str(latest.value) != API_VERSION or len(older) < 2 or bundle.head_version.changes:
        return None
    return VersionBundle(HeadVersion(), Version(latest.value))


def _drop_older_only_routes(app: Any) -> None:
    """The head routes marked as existing in older versions only (``only_exists_in_older_versions``) taken
    out of ``app`` before its versioned routers are generated: the newest version never serves them."""
    from cadwyn.route_generation import _DELETED_ROUTE_TAG
    from fastapi.routing import APIRoute

    router = app._latest_version_router
    router.routes = [route for route in router.routes
                     if not (isinstance(route, APIRoute) and _DELETED_ROUTE_TAG in route.tags)]


def execution_api() -> Any:
    """The in-process Execution API that ``dag.test()`` runs every task against (task states, XCom, asset
    events go through it into the metadata DB), built now, serving the Task SDK's API version only; with
    every version, as Airflow builds it, if the cut bundle does not build (another Airflow or Cadwyn)."""
    from airflow.api_fastapi.execution_api import versions
    from airflow.sdk.execution_time.supervisor import in_process_api_server
    from cadwyn.exceptions import CadwynError

    full = versions.bundle
    try:
        cut = _sdk_versions_only(full)
        if cut is not None:
            return _build_execution_api(versions, cut)
    except CadwynError:
        in_process_api_server.cache_clear()
    return _build_execution_api(versions, full)


def _build_execution_api(versions: Any, bundle: Any) -> Any:
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    full = versions.bundle
    try:
        versions.bundle = bundle  # what create_task_execution_api_app reads
        api = in_process_api_server()  # cached: dag.test's tasks get this one
        app = api.app
    finally:
        versions.bundle = full
    if not app._cadwyn_initialized:  # a second run in this process reuses the first one's
        if bundle is not full:
            _drop_older_only_routes(app)
        app._cadwyn_initialize()  # the routes per version, what its first request would build
    api.transport  # noqa: B018  (starts its event loop and lifespan)
    return api


def warm_up() -> None:
    """Everything the run's tasks would import or build on first use, done before ``dag.test()``: the
    pipeline's modules and models, GX, and the in-process Execution API."""
    from newsflow.runtime.preload import load_pipeline

    load_pipeline()
    execution_api()


def load_dag() -> Any:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"]) / "news_ingest.py"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.dags[DAG_ID]


def run_dag(landing: str, lake: str, day: date, max_quarantine_ratio: float | None = None,
            conn_id: str | None = None, batch_size: int | None = None,
            params: dict[str, Any] | None = None) -> tuple[str, str, list[str]]:
    """Run the DAG once for ``day``; return (run_id, final state, ids of tasks that did not succeed).
    ``params``: more DAG params (``alert_conn_id``, ...); None values are left at the DAG's defaults."""
    with _startup():
        home = configure()
        migrate_if_needed(home)
        dag = load_dag()
        warm_up()
    conf: dict[str, Any] = {"landing": str(landing), "lake": str(lake), "conn_id": conn_id or ""}
    if max_quarantine_ratio is not None:
        conf["max_quarantine_ratio"] = max_quarantine_ratio
    if batch_size is not None:
        conf["batch_size"] = batch_size
    conf.update({k: v for k, v in (params or {}).items() if v is not None})
    logical = datetime(day.year, day.month, day.day, tzinfo=UTC)
    from newsflow.runtime.lineage import stop_listeners
    from newsflow.runtime.partitions import keyed_test_run

    with keyed_test_run(day):  # the run carries its date as partition key, as scheduled and backfilled ones do
        dag_run = dag.test(logical_date=logical, run_conf=conf)
    stop_listeners(dag)  # as an Airflow component does (the OpenLineage listener sends its last events)
    unfinished = sorted(f"{ti.task_id}={ti.state}" for ti in dag_run.get_task_instances() if str(ti.state) != "success")
    return dag_run.run_id, str(dag_run.state), unfinished
