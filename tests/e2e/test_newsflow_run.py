"""`newsflow run` end to end: the real news_ingest DAG through dag.test() on an
embedded Airflow (its own AIRFLOW_HOME and SQLite DB), as a user runs it."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import lakes
import pytest
from helpers import seed_text

from newsflow.text.tokens import normalize_text

pytestmark = pytest.mark.slow
NEWSFLOW = Path(sys.executable).parent / "newsflow"
DAY = "2024-05-01"


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory):
    return tmp_path_factory.mktemp("airflow-home")


def newsflow_run(airflow_home, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env["AIRFLOW_HOME"] = str(airflow_home)
    return subprocess.run([str(NEWSFLOW), "run", *map(str, args)], env=env, capture_output=True, text=True, timeout=600)


def test_seeds_through_the_dag_then_rerun_same_date(airflow_home, landing, tmp_path):
    lake = tmp_path / "lake"
    first = newsflow_run(airflow_home, "--landing", landing, "--lake", lake, "--date", DAY)
    assert first.returncode == 0, first.stdout + first.stderr
    # nothing before the summary: no warning from Airflow, GX or their dependencies (make run's first screen)
    assert first.stderr == "" and first.stdout.startswith("newsflow: run "), first.stderr[:2000]
    assert "ingested 3, published 2, quarantined 1" in first.stdout
    assert "dedup.near_duplicate" in first.stdout and "gate_normalised.boilerplate_phrase" in first.stdout
    assert f"articles: {lake}/articles/date={DAY}/part-00000-" in first.stdout
    assert ("Delta table versions written: articles v1, lsh_bands v1, processed v1, quarantine v1, signatures v1, "
            "story_clusters v1") in first.stdout
    # the seeds' near copy and the article it copies: one story cluster, through the DAG
    clusters = lakes.read(lake, "story_clusters", DAY).to_pylist()
    assert [(c["source_path"][:3], c["kept"]) for c in clusters] == [("000", True), ("001", False)]
    articles = lakes.read(lake, "articles", DAY).drop_columns(["date"]).to_pylist()
    assert sorted(a["normalized_text"] for a in articles) == sorted(
        normalize_text(seed_text(p)) for p in ("000", "002"))

    second = newsflow_run(airflow_home, "--landing", landing, "--lake", lake, "--date", DAY, "--json")
    assert second.returncode == 0, second.stdout + second.stderr
    summary = json.loads(second.stdout[second.stdout.index("{"):])
    assert (summary["articles"], summary["quarantined"], summary["skipped_already_processed"]) == (2, 1, 0)
    again = lakes.read(lake, "articles", DAY).drop_columns(["date"]).to_pylist()
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("run_id", "ingested_at")} for r in rows]  # noqa: E731
    assert strip(again) == strip(articles)
    assert strip(lakes.read(lake, "story_clusters", DAY).to_pylist()) == strip(clusters)  # a rerun reproduces it

    with sqlite3.connect(airflow_home / "airflow.db") as db:
        events = db.execute(
            "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE a.name = 'newsflow_articles'"
        ).fetchall()
    assert len(events) == 2 and json.loads(events[-1][0])["articles"] == 2


def test_broken_batch_fails_the_gate_and_publishes_nothing(airflow_home, landing, tmp_path):
    lake = tmp_path / "lake"
    run = newsflow_run(airflow_home, "--landing", landing, "--lake", lake, "--date", DAY,
                       "--max-quarantine-ratio", "0.2")
    assert run.returncode == 1
    assert "nothing was published" in run.stderr
    assert "batch.gate_normalised=failed" in run.stderr
    assert "gate failure: gate_normalised (batch 0): quarantine_ratio" in run.stderr
    assert not (lake / "articles").exists() and not (lake / "_state" / "published").exists()


def test_bad_arguments_are_clear_errors(airflow_home, tmp_path):
    run = newsflow_run(airflow_home, "--landing", tmp_path / "missing", "--lake", tmp_path / "lake")
    assert run.returncode == 2 and "does not exist" in run.stderr
    run = newsflow_run(airflow_home, "--landing", tmp_path, "--lake", tmp_path / "lake", "--date", "May 1")
    assert run.returncode == 2 and "expected YYYY-MM-DD" in run.stderr


def test_a_landing_folder_of_warc_archives_through_the_dag(airflow_home, tmp_path):
    from paths import SHARED
    from warcs import crawl, dev_pages

    if not (SHARED / "benchmarks").is_dir():
        pytest.skip("needs ../shared/benchmarks")
    landing, lake = tmp_path / "crawls", tmp_path / "lake"
    landing.mkdir()
    first = crawl(landing / "part-00000.warc.gz", dev_pages(8), truncate_last=True)
    second = crawl(landing / "part-00001.warc", dev_pages(8, start=8), gzip_records=False, truncate_last=False,
                   redirect=False)
    run = newsflow_run(airflow_home, "--landing", landing, "--lake", lake, "--date", DAY, "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    summary = json.loads(run.stdout[run.stdout.index("{"):])
    articles = lakes.read(lake, "articles", DAY).to_pylist()
    # both archives hold the same windows-1252 page: published once, the copy quarantined by dedup
    latin = "https://news.example/latin"
    assert sorted(a["url"] for a in articles) == sorted(first.articles + [u for u in second.articles if u != latin])
    assert {a["warc_filename"] for a in articles} == {"part-00000.warc.gz", "part-00001.warc"}
    reasons = dict(summary["quarantine_reasons"])
    assert reasons.pop("ingest.warc_truncated") == 1 and "gate_raw.not_readable" not in reasons
    assert list(reasons.values()) == [1] and next(iter(reasons)).startswith("dedup.")
    kinds = {k: first.not_articles.get(k, 0) + second.not_articles.get(k, 0)
             for k in first.not_articles | second.not_articles}
    assert summary["not_articles"] == dict(sorted(kinds.items())) and summary["archives"] == 2
    report_json = next((lake / "_quality").rglob("report.json"))
    report = json.loads(report_json.read_text())
    assert report["archives"]["not_articles"] == summary["not_articles"]
    page = (report_json.parent / "report.html").read_text()  # the UI's quality page renders the same report
    assert 'id="not-articles"' in page and "<code>not_html:application/pdf</code>" in page
