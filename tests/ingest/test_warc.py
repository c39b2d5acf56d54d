"""WARC landing files: framing survives what crawls deliver, each record ends where the rules say, once."""

from __future__ import annotations

import gzip
from collections import Counter

import pytest
from paths import SHARED
from warcs import crawl, dev_pages

from newsflow.ingest import warc
from newsflow.ingest.landing import ArchivePart, read_archive
from newsflow.ingest.stage import DecodeStage
from newsflow.settings import Settings

pytestmark = pytest.mark.skipif(not (SHARED / "benchmarks").is_dir(), reason="needs ../shared/benchmarks")


def _read(landing, name, settings=None):
    index = warc.index_archive(landing / name)
    part = ArchivePart(name.encode().hex(), index.sha256, index.mode, True, tuple(index.spans))
    kinds: Counter = Counter()
    records = list(DecodeStage().run(read_archive(landing, landing.name, settings or Settings(), part, set(), [],
                                                  kinds)))
    return index, records, kinds


@pytest.mark.parametrize("layout", ["members", "plain", "stream"])
def test_every_record_of_a_crawl_ends_where_the_rules_say_exactly_once(tmp_path, layout):
    name = {"members": "crawl.warc.gz", "plain": "crawl.warc", "stream": "crawl.warc.gz"}[layout]
    expected = crawl(tmp_path / name, dev_pages(6), gzip_records=layout == "members",
                     truncate_last=layout != "stream")
    if layout == "stream":  # one gzip stream over the whole file, as `gzip crawl.warc` leaves it
        (tmp_path / name).write_bytes(gzip.compress((tmp_path / name).read_bytes(), mtime=0))
    index, records, kinds = _read(tmp_path, name)

    assert index.mode == layout
    published = [r for r in records if not r.rejected]
    quarantined = [r for r in records if r.rejected]
    assert sorted(r.hint_url for r in published) == sorted(expected.articles)
    assert [r.rejects[0].code for r in quarantined] == list(expected.quarantined.values())
    assert dict(kinds) == expected.not_articles
    # every span is accounted for: an article, a quarantined record or a counted kind
    assert len(index.spans) == len(records) + sum(kinds.values())
    assert len({r.record_id for r in records}) == len(records)


def test_http_charset_chunked_and_gzip_bodies_are_decoded(tmp_path):
    pages = dev_pages(4)
    crawl(tmp_path / "c.warc.gz", pages)
    _, records, _ = _read(tmp_path, "c.warc.gz")
    by_url = {r.hint_url: r for r in records}
    latin = by_url["https://news.example/latin"]
    assert latin.encoding == "cp1252" and "Café crème" in latin.decoded and "théâtre" in latin.decoded
    for url, html in pages[-2:]:  # chunked, then gzip-encoded: the page's own bytes come out
        assert by_url[url].decoded == html.decode("utf-8")
        assert by_url[url].raw is None or by_url[url].raw == html


def test_provenance_rereads_the_raw_record_from_its_offset(tmp_path):
    crawl(tmp_path / "c.warc.gz", dev_pages(4), truncate_last=False)
    _, records, _ = _read(tmp_path, "c.warc.gz")
    record = next(r for r in records if not r.rejected)
    assert record.warc_filename == "c.warc.gz" and record.source_path == f"c.warc.gz@{record.warc_record_offset}"
    with open(tmp_path / "c.warc.gz", "rb") as handle:
        handle.seek(record.warc_record_offset)
        member = handle.read(record.warc_record_length)
    raw = gzip.decompress(member)  # one gzip member: one whole record, as Common Crawl's index promises
    assert raw.startswith(b"WARC/1.") and record.warc_record_id.encode() in raw
    assert record.fetched_at is not None and record.fetched_at.tzinfo is not None


def test_a_broken_gzip_member_is_quarantined_and_the_records_after_it_are_read(tmp_path):
    pages = dev_pages(6)
    crawl(tmp_path / "c.warc.gz", pages, truncate_last=False)
    good = warc.index_archive(tmp_path / "c.warc.gz")
    victim = next(s for s in good.spans if s.warc_type == "response")  # the first page
    data = bytearray((tmp_path / "c.warc.gz").read_bytes())
    for i in range(victim.offset + 30, victim.offset + 130):
        data[i] ^= 0x5A
    (tmp_path / "c.warc.gz").write_bytes(bytes(data))

    index, records, _ = _read(tmp_path, "c.warc.gz")
    assert [s.problem for s in index.spans if s.problem] == ["warc_bad_gzip"]
    bad = [r for r in records if r.rejected]
    assert [(r.rejects[0].code, r.warc_record_offset) for r in bad] == [("warc_bad_gzip", victim.offset)]
    published = [r.hint_url for r in records if not r.rejected]
    assert sorted(published) == sorted([url for url, _ in pages[1:]] + ["https://news.example/latin"])


