"""Partitions through the real scheduler: ``airflow backfill create`` over landing folders organised by date
(``landing/{date}``), with Airflow's own processes (api-server, scheduler with LocalExecutor, dag-processor)
on a throw-away AIRFLOW_HOME, as ``tests/ui`` starts them.

Unpausing ``news_ingest`` (backfill runs of a paused DAG do not start) also makes the scheduler create the
latest scheduled run at once, today's partition: the test gives it a landing folder too and checks that it,
like the backfilled ones, carries its date as the partition key. "Today" is the scheduler's, not the test's: a
run that starts before midnight UTC and ends after it meets two scheduled dates (the one the unpause made and
the next day's at 00:00), so both get a landing folder and the expected keys come from the runs made."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import article_html, story_paragraphs
from paths import REPO

pytestmark = pytest.mark.slow(minutes=1.3)
BIN = Path(sys.executable).parent
DAYS = ["2024-05-01", "2024-05-02", "2024-05-03"]
PAGES_PER_DAY = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _landing(root: Path, days: list[str]) -> Path:
    """``root/<day>/`` per day, each with its own distinct stories (no page is a copy of another day's)."""
    for i, day in enumerate(days):
        folder = root / day
        folder.mkdir(parents=True)
        for j in range(PAGES_PER_DAY):
            seed = 100 * i + j
            html = article_html(f"Story {seed} of {day}", story_paragraphs(seed, 8), published=f"{day}T08:00:00Z",
                                url=f"https://news.example.com/{day}/story-{seed}.html", furniture=False)
            (folder / f"story-{seed}.html").write_text(html, encoding="utf-8")
    return root


def _stop(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            continue


def _rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def _wait(what: str, check, timeout: float, procs: dict, home: Path):
    deadline = time.monotonic() + timeout
    while True:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited:\n{(home / f'{name}.log').read_text()[-3000:]}")
        try:
            found = check()
        except sqlite3.OperationalError:  # the DB is being migrated or written: ask again
            found = None
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; scheduler log:\n"
                                 + (home / "scheduler.log").read_text()[-3000:])
        time.sleep(3)


def test_a_backfill_publishes_each_date_once_and_the_consumer_runs_per_partition(tmp_path):
    started = datetime.now(UTC).date()
    # the dates a scheduled run can carry while this test runs (well under a day)
    scheduled_days = [started.isoformat(), (started + timedelta(days=1)).isoformat()]
    landing = _landing(tmp_path / "landing", [*DAYS, *scheduled_days])
    lake = tmp_path / "lake"
    home = tmp_path / "airflow"
    home.mkdir()
    db = home / "airflow.db"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "OPENLINEAGE"))}
    env.update({
        "AIRFLOW_HOME": str(home), "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{db}",
        # LocalExecutor whose workers load the pipeline before forking tasks (runtime/local_executor.py)
        "AIRFLOW__CORE__EXECUTOR": "newsflow.runtime.local_executor.PreloadingLocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2", "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}", "AIRFLOW__API_AUTH__JWT_SECRET": "backfill-test-secret",
        "AIRFLOW__API__SECRET_KEY": "backfill-test-key", "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "NEWSFLOW_LANDING": str(landing / "{date}"), "NEWSFLOW_LAKE": str(lake), "GX_ANALYTICS_ENABLED": "False",
    })

    def airflow(*args, check=True):
        done = subprocess.run([str(BIN / "airflow"), *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=600)
        assert not check or done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    airflow("db", "migrate")
    procs: dict[str, subprocess.Popen] = {}
    try:
        for name, argv in (("api-server", ["api-server", "--host", "127.0.0.1", "--port", str(port)]),
                           ("scheduler", ["scheduler"]), ("dag-processor", ["dag-processor"])):
            with open(home / f"{name}.log", "w") as log:
                procs[name] = subprocess.Popen([str(BIN / "airflow"), *argv], env=env, cwd=tmp_path, stdout=log,
                                               stderr=subprocess.STDOUT, start_new_session=True)
        _wait("both DAGs parsed", lambda: len(_rows(db, "SELECT dag_id FROM dag WHERE dag_id IN "
                                                       "('news_ingest', 'daily_source_stats')")) == 2, 600, procs, home)
        airflow("dags", "unpause", "daily_source_stats")
        conf = json.dumps({"landing": str(landing / "{date}"), "lake": str(lake), "batch_size": 10})
        airflow("backfill", "create", "--dag-id", "news_ingest", "--from-date", DAYS[0], "--to-date", DAYS[-1],
                "--dag-run-conf", conf, "--max-active-runs", "1")
        airflow("dags", "unpause", "news_ingest")

        def finished():
            runs = _rows(db, "SELECT dag_id, partition_key, state, run_type FROM dag_run")
            ingest = [r for r in runs if r[0] == "news_ingest"]
            stats = [r for r in runs if r[0] == "daily_source_stats"]
            done = all(r[2] in ("success", "failed") for r in runs)
            # the scheduler closes the backfill a loop after its last run ends; until then a second backfill
            # of the same DAG is refused (AlreadyRunningBackfill)
            closed = _rows(db, "SELECT COUNT(*) FROM backfill WHERE completed_at IS NULL") == [(0,)]
            backfilled = [r for r in ingest if r[3] == "backfill"]
            scheduled = [r for r in ingest if r[3] == "scheduled"]
            ready = done and closed and len(backfilled) == len(DAYS) and scheduled and len(stats) == len(ingest)
            return runs if ready else None

        # under pytest's own timeout (900 s), so a hang reports the scheduler's log rather than a bare timeout
        _wait("3 backfilled and the scheduled news_ingest runs, one daily_source_stats run each, the backfill "
              "closed", finished, 600, procs, home)
    finally:
        for proc in procs.values():
            _stop(proc)

    # read once the scheduler is stopped: nothing changes under the assertions
    runs = _rows(db, "SELECT dag_id, partition_key, state, run_type FROM dag_run")
    # the UTC dates the test lived through: the only keys a scheduled run may carry
    lived = [started.isoformat()] if datetime.now(UTC).date() == started else scheduled_days
    ingest = sorted((key, state, run_type) for dag, key, state, run_type in runs if dag == "news_ingest")
    backfilled = [run for run in ingest if run[2] == "backfill"]
    assert backfilled == [(day, "success", "backfill") for day in DAYS]
    scheduled = [run for run in ingest if run[2] == "scheduled"]
    # a second scheduled run only when midnight UTC fell inside the test; one the stop cut short proves nothing
    assert all(state != "failed" for _, state, _ in scheduled), scheduled
    cut_short = {key for key, state, _ in scheduled if state != "success"}
    published_days = [key for key, state, _ in scheduled if state == "success"]
    assert published_days and {key for key, _, _ in scheduled} <= set(lived), (scheduled, lived)
    assert len(ingest) == len(DAYS) + len(scheduled)
    days = sorted([*DAYS, *published_days])
    events = _rows(db, "SELECT e.partition_key, e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id "
                       "WHERE a.name = 'newsflow_articles' ORDER BY e.partition_key")
    assert [key for key, _ in events if key not in cut_short] == days  # each date published once, with its key
    assert all(json.loads(extra)["date"] == key and json.loads(extra)["articles"] == PAGES_PER_DAY
               for key, extra in events)
    stats = sorted((key, state) for dag, key, state, _ in runs if dag == "daily_source_stats" and key not in cut_short)
    assert stats == [(day, "success") for day in days]  # once per partition
    for day in days:
        assert (lake / "_state" / "published" / f"date={day}.json").exists()

    from newsflow.lake import tables
    from newsflow.lake.layout import Lake

    rows = tables.read(Lake(lake).table("source_stats")).to_pylist()
    kept = sorted((str(r["date"]), r["source"], r["articles"]) for r in rows if str(r["date"]) not in cut_short)
    assert kept == [(day, "news.example.com", PAGES_PER_DAY) for day in days]

    # the same range again (reprocess behaviour "none"): every date already has its run, none is created
    airflow("backfill", "create", "--dag-id", "news_ingest", "--from-date", DAYS[0], "--to-date", DAYS[-1],
            "--dag-run-conf", conf)
    assert len(_rows(db, "SELECT 1 FROM dag_run WHERE dag_id = 'news_ingest'")) == len(ingest)
    second = _rows(db, "SELECT b.exception_reason FROM backfill_dag_run b WHERE b.backfill_id = "
                       "(SELECT max(id) FROM backfill)")
    assert len(second) == len(DAYS) and all(reason for (reason,) in second)
