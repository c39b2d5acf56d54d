"""WARC archives through the whole pipeline (step functions called directly): one archive split across
batches, every record published or quarantined once, reruns reproduce, other dates skip it, and the same
story under two URLs ends as one article plus a dedup row."""

from __future__ import annotations

import json

import lakes
import pytest
from paths import SHARED
from warcs import Crawl, crawl, dev_pages

from newsflow.pipeline import RunContext, run_all
from newsflow.steps.plan import plan as plan_step

pytestmark = pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks")
DAY = "2024-05-01"


def _run(landing, lake, day=DAY, run_id="manual__1", **overrides):
    ctx = RunContext.create(str(landing), str(lake), day, run_id, overrides or None)
    return ctx, run_all(ctx)


def _rows(lake, dataset, day=DAY, columns=("source_path", "url", "warc_record_offset", "warc_record_length",
                                           "warc_filename", "warc_record_id", "fetched_at")):
    table = lakes.read(lake, dataset, day)
    return sorted(table.select(list(columns)).to_pylist(), key=lambda r: r["source_path"])


@pytest.fixture(scope="module")
def archive_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("landing")
    expected = crawl(landing / "crawl.warc.gz", dev_pages(12), truncate_last=True)
    return landing, expected


def test_one_archive_split_across_batches_publishes_each_record_once(archive_landing, tmp_path):
    landing, expected = archive_landing
    ctx = RunContext.create(str(landing), str(tmp_path / "lake"), DAY, "manual__1", {"batch_size": 5})
    plan_step(ctx)
    # publish clears the staging folder: read the plan first
    batches = [json.loads(ctx.run.batch_plan(b).read_text()) for b in ctx.batches()]
    summary = run_all(ctx)
    parts = [item for batch in batches for item in batch]
    assert len(batches) >= 3 and all(isinstance(p, dict) for p in parts)
    assert all(sum(s[2] == "response" or bool(s[3]) for s in p["spans"]) <= 5 for p in parts)
    offsets = [s[0] for p in parts for s in p["spans"]]
    assert offsets == sorted(set(offsets))  # the batches cover the archive, each record once, in order

    articles = _rows(tmp_path / "lake", "articles")
    assert sorted(a["url"] for a in articles) == sorted(expected.articles)
    assert all(a["source_path"] == f"crawl.warc.gz@{a['warc_record_offset']}" for a in articles)
    assert all(a["warc_record_id"].startswith("<urn:uuid:") and a["fetched_at"] for a in articles)
    quarantine = lakes.read(tmp_path / "lake", "quarantine", DAY).to_pylist()
    assert [q["reason_codes"][0] for q in quarantine] == ["ingest.warc_truncated"]
    assert quarantine[0]["warc_filename"] == "crawl.warc.gz" and quarantine[0]["warc_record_offset"] > 0
    assert summary["not_articles"] == dict(sorted(expected.not_articles.items()))
    assert (summary["archives"], summary["ingested"]) == (1, len(expected.articles) + 1)


def test_a_rerun_reproduces_the_date_and_another_date_skips_the_archive(archive_landing, tmp_path):
    landing, _ = archive_landing
    lake = tmp_path / "lake"
    _run(landing, lake, batch_size=5)
    first = _rows(lake, "articles")
    _, again = _run(landing, lake, run_id="manual__2", batch_size=3)  # other batching, same rows
    assert _rows(lake, "articles") == first and again["skipped_already_processed"] == 0
    _, other = _run(landing, lake, day="2024-05-02", run_id="manual__3", batch_size=5)
    assert (other["skipped_already_processed"], other["articles"], other["ingested"]) == (1, 0, 0)


def test_the_same_story_under_two_urls_ends_as_one_article_and_a_dedup_row(tmp_path):
    (url, html), = dev_pages(1)
    landing = tmp_path / "landing"
    landing.mkdir()
    for name, urls in (("a.warc.gz", [url, url + "?utm_source=feed"]), ("b.warc.gz", [url + "#top"])):
        with open(landing / name, "wb") as handle:  # twice in one archive, once more in another
            archive = Crawl(handle)
            for page_url in urls:
                archive.page(page_url, html)
    _, summary = _run(tmp_path / "landing", tmp_path / "lake")
    assert summary["articles"] == 1 and summary["quarantined"] == 2
    codes = sorted(code for row in lakes.read(tmp_path / "lake", "quarantine", DAY).to_pylist()
                   for code in row["reason_codes"])
    assert codes and all(code.startswith("dedup.") for code in codes)


def test_an_archive_without_pages_is_claimed_so_another_date_skips_it(tmp_path):
    """Only requests, metadata and a redirect: nothing to publish, yet the date processed the archive. Its
    ledger row (outcome no_pages) claims it: a rerun of the date reads it again, another date skips it."""
    from newsflow.lake import tables
    from newsflow.lake.layout import Lake

    landing = tmp_path / "landing"
    landing.mkdir()
    (url, html), = dev_pages(1)
    with open(landing / "pageless.warc.gz", "wb") as handle:
        archive = Crawl(handle)
        archive.warcinfo()
        archive.request(url)
        archive.metadata(url)
        archive.response(url, b"", [("Location", url + "/new")], status="301 Moved Permanently", expect="http_301")
    with open(landing / "pages.warc.gz", "wb") as handle:
        Crawl(handle).page(url, html)
    lake = tmp_path / "lake"
    _, first = _run(landing, lake)
    assert first["not_articles"] == {"http_301": 1, "metadata": 1, "request": 1, "warcinfo": 1}
    assert (first["articles"], first["skipped_already_processed"]) == (1, 0)
    processed = tables.read(Lake(lake).table("processed")).to_pylist()
    assert sorted((r["source_file"], r["source_path"].split("@")[0], r["outcome"]) for r in processed) == [
        ("pageless.warc.gz", "pageless.warc.gz", "no_pages"), ("pages.warc.gz", "pages.warc.gz", "published")]
    _, rerun = _run(landing, lake, run_id="manual__2")
    assert rerun["not_articles"] == first["not_articles"] and rerun["skipped_already_processed"] == 0
    _, other = _run(landing, lake, day="2024-05-02", run_id="manual__3")
    assert (other["skipped_already_processed"], other["not_articles"], other["ingested"]) == (2, {}, 0)
