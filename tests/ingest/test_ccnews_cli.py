"""`newsflow run --landing ccnews --date D` end to end (the real DAG through dag.test() on an embedded
Airflow), two dates one after the other as a backfill runs them: each date reads its month's listing and
its own archives only, and publishes them under its own partition."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import lakes
import pytest
from ccnews_tree import LAYOUT, serve, write_tree
from paths import SHARED
from warcs import dev_pages

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks")]
NEWSFLOW = Path(sys.executable).parent / "newsflow"


def test_two_dates_take_their_own_archives(tmp_path):
    root = tmp_path / "tree"
    archives = write_tree(root, dev_pages(sum(row[3] for row in LAYOUT)))
    lake, home = tmp_path / "lake", tmp_path / "airflow-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")} | {"AIRFLOW_HOME": str(home)}
    allow = tmp_path / "allow.txt"
    allow.write_text("# every site of the tree but AP\nbbc.co.uk\nnotbbc.co.uk\nreuters.com\n")
    with serve(root) as server:
        seen = {}
        for day in ("2024-04-30", "2024-05-01"):
            before = len(server.requests)
            done = subprocess.run([str(NEWSFLOW), "run", "--landing", "ccnews", "--ccnews-base", server.base,
                                   "--lake", str(lake), "--date", day, "--hosts-allow", f"@{allow}", "--json"],
                                  env=env, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stdout + done.stderr
            seen[day] = (json.loads(done.stdout[done.stdout.index("{"):]),
                         {path for path, _ in server.requests[before:]})
    for day, (summary, requested) in seen.items():
        month = f"crawl-data/CC-NEWS/{day[:4]}/{day[5:7]}/"
        mine = sorted(r for r, a in archives.items() if a.day == day and r.startswith(month))
        assert requested == {month + "warc.paths.gz", *mine}
        urls = sorted(u for r in mine for u in archives[r].urls if "apnews.com" not in u)
        articles = lakes.read(lake, "articles", day).to_pylist()
        assert sorted(a["url"] for a in articles) == urls
        assert summary["ccnews"]["archives_read"] == len(mine)
        assert summary["ccnews"]["filtered"]["host_not_allowed"] == sum("apnews.com" in u for r in mine
                                                                         for u in archives[r].urls)
