"""CC-NEWS days through the whole pipeline (step functions in-process, as ``run_all``) against a loopback
HTTP tree with injected faults: each date takes its own archives only, faults are survived by retry and
range resume, the truncated final archive keeps its whole records, host filters count what they drop, and
a rerun reproduces the date."""

from __future__ import annotations

import json
import urllib.request

import lakes
import pytest
from ccnews_tree import LAYOUT, Fault, serve, write_tree
from paths import SHARED
from warcs import dev_pages

from newsflow.ingest import ccnews
from newsflow.pipeline import RunContext, run_all
from newsflow.steps.plan import plan as plan_step

pytestmark = pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks")
FAST = {"ccnews_retry_backoff_seconds": 0.01, "ccnews_retry_max_wait_seconds": 1.0, "ccnews_timeout_seconds": 10}
COLUMNS = ("source_path", "url", "warc_filename", "warc_record_offset", "warc_record_length", "warc_record_id",
           "fetched_at", "doc_id", "text")


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("ccnews")
    return root, write_tree(root, dev_pages(sum(row[3] for row in LAYOUT)))


def _run(base, lake, day, run_id="manual__1", **overrides):
    ctx = RunContext.create(ccnews.CCNewsLanding(base), str(lake), day, run_id, FAST | overrides)
    return ctx, run_all(ctx)


def _rows(lake, dataset, day, columns=COLUMNS):
    table = lakes.read(lake, dataset, day)
    return sorted(table.select([c for c in columns if c in table.column_names]).to_pylist(),
                  key=lambda r: r["source_path"])


def test_a_day_takes_its_archives_only_and_survives_faults(tree, tmp_path):
    root, archives = tree
    day = "2024-05-01"
    mine = sorted(r for r, a in archives.items() if a.day == day)
    lake = tmp_path / "lake"
    with serve(root) as server:
        server.faults += [Fault("crawl-data/CC-NEWS/2024/05/warc.paths.gz", status=503, retry_after="0"),
                          Fault(mine[0], status=429, retry_after="0"), Fault(mine[1], reset_at=20_000)]
        ctx, summary = _run(server.base, lake, day)
        requested = {path for path, _ in server.requests}
        resumed = [ranged for path, ranged in server.requests if path == mine[1] and ranged]
        articles = _rows(lake, "articles", day)
        # provenance: one ranged read of (offset, length) re-fetches the record (Common Crawl's index fields)
        first = articles[0]
        end = first["warc_record_offset"] + first["warc_record_length"] - 1
        request = urllib.request.Request(server.base + first["warc_filename"],
                                         headers={"Range": f"bytes={first['warc_record_offset']}-{end}"})
        with urllib.request.urlopen(request) as response:
            record = response.read()
    assert requested - {"crawl-data/CC-NEWS/2024/05/warc.paths.gz"} == set(mine)  # nothing of other days
    assert resumed and resumed[0] != "bytes=0-"
    expected_urls = sorted(u for r in mine for u in archives[r].urls)
    assert sorted(a["url"] for a in articles) == expected_urls
    assert {a["warc_filename"] for a in articles} == set(mine)
    assert all(a["source_path"] == f"{a['warc_filename']}@{a['warc_record_offset']}" for a in articles)
    assert all(a["warc_record_id"].startswith("<urn:uuid:") and a["fetched_at"] for a in articles)
    assert record[:2] == b"\x1f\x8b" and first["url"].encode() in __import__("gzip").decompress(record)

    quarantine = _rows(lake, "quarantine", day, ("source_path", "reason_codes", "warc_filename",
                                                 "warc_record_offset"))
    truncated = next(r for r in mine if archives[r].truncated_url)
    assert [(q["reason_codes"][0], q["warc_filename"]) for q in quarantine] == [("ingest.warc_truncated", truncated)]
    assert quarantine[0]["warc_record_offset"] > 0

    cc = summary["ccnews"]
    assert (cc["archives_listed"], cc["archives_read"], cc["archives_skipped"]) == (2, 2, 0)
    assert cc["bytes_read"] == sum((root / r).stat().st_size for r in mine)
    assert cc["retries"] == 2 and cc["filtered"] == {}  # the archives' faults; the listing's is plan's own
    assert summary["not_articles"] == {"http_301": 2, "not_html:image/png": 2, "warcinfo": 2}
    assert summary["archives"] == 2 and summary["articles"] == len(expected_urls)
    report = json.loads((ctx.run.quality / "report.json").read_text())
    assert report["archives"]["not_articles"] == summary["not_articles"]
    assert report["archives"]["ccnews"]["bytes_read"] == cc["bytes_read"]
    page = (ctx.run.quality / "report.html").read_text()
    assert 'id="ccnews"' in page and "2 archive(s)" in page


def test_host_filters_count_what_they_drop_and_a_rerun_reproduces_the_date(tree, tmp_path):
    root, archives = tree
    day = "2024-04-30"
    mine = sorted(r for r, a in archives.items() if a.day == day and "/2024/04/" in r)
    lake = tmp_path / "lake"
    filters = {"hosts_allow": ("bbc.co.uk",), "hosts_deny": ("news.bbc.co.uk",)}
    with serve(root) as server:
        _, first = _run(server.base, lake, day, "manual__1", **filters)
        before = _rows(lake, "articles", day)
        _, second = _run(server.base, lake, day, "manual__2", **filters)
        after = _rows(lake, "articles", day)
    urls = [u for r in mine for u in archives[r].urls]
    kept = sorted(u for u in urls if "://www.bbc.co.uk/" in u)
    assert sorted(a["url"] for a in before) == kept and kept
    denied = sum("://news.bbc.co.uk/" in u for u in urls)
    # the redirect (www.bbc.co.uk) is kept and counted as http_301; the image (www.reuters.com) is filtered
    not_allowed = sum(not ("bbc.co.uk/" in u and "notbbc" not in u) for u in urls) + len(mine)
    assert first["ccnews"]["filtered"] == {"host_denied": denied, "host_not_allowed": not_allowed}
    assert first["not_articles"]["filtered:host_denied"] == denied
    assert first["quarantined"] == 0  # filtered records are counted, never quarantined
    assert before == after  # a rerun reproduces the date exactly
    assert (second["articles"], second["skipped_already_processed"]) == (first["articles"], 0)


def test_plan_reads_only_the_listing(tree, tmp_path):
    root, archives = tree
    with serve(root) as server:
        ctx = RunContext.create(ccnews.CCNewsLanding(server.base), str(tmp_path / "lake"), "2024-05-02", "m__1",
                                FAST | {"ccnews_archives_per_batch": 1})
        assert plan_step(ctx) == [0]
        assert [path for path, _ in server.requests] == ["crawl-data/CC-NEWS/2024/05/warc.paths.gz"]
        batch = ctx.load_batch(0)
        assert batch == [{"ccnews": r, "sha256": ccnews.identity(r)} for r, a in archives.items()
                         if a.day == "2024-05-02"]
        missing = RunContext.create(ccnews.CCNewsLanding(server.base), str(tmp_path / "lake"), "2024-05-09", "m__2",
                                    FAST)
        with pytest.raises(FileNotFoundError, match="no CC-NEWS archive started on 2024-05-09"):
            plan_step(missing)
