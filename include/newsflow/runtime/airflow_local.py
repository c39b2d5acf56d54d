"""An embedded Airflow for one machine: project-local AIRFLOW_HOME, SQLite
metadata DB, and the real ``news_ingest`` DAG run through ``dag.test()``."""

from __future__ import annotations

import logging
import os
import warnings
from datetime import date, datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
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


def location(value: str, conn_id: str | None = None):
    """A landing/lake location for Airflow code: object-store URIs become an ``ObjectStoragePath`` bound
    to the connection (credentials from Airflow), anything else a local ``Path``."""
    from newsflow.storage import to_path

    if "://" in value and not value.startswith("file://"):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(value, conn_id=conn_id or None)
    return to_path(value)


def migrate_if_needed(home: Path) -> None:
    marker = home / ".newsflow-db-migrated"
    from airflow import __version__

    if marker.exists() and marker.read_text() == __version__:
        return
    from airflow.utils import db

    db.initdb()
    marker.write_text(__version__)


def load_dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"]) / "news_ingest.py"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    return bag.dags[DAG_ID]


def run_dag(landing: str, lake: str, day: date, max_quarantine_ratio: float | None = None,
            conn_id: str | None = None, batch_size: int | None = None,
            params: dict | None = None) -> tuple[str, str, list[str]]:
    """Run the DAG once for ``day``; return (run_id, final state, ids of tasks that did not succeed).
    ``params``: more DAG params (``alert_conn_id``, ...); None values are left at the DAG's defaults."""
    home = configure()
    migrate_if_needed(home)
    dag = load_dag()
    conf = {"landing": str(landing), "lake": str(lake), "conn_id": conn_id or ""}
    if max_quarantine_ratio is not None:
        conf["max_quarantine_ratio"] = max_quarantine_ratio
    if batch_size is not None:
        conf["batch_size"] = batch_size
    conf.update({k: v for k, v in (params or {}).items() if v is not None})
    logical = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    dag_run = dag.test(logical_date=logical, run_conf=conf)
    unfinished = sorted(f"{ti.task_id}={ti.state}" for ti in dag_run.get_task_instances() if str(ti.state) != "success")
    return dag_run.run_id, str(dag_run.state), unfinished
