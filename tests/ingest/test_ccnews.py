"""CC-NEWS reading without the pipeline: which archives belong to a day, the streamed framing against the
landing framer, and remote reads through a loopback HTTP server with injected faults."""

from __future__ import annotations

import gzip
from datetime import date

import pytest
from ccnews_tree import LAYOUT, PREFIX, Fault, serve, write_tree
from paths import SHARED
from warcs import crawl, dev_pages

from newsflow.ingest import ccnews, warc
from newsflow.settings import Settings

pytestmark = pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks")
FAST = Settings(ccnews_retry_backoff_seconds=0.01, ccnews_retry_max_wait_seconds=5.0, ccnews_timeout_seconds=10)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("ccnews")
    return root, write_tree(root, dev_pages(sum(row[3] for row in LAYOUT)))


def test_a_day_is_the_archives_started_that_day_in_its_months_listing():
    listing = "\n".join([
        f"{PREFIX}/2024/05/CC-NEWS-20240430235959-00002.warc.gz",  # April 30, listed in May
        f"{PREFIX}/2024/05/CC-NEWS-20240501130000-00004.warc.gz",
        f"{PREFIX}/2024/05/CC-NEWS-20240501000201-00003.warc.gz",
        f"{PREFIX}/2024/05/CC-NEWS-20240502000000-00005.warc.gz",
        f"{PREFIX}/2024/05/CC-NEWS-20240501000201-00003.warc.gz",  # listed twice: read once
        f"{PREFIX}/2024/05/not-an-archive.txt",
        f"{PREFIX}/2024/05/CC-NEWS-20240599000000-00009.warc.gz",  # no such time
        "",
    ])
    assert ccnews.archives_of_day(listing, date(2024, 5, 1)) == [
        f"{PREFIX}/2024/05/CC-NEWS-20240501000201-00003.warc.gz",
        f"{PREFIX}/2024/05/CC-NEWS-20240501130000-00004.warc.gz"]
    assert ccnews.listing_path(date(2024, 5, 1)) == f"{PREFIX}/2024/05/warc.paths.gz"
    assert ccnews.archives_of_day(listing, date(2024, 4, 30)) == [
        f"{PREFIX}/2024/05/CC-NEWS-20240430235959-00002.warc.gz"]


def test_the_identity_of_an_archive_is_its_path_not_its_base():
    rel = f"{PREFIX}/2024/05/CC-NEWS-20240501000201-00003.warc.gz"
    assert ccnews.identity(rel) == ccnews.identity(rel) != ccnews.identity(rel.replace("00003", "00004"))
    assert len(ccnews.identity(rel)) == 64


@pytest.mark.parametrize("truncate", [False, True])
def test_streamed_framing_finds_the_spans_the_landing_framer_finds(tmp_path, truncate):
    path = tmp_path / "crawl.warc.gz"
    crawl(path, dev_pages(6), truncate_last=truncate)
    indexed = warc.index_archive(path)
    data = path.read_bytes()
    chunks = iter(data[i:i + 777] for i in range(0, len(data), 777))  # small, odd reads: members straddle them
    framed = list(ccnews.frame_members(lambda _size: next(chunks, b""), 50 << 20))
    assert [m.span for m in framed] == indexed.spans
    assert all(m.data == data[m.span.offset:m.span.offset + m.span.length] for m in framed)
    assert framed[-1].span.problem == ("warc_truncated" if truncate else "")


@pytest.mark.parametrize("read_size", [None, 1 << 20, 777])
def test_a_member_inflating_past_a_read_is_framed_whole_whatever_the_reads(tmp_path, read_size):
    """A record whose page inflates to more than one read's output (``_CHUNK``) read in big chunks: its
    member ended short when zlib kept the input after it in ``unconsumed_tail`` as well as ``unused_data``
    (the records' offsets then moved with the network's read sizes)."""
    pages = dev_pages(6)
    url, html = pages[0]
    pages[0] = (url, html.replace(b"</body>", b"<p>" + b"all work and no play. " * 80_000 + b"</p></body>"))
    path = tmp_path / "crawl.warc.gz"
    crawl(path, pages, truncate_last=False)
    indexed = warc.index_archive(path)
    data = path.read_bytes()
    size = read_size or len(data)
    chunks = iter(data[i:i + size] for i in range(0, len(data), size))
    framed = list(ccnews.frame_members(lambda _size: next(chunks, b""), 50 << 20))
    assert [m.span for m in framed] == indexed.spans
    assert all(m.data == data[m.span.offset:m.span.offset + m.span.length] for m in framed)


