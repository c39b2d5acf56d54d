"""The pipeline on object storage (moto's S3 server on loopback): same results as on a local disk."""

import io
import json
from datetime import date

import pyarrow.parquet as pq
import pytest

from newsflow.pipeline import RunContext, run_all

DAY = "2024-05-01"


def _run(s3, run_id="manual__1"):
    ctx = RunContext.create("s3://landing-bucket/seeds", "s3://lake-bucket/lake", DAY, run_id,
                            storage_options=s3["options"])
    return run_all(ctx)


def _read(fs, key):
    return pq.read_table(io.BytesIO(fs.cat_file(key)))


def test_seeds_on_s3_publish_with_a_run_marker(s3):
    fs = s3["fs"]
    summary = _run(s3)
    assert (summary["ingested"], summary["articles"], summary["quarantined"]) == (3, 2, 1)
    fs.invalidate_cache()
    run_marker = json.loads(fs.cat_file(f"lake-bucket/lake/_state/published/date={DAY}.json"))
    (articles_key,) = run_marker["files"]["articles"]
    assert articles_key.startswith(f"articles/date={DAY}/part-00000-")
    assert _read(fs, f"lake-bucket/lake/{articles_key}").num_rows == 2
    assert fs.exists("lake-bucket/lake/articles/_delta_log/00000000000000000001.json")
    (quarantine_key,) = run_marker["files"]["quarantine"]
    assert _read(fs, f"lake-bucket/lake/{quarantine_key}").column("source_path").to_pylist()[0].startswith("001_")
    assert fs.exists(f"lake-bucket/lake/_quality/date={DAY}/manual__1/gate_output.gx.json")
    assert fs.exists(f"lake-bucket/lake/_quality/date={DAY}/manual__1/data_docs/gate_output/index.html")
    assert not fs.exists("lake-bucket/lake/_staging/manual__1"), "staging is removed after publish"


def test_report_of_an_object_store_lake_names_its_lake_and_date_and_draws_its_charts(s3):
    """Before: publish handed the report a temporary local copy of the quality folder, and the report
    guessed lake and date from that copy's folder depth: wrong lake, wrong date, empty charts."""
    _run(s3)
    fs = s3["fs"]
    fs.invalidate_cache()
    quality = f"lake-bucket/lake/_quality/date={DAY}/manual__1"
    report = json.loads(fs.cat_file(f"{quality}/report.json"))
    assert report["lake"] == "s3://lake-bucket/lake" and report["date"] == DAY
    assert report["status"] == "published" and report["counts"]["articles"] == 2
    assert report["word_count"]["articles"] == 2 and sum(b["count"] for b in report["word_count"]["histogram"]) == 2
    assert [(p["date"], p["articles"]) for p in report["lake_partitions"]] == [(DAY, 2)]
    assert {r["code"] for r in report["quarantine_reasons"]} == {"dedup.near_duplicate",
                                                                 "gate_normalised.boilerplate_phrase"}
    html = fs.cat_file(f"{quality}/report.html").decode()
    assert f'href="../../../articles/date={DAY}/part-00000-' in html
    assert "No articles published by this run." not in html


def test_rerun_replaces_the_partition_and_later_dates_skip(s3):
    fs = s3["fs"]
    _run(s3, "manual__1")
    _run(s3, "manual__2")
    fs.invalidate_cache()
    from newsflow.lake import tables
    from newsflow.storage import to_path

    articles = to_path("s3://lake-bucket/lake/articles", s3["options"])
    assert set(tables.read(articles).column("run_id").to_pylist()) == {"manual__2"}
    assert set(tables.read(articles, version=1).column("run_id").to_pylist()) == {"manual__1"}  # time travel
    later = run_all(RunContext.create("s3://landing-bucket/seeds", "s3://lake-bucket/lake", "2024-05-02",
                                      "manual__3", storage_options=s3["options"]))
    assert later["skipped_already_processed"] == 3 and later["ingested"] == 0
    fs.invalidate_cache()  # the lake health page and the drift verdicts live on the store too
    assert b"Lake health" in fs.cat_file("lake-bucket/lake/_quality/health.html")
    assert fs.exists("lake-bucket/lake/_quality/date=2024-05-02/manual__3/drift.json")


