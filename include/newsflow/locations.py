"""Where a run reads and writes when nobody says: the repo's folders, and how a location string becomes a
path. The one owner of the repo root and the default landing folder and lake; the DAG files, the UI plugin
and the embedded Airflow all ask here.

Standard library only, and Airflow imported inside ``location`` alone: DAG files import this module at
parse time (``tests/dags/`` checks that nothing heavier comes with it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LANDING_ENV, LAKE_ENV = "NEWSFLOW_LANDING", "NEWSFLOW_LAKE"
# The Asset news_ingest's publish emits (one event per published date, keyed by it) and analysts' DAGs
# schedule on: the DAG files build ``Asset(name=..., uri=...)`` from these two.
ARTICLES_ASSET_NAME, ARTICLES_ASSET_URI = "newsflow_articles", "newsflow://lake/articles"


def default_landing() -> str:
    """The landing folder of a run that names none: ``$NEWSFLOW_LANDING``, else the repo's ``seeds/``."""
    return os.environ.get(LANDING_ENV) or str(REPO / "seeds")


def default_lake() -> str:
    """The lake of a run that names none: ``$NEWSFLOW_LAKE``, else the repo's ``lake/``."""
    return os.environ.get(LAKE_ENV) or str(REPO / "lake")


def is_object_store(value: str) -> bool:
    return "://" in value and not value.startswith("file://")


def location(value: str, conn_id: str | None = None) -> Any:
    """A landing/lake location for code that runs inside Airflow (tasks, the UI plugin, ``newsflow run``):
    object-store URIs become an ``ObjectStoragePath`` bound to the Airflow connection ``conn_id``
    (credentials from Airflow; empty: the provider's defaults), anything else a local ``Path``
    (``storage.to_path``)."""
    if is_object_store(value):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(value, conn_id=conn_id or None)
    from newsflow.storage import to_path

    return to_path(value)