def test_a_bad_header_in_an_uncompressed_archive_loses_only_that_record(tmp_path):
    crawl(tmp_path / "c.warc", dev_pages(5), gzip_records=False, truncate_last=False)
    spans = warc.index_archive(tmp_path / "c.warc").spans
    victim = [s for s in spans if s.warc_type == "response"][1]
    data = bytearray((tmp_path / "c.warc").read_bytes())
    data[victim.offset:victim.offset + 5] = b"XXXX/"
    (tmp_path / "c.warc").write_bytes(bytes(data))

    index, records, _ = _read(tmp_path, "c.warc")
    assert [(s.problem, s.offset) for s in index.spans if s.problem] == [("warc_bad_header", victim.offset)]
    assert len(index.spans) == len(spans)  # the records after it are found again
    assert sum(r.rejected for r in records) == 1


def test_an_unreadable_http_header_is_quarantined_with_its_reason(tmp_path):
    block = b"this is not an HTTP response\r\n\r\n<html><p>x</p></html>"
    header = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
              b"WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Target-URI: https://news.example/x\r\n"
              b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % len(block))
    (tmp_path / "h.warc").write_bytes(header + block + b"\r\n\r\n")
    _, records, kinds = _read(tmp_path, "h.warc")
    assert [r.rejects[0].code for r in records] == ["warc_bad_http_header"]
    assert not kinds


def test_a_page_over_the_size_cap_is_quarantined_not_read(tmp_path):
    crawl(tmp_path / "c.warc.gz", dev_pages(4), truncate_last=False)
    _, records, _ = _read(tmp_path, "c.warc.gz", Settings(max_file_bytes=1000))
    assert records and all(r.rejects[0].code == "too_large" for r in records)


def test_a_gzip_bomb_inside_a_response_stops_at_the_decompression_cap(tmp_path):
    from warcs import Crawl

    bomb = gzip.compress(b"<html><body>" + b" " * (60 << 20), mtime=0)  # 60 MB from ~60 kB
    with open(tmp_path / "bomb.warc.gz", "wb") as handle:
        Crawl(handle).response("https://news.example/bomb", bomb,
                               [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
    _, records, _ = _read(tmp_path, "bomb.warc.gz")
    assert [(r.rejects[0].code, r.raw) for r in records] == [("too_large", None)]
    assert "max_decompressed_bytes" in records[0].rejects[0].detail


@pytest.mark.parametrize("content", [b"", b"\r\n"])
def test_an_archive_without_records_is_quarantined_not_lost(tmp_path, content):
    (tmp_path / "empty.warc").write_bytes(content)
    _, records, kinds = _read(tmp_path, "empty.warc")
    assert [(r.source_path, r.rejects[0].code) for r in records] == [("empty.warc", "empty")] and not kinds


def test_bytes_that_are_not_a_warc_are_one_quarantined_span(tmp_path):
    notes = b"these are notes, not an archive\n" * 100
    (tmp_path / "notes.warc.gz").write_bytes(notes)
    index, records, _ = _read(tmp_path, "notes.warc.gz")
    assert [(s.offset, s.length, s.problem) for s in index.spans] == [(0, len(notes), "warc_bad_header")]
    assert [r.rejects[0].code for r in records] == ["warc_bad_header"]


def test_gzip_members_holding_several_records_are_read_as_one_stream(tmp_path):
    """Some writers gzip a few records per member: offsets cannot be read alone, the file is a stream."""
    pages = dev_pages(4)
    crawl(tmp_path / "plain.warc", pages, gzip_records=False, truncate_last=False)
    data = (tmp_path / "plain.warc").read_bytes()
    spans = warc.index_archive(tmp_path / "plain.warc").spans
    cut = spans[len(spans) // 2].offset  # two members, each holding half the records
    (tmp_path / "mixed.warc.gz").write_bytes(gzip.compress(data[:cut], mtime=0) + gzip.compress(data[cut:], mtime=0))
    index, records, kinds = _read(tmp_path, "mixed.warc.gz")
    assert index.mode == "stream" and [s.offset for s in index.spans] == [s.offset for s in spans]
    assert len(records) + sum(kinds.values()) == len(spans) and not any(r.rejected for r in records)