@pytest.mark.slow
def test_newsflow_run_on_s3_through_an_airflow_connection(s3, tmp_path):
    """The real DAG (dag.test) with s3:// URIs resolved by ObjectStoragePath and an Airflow connection."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow-home")
    env["AIRFLOW_CONN_NEWSFLOW_S3"] = json.dumps({
        "conn_type": "aws", "login": "testing", "password": "testing",
        "extra": {"endpoint_url": s3["endpoint"], "region_name": "us-east-1"},
    })
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name, None)  # credentials must come from the connection
    run = subprocess.run(
        [str(Path(sys.executable).parent / "newsflow"), "run", "--landing", "s3://landing-bucket/seeds",
         "--lake", "s3://lake-bucket/lake", "--date", DAY, "--conn-id", "newsflow_s3"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "ingested 3, published 2, quarantined 1" in run.stdout
    assert f"s3://lake-bucket/lake/articles/date={DAY}/part-00000-" in run.stdout
    fs = s3["fs"]
    fs.invalidate_cache()
    run_marker = json.loads(fs.cat_file(f"lake-bucket/lake/_state/published/date={DAY}.json"))
    assert run_marker["articles"] == 2


def test_a_warc_archive_on_s3_is_split_across_batches_and_published(s3, tmp_path):
    from paths import SHARED
    from warcs import crawl, dev_pages

    from newsflow.lake import tables

    if not (SHARED / "benchmarks").is_dir():
        pytest.skip("needs ../shared/benchmarks")
    expected = crawl(tmp_path / "crawl.warc.gz", dev_pages(6), truncate_last=True)
    s3["fs"].put(str(tmp_path / "crawl.warc.gz"), "landing-bucket/crawls/crawl.warc.gz")
    s3["fs"].invalidate_cache()
    ctx = RunContext.create("s3://landing-bucket/crawls", "s3://lake-bucket/lake", DAY, "manual__warc",
                            {"batch_size": 4}, storage_options=s3["options"])
    summary = run_all(ctx)
    assert summary["batches"] >= 2 and summary["not_articles"] == dict(sorted(expected.not_articles.items()))
    articles = tables.read(ctx.lake.table("articles"))
    assert sorted(articles.column("url").to_pylist()) == sorted(expected.articles)
    assert set(articles.column("warc_filename").to_pylist()) == {"crawl.warc.gz"}
    assert summary["quarantine_reasons"]["ingest.warc_truncated"] == 1


def test_dedup_candidates_are_looked_up_in_the_tables_on_s3(s3):
    """The band index read file by file through delta-rs's filesystem (not a local path): exact and near
    candidates of a later date, as on a local disk (tests/dedup/test_history.py)."""
    import numpy as np
    from helpers import seed_text

    from newsflow.dedup.history import known_candidates
    from newsflow.dedup.signature import signature
    from newsflow.lake import tables
    from newsflow.lake.layout import Lake
    from newsflow.settings import Settings
    from newsflow.storage import to_path
    from newsflow.text.tokens import normalize_text

    _run(s3)
    lake, settings, later = Lake(to_path("s3://lake-bucket/lake", s3["options"])), Settings(), date(2024, 5, 2)
    hashes = tables.read(lake.table("articles")).column("content_sha256").to_pylist()
    exact = known_candidates(lake, later, hashes, np.zeros((0, 128), np.uint32), np.zeros(0, bool), settings)
    assert sorted(d.content_sha256 for d in exact) == sorted(hashes)
    near = known_candidates(lake, later, [], np.array([signature(normalize_text(seed_text("002")), settings)]),
                            np.ones(1, bool), settings)
    assert len(near) == 1 and near[0].minhash is not None and "(date=2024-05-01)" in near[0].where
