"""Shared fixtures. Airflow reads AIRFLOW_HOME at import: point it at a
throw-away folder before any test imports Airflow."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from paths import REPO, SEEDS

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="newsflow-airflow-home-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
os.environ["GX_ANALYTICS_ENABLED"] = "False"


def pytest_collection_modifyitems(config, items):
    """Longest first: the slow tests, the longest of them (``slow(minutes=N)``) at the head, then the rest in
    their collection order. With xdist's ``load`` scheduling (round robin, then one test at a time to the
    worker that frees up) the multi-minute tests start at once on both cores and the short ones fill in
    around them, instead of a long test starting last and running alone. The order is the same on every
    worker (a stable sort of the same collection), which xdist requires."""

    def weight(item) -> float:
        slow = item.get_closest_marker("slow")
        return 0.0 if slow is None else float(slow.kwargs.get("minutes", 0.5))

    items.sort(key=weight, reverse=True)


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds() -> Path:
    return SEEDS


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """A fresh landing folder holding copies of the three seeds."""
    folder = tmp_path / "landing"
    shutil.copytree(SEEDS, folder)
    return folder


