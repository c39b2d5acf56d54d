"""A backfill of two CC-NEWS dates through the real scheduler (the Celery stack of scripts/stack.py: its own
PostgreSQL database, Redis, scheduler, dag-processor, a worker), with ``landing=ccnews`` in the backfill's
run conf: each date's run reads its month's listing and its own archives from a loopback HTTP tree, and
publishes them under its own partition."""

from __future__ import annotations

import importlib.util
import sys
import time

import lakes
import pytest
from ccnews_tree import LAYOUT, serve, write_tree
from paths import REPO, SHARED
from warcs import dev_pages

DATES = ("2024-04-30", "2024-05-01")


def _load_stack():
    spec = importlib.util.spec_from_file_location("newsflow_stack_script", REPO / "scripts" / "stack.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


stack_script = _load_stack()


@pytest.mark.slow(minutes=1.5)
@pytest.mark.timeout(900)
@pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks")
def test_a_backfill_of_two_dates_takes_each_dates_archives(tmp_path):
    reason = stack_script.services_unavailable()
    if reason:
        pytest.skip(f"the Celery stack needs PostgreSQL and Redis on this machine: {reason}")
    root = tmp_path / "tree"
    archives = write_tree(root, dev_pages(sum(row[3] for row in LAYOUT)))
    lake = tmp_path / "lake"
    stack = stack_script.Stack(workers=1, concurrency=1, landing=tmp_path / "default-landing", lake=lake)
    with serve(root) as server:
        try:
            stack.start(timeout=240)
            backfill = stack._request("POST", "/api/v2/backfills", {
                "dag_id": stack_script.DAG_ID, "from_date": f"{DATES[0]}T00:00:00Z",
                "to_date": f"{DATES[1]}T00:00:00Z", "max_active_runs": 1, "reprocess_behavior": "none",
                "dag_run_conf": {"landing": "ccnews", "ccnews_base": server.base, "lake": str(lake)}})
            stack._request("PATCH", f"/api/v2/dags/{stack_script.DAG_ID}", {"is_paused": False})
            deadline = time.monotonic() + 600
            while True:
                runs = [r for r in stack.dag_runs() if r["run_type"] == "backfill"]
                if len(runs) == 2 and all(r["state"] in stack_script.TERMINAL for r in runs):
                    break
                assert time.monotonic() < deadline, f"backfill {backfill['id']} not done: {runs}"
                time.sleep(3)
            assert [r["state"] for r in runs] == ["success", "success"], f"logs in {stack.home}"
            requests = [path for path, _ in server.requests]
        finally:
            stack.stop()
    for day in DATES:
        month = f"crawl-data/CC-NEWS/{day[:4]}/{day[5:7]}/"
        mine = sorted(r for r, a in archives.items() if a.day == day and r.startswith(month))
        articles = lakes.read(lake, "articles", day).to_pylist()
        assert sorted(a["url"] for a in articles) == sorted(u for r in mine for u in archives[r].urls)
        assert {a["warc_filename"] for a in articles} == set(mine)
    others = {r for r, a in archives.items() if a.day not in DATES or not r.startswith(
        f"crawl-data/CC-NEWS/{a.day[:4]}/{a.day[5:7]}/")}
    assert not others & set(requests)  # no archive of another date (nor the stray one) was read
