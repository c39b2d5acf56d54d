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


def _minutes(item) -> float:
    slow = item.get_closest_marker("slow")
    return 0.0 if slow is None else float(slow.kwargs.get("minutes", 0.5))


def pytest_collection_modifyitems(config, items):
    """Order the collection so the workers share the long tests, each starting its share at once.

    xdist's work stealing hands each of the n workers one contiguous chunk of the collection (the first
    len // n items, and so on), and an idle worker later steals from the end of another's queue. So the slow
    tests are dealt into n chunks longest first, each to the chunk with the fewest minutes so far (``slow(
    minutes=N)``; other slow tests count half a minute), at each chunk's head; the quick tests fill the chunks
    to the sizes xdist cuts, and are what gets stolen at the end. Without xdist: longest first. The order is
    the same on every worker (it depends only on the collection and the worker count), as xdist requires."""
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    slow = sorted((item for item in items if _minutes(item)), key=_minutes, reverse=True)
    quick = [item for item in items if not _minutes(item)]
    chunks: list[list] = [[] for _ in range(workers)]
    load = [0.0] * workers
    for item in slow:
        lightest = load.index(min(load))
        chunks[lightest].append(item)
        load[lightest] += _minutes(item)
    remaining = len(items)
    ordered: list = []
    for index, chunk in enumerate(chunks):  # xdist's cut: each worker gets remaining // workers left
        size = max(remaining // (workers - index), len(chunk))
        fill = size - len(chunk)
        chunk += quick[:fill]
        del quick[:fill]
        remaining -= len(chunk)
        ordered += chunk
    items[:] = ordered + quick


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