def test_a_broken_member_is_one_span_and_framing_resumes_at_the_next_record(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    crawl(path, dev_pages(6), truncate_last=False)
    spans = warc.index_archive(path).spans
    data = bytearray(path.read_bytes())
    victim = spans[3]
    data[victim.offset + 20:victim.offset + 60] = bytes(40)  # inside the deflate data of record 3
    chunks = iter([bytes(data)])
    framed = list(ccnews.frame_members(lambda _size: next(chunks, b""), 50 << 20))
    assert framed[3].span.problem == "warc_bad_gzip" and framed[3].span.offset == victim.offset
    assert [m.span.offset for m in framed[4:]] == [s.offset for s in spans[4:]]
    assert sum(m.span.length for m in framed) == len(data)


def test_listing_and_archive_are_read_over_http_with_range_resume(tree):
    root, archives = tree
    rel = next(r for r, a in archives.items() if a.day == "2024-05-01")
    with serve(root) as server:
        landing = ccnews.CCNewsLanding(server.base)
        assert ccnews.read_listing(landing, FAST, date(2024, 5, 1))[1] == sorted(
            r for r, a in archives.items() if a.day == "2024-05-01")
        server.faults += [Fault(rel, status=503, retry_after="1"), Fault(rel, reset_at=3000),
                          Fault(rel, status=500)]
        waits: list[float] = []
        transfer = ccnews.Transfer()
        reader = ccnews.ResumingReader(ccnews.store_for(landing, FAST), rel, FAST, transfer, waits.append)
        assert reader.readall() == (root / rel).read_bytes()
    gets = [ranged for path, ranged in server.requests if path == rel]
    # 503 -> retry; the reset after 3000 bytes -> resume from the byte reached; a 500 -> again from there
    assert gets[:2] == [None, None] and gets[2] == gets[3] and len(gets) == 4
    reached = int(gets[2].removeprefix("bytes=").rstrip("-"))
    assert 0 < reached <= 3000
    assert waits[0] == 1.0  # the server's Retry-After, not the backoff
    assert transfer.retries == 3 and transfer.bytes_read == (root / rel).stat().st_size
    assert "HTTP 503" in transfer.failures[0] and f"at byte {reached}" in transfer.failures[1]


def test_an_archive_that_stays_unreadable_fails_with_its_url_and_reason(tree):
    root, archives = tree
    rel = next(iter(archives))
    with serve(root) as server:
        server.faults.append(Fault(rel, status=503, times=100))
        reader = ccnews.ResumingReader(ccnews.store_for(ccnews.CCNewsLanding(server.base), FAST), rel, FAST,
                                       sleep=lambda _s: None)
        with pytest.raises(ccnews.ArchiveUnreadable) as failure:
            reader.readall()
        assert f"{server.base}{rel}" in str(failure.value) and "HTTP 503" in str(failure.value)
        assert f"after {FAST.ccnews_retry_attempts} attempts" in str(failure.value)
        with pytest.raises(FileNotFoundError, match="404"):
            ccnews.read_listing(ccnews.CCNewsLanding(server.base), FAST, date(2023, 1, 1))


def test_listing_over_the_local_filesystem_store(tree):
    root, archives = tree
    landing = ccnews.CCNewsLanding(str(root) + "/")
    _, found = ccnews.read_listing(landing, FAST, date(2024, 4, 30))
    assert found == sorted(r for r, a in archives.items() if a.day == "2024-04-30" and "/2024/04/" in r)
    assert gzip.decompress((root / ccnews.listing_path(date(2024, 4, 30))).read_bytes())


def test_the_cli_prints_the_days_archives_bytes_rate_and_filters(capsys):
    from newsflow.runtime.cli import _print_summary, build_parser

    args = build_parser().parse_args(["run", "--landing", "ccnews", "--lake", "lake", "--date", "2024-05-01",
                                      "--ccnews-base", "s3://commoncrawl/", "--hosts-allow", "bbc.co.uk,@sites.txt"])
    assert (args.landing, args.ccnews_base, args.hosts_allow) == ("ccnews", "s3://commoncrawl/", "bbc.co.uk,@sites.txt")
    summary = {"run_id": "r", "date": "2024-05-01", "status": "published", "ingested": 9, "articles": 8,
               "quarantined": 1, "skipped_already_processed": 0, "archives": 2, "archive_records": 30,
               "not_articles": {"filtered:host_denied": 3}, "quarantine_reasons": {}, "quarantined_files": [],
               "versions": {}, "partitions": {}, "manifest": "m", "quality_dir": "q",
               "ccnews": {"day": "2024-05-01", "archives_listed": 3, "archives_read": 2, "archives_skipped": 1,
                          "bytes_read": 2_500_000, "mb_per_second": 4.2, "retries": 1,
                          "filtered": {"host_denied": 3}}}
    _print_summary(summary)
    out = capsys.readouterr().out
    assert ("CC-NEWS 2024-05-01: 3 archive(s) listed, 2 read, 1 skipped (other dates); 2.5 MB read at 4.2 MB/s, "
            "1 retries; filtered (counted, not quarantined): host_denied 3") in out
