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


