"""The production topology for real: Airflow on its own PostgreSQL database, CeleryExecutor on Redis,
api-server + scheduler + dag-processor + triggerer + two Celery workers, each in its own process group
(scripts/stack.py). Triggers news_ingest through the authenticated REST API on a landing folder big enough
for several mapped batches, checks the published partition, that both workers ran tasks, and that stopping
leaves no process, no database and no Redis data behind."""

from __future__ import annotations

import importlib.util
import sys

import lakes
import pytest
from paths import REPO, SHARED
from warcs import crawl, dev_pages

GENERATED = 17  # + the 3 seeds = 20 files
BATCH_SIZE = 5  # -> 4 batches


def _load_stack():
    spec = importlib.util.spec_from_file_location("newsflow_stack_script", REPO / "scripts" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


stack_script = _load_stack()


@pytest.mark.slow(minutes=1.3)
@pytest.mark.timeout(600)
def test_news_ingest_on_celery_stack_spreads_batches_over_two_workers(tmp_path):
    reason = stack_script.services_unavailable()
    if reason:
        pytest.skip(f"the Celery stack needs PostgreSQL and Redis on this machine: {reason} "
                    "(start them: see scripts/stack.py)")
    landing = stack_script.build_landing(tmp_path / "landing", GENERATED)
    lake = tmp_path / "lake"
    files = sorted(p.name for p in landing.iterdir())
    assert len(files) == 20

    stack = stack_script.Stack(workers=2, concurrency=1, landing=landing, lake=lake)
    redis_db = None
    try:
        stack.start(timeout=240)
        redis_db = stack.redis_db
        groups = {s.name: s.pgid for s in stack.services}
        assert len(set(groups.values())) == 6, "each service leads its own process group"
        assert all(s.proc.pid == stack_script._pgid(s.proc.pid) for s in stack.services)

        result = stack.run_dag(landing, lake, BATCH_SIZE, timeout=420)
        failed = [f"{t['task_id']}[{t['map_index']}]={t['state']}" for t in result.task_instances
                  if t["state"] != "success"]
        assert result.state == "success", f"run {result.run_id} {result.state}: {failed}; logs in {stack.home}"

        # One map index per batch, spread over both workers.
        batches = sorted(t["map_index"] for t in result.task_instances if t["task_id"] == "batch.ingest")
        assert batches == [0, 1, 2, 3]
        hosts = {t["hostname"] for t in result.task_instances}
        assert hosts == set(stack.worker_names), f"tasks per worker: {result.per_worker()}"

        # The partition: every file published except seed 001 (boilerplate + near duplicate of 000).
        day = result.partition
        articles = lakes.read(lake, "articles", day)
        quarantine = lakes.read(lake, "quarantine", day)
        (seed_001,) = [f for f in files if f.startswith("001_")]
        assert sorted(articles.column("source_path").to_pylist()) == [f for f in files if f != seed_001]
        assert quarantine.column("source_path").to_pylist() == [seed_001]
        assert (lake / "_state" / "published" / f"date={day}.json").is_file()
        runs = stack.dag_runs()
        assert [r["dag_run_id"] for r in runs] == [result.run_id], "unpausing must not add a scheduled run"

        # One WARC archive split by record offsets over both workers.
        if (SHARED / "benchmarks").is_dir():
            crawls, crawl_lake = tmp_path / "crawls", tmp_path / "crawl-lake"
            crawls.mkdir()
            expected = crawl(crawls / "crawl.warc.gz", dev_pages(12), truncate_last=False)
            stack.pause()
            archive_run = stack.run_dag(crawls, crawl_lake, 4, timeout=420, logical_date="2024-05-02T00:00:00+00:00")
            assert archive_run.state == "success", f"run {archive_run.run_id}; logs in {stack.home}"
            # The archive's parts are mapped batches (4 at least), and the batches' tasks ran on both workers.
            # Not every step of them on both: a task goes to whichever worker asks first, and once all four
            # short ingest tasks went to one worker.
            batch_tasks = [t for t in archive_run.task_instances if t["task_id"].startswith("batch.")]
            assert len([t for t in batch_tasks if t["task_id"] == "batch.ingest"]) >= 4
            assert {t["hostname"] for t in batch_tasks} == set(stack.worker_names), archive_run.per_worker()
            published = lakes.read(crawl_lake, "articles", archive_run.partition).column("url").to_pylist()
            assert sorted(published) == sorted(expected.articles)
    finally:
        survivors = stack.stop()

    assert survivors == [], f"processes of the stack survived the stop: {survivors}"
    assert stack.stack_pids() == []
    assert not stack.database_exists(), f"database {stack.db_name} not dropped"
    if redis_db is not None:
        claim = stack_script._redis(redis_db).get(stack_script.REDIS_CLAIM_KEY)
        assert claim != stack.stack_id.encode(), f"Redis db {redis_db} still claimed"
    assert not stack.home.exists()
