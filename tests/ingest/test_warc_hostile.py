"""WARC archives built by an adversary (issue 26): nothing lost, nothing invented. Every record of the
archive ends as exactly one article, one quarantine row or one counted non-article, with its provenance;
no record that the archive does not hold is ever published. Built from raw bytes (``warcs.raw_record``)."""

from __future__ import annotations

import gzip
from collections import Counter

import pytest
from warcs import page_html, raw_record, segments

from newsflow.ingest import warc
from newsflow.ingest.landing import ArchivePart, read_archive
from newsflow.ingest.stage import DecodeStage
from newsflow.settings import Settings

EVIL = "https://evil.example/injected"


def _read(root, name, settings=None):
    index = warc.index_archive(root / name)
    part = ArchivePart(name.encode().hex(), index.sha256, index.mode, True, tuple(index.spans))
    kinds: Counter = Counter()
    records = list(DecodeStage().run(read_archive(root, root.name, settings or Settings(), part, set(), [], kinds)))
    return index, records, kinds


def _outcome(records):
    return [(r.hint_url, r.rejects[0].code if r.rejects else "article") for r in records]


def _pages(count):
    return [(f"https://news.example/{i}", page_html(f"Story {i}")) for i in range(count)]


def _injected_page() -> bytes:
    """A page whose HTML holds a well-formed WARC record (as a page about WARC files may)."""
    inner = raw_record(EVIL, page_html("Injected"), number=99)
    return b"<html><head><title>WARC howto</title></head><body><pre>\r\n\r\n" + inner + b"</pre></body></html>"


@pytest.mark.parametrize("damage", ["bad_magic", "bad_length"])
def test_a_page_holding_a_warc_block_never_becomes_a_record(tmp_path, damage):
    """Old framer: after a header it could not parse it scanned for the next ``WARC/`` line and framed the
    block inside the page: 2 records became 4 rows, one of them an article at the URL the page chose."""
    first = raw_record("https://news.example/howto", _injected_page(), number=1)
    if damage == "bad_magic":  # the header still states its length: framing skips the whole record
        first = first.replace(b"WARC/1.0", b"XXXX/1.0", 1)
    else:  # no usable length: whatever a scan finds behind it is never published
        first = first.replace(b"Content-Length: ", b"Content-Length: 12abc", 1)
    second = raw_record("https://news.example/next", page_html("Next"), number=2)
    (tmp_path / "a.warc").write_bytes(first + second)

    _, records, _ = _read(tmp_path, "a.warc")
    assert not any(r.hint_url == EVIL and not r.rejected for r in records)
    if damage == "bad_magic":
        assert _outcome(records) == [("https://news.example/howto", "warc_bad_header"),
                                     ("https://news.example/next", "article")]
    else:  # the record is lost for want of a length; what a scan finds behind it is kept, never published
        assert records[0].rejects[0].code == "warc_bad_header" and "Content-Length" in records[0].rejects[0].detail
        assert all(r.rejected for r in records) and records[-1].hint_url == "https://news.example/next"
        assert {r.rejects[0].code for r in records[1:]} <= {"warc_recovered", "warc_bad_length"}
    assert records[0].warc_record_offset == 0 and records[0].hint_url == "https://news.example/howto"


def test_a_content_length_past_the_end_does_not_swallow_the_record_after_it(tmp_path):
    """Old framer: 3 records, 2 rows (the third was inside the second's claimed length)."""
    pages = _pages(3)
    data = (raw_record(*pages[0], number=1) + raw_record(*pages[1], number=2, content_length="999999")
            + raw_record(*pages[2], number=3))
    (tmp_path / "a.warc").write_bytes(data)
    index, records, _ = _read(tmp_path, "a.warc")
    assert _outcome(records) == [(pages[0][0], "article"), (pages[1][0], "warc_truncated"),
                                 (pages[2][0], "warc_recovered")]
    assert [r.warc_record_offset for r in records] == [s.offset for s in index.spans]
    assert records[2].warc_record_offset == data.index(b"WARC/1.0", len(raw_record(*pages[0])) + 10)


def test_a_member_holding_two_records_then_a_corrupt_member_costs_only_the_corrupt_record(tmp_path):
    """Old reader: one multi-record member made the file a stream, and the corrupt member then turned all
    six records into one row (offset 0, length 0)."""
    pages = _pages(6)
    records_raw = [raw_record(*page, number=i) for i, page in enumerate(pages)]
    members = [gzip.compress(records_raw[0] + records_raw[1], mtime=0)]
    members += [gzip.compress(raw, mtime=0) for raw in records_raw[2:]]
    broken = bytearray(members[2])
    for i in range(30, min(len(broken) - 10, 200)):
        broken[i] ^= 0x5A
    members[2] = bytes(broken)
    (tmp_path / "a.warc.gz").write_bytes(b"".join(members))

    index, records, _ = _read(tmp_path, "a.warc.gz")
    assert index.mode == "stream"
    outcome = _outcome(records)
    assert [o for o in outcome if o[1] == "article"] == [(u, "article") for u, _ in pages[:3] + pages[4:]]
    damaged = [r for r in records if r.rejected]
    assert [r.rejects[0].code for r in damaged] == ["warc_bad_gzip"]
    assert damaged[0].warc_record_offset == len(records_raw[0]) + len(records_raw[1]) + len(records_raw[2])
    assert "file offset" in damaged[0].rejects[0].detail


def test_a_single_gzip_stream_corrupted_halfway_keeps_every_record_before_the_damage(tmp_path):
    """Old reader: 5 records, 1 row: the corruption took the records before it too."""
    pages = [(f"https://news.example/{i}", page_html(f"Story {i}", 2000)) for i in range(5)]
    plain = b"".join(raw_record(*page, number=i) for i, page in enumerate(pages))
    packed = bytearray(gzip.compress(plain, mtime=0))
    middle = len(packed) * 6 // 10
    for i in range(middle, middle + 64):
        packed[i] ^= 0xA5
    (tmp_path / "a.warc.gz").write_bytes(bytes(packed))

    _, records, _ = _read(tmp_path, "a.warc.gz")
    articles = [r.hint_url for r in records if not r.rejected]
    assert articles == [u for u, _ in pages[:len(articles)]] and len(articles) >= 2
    rest = records[len(articles):]
    assert rest and all(r.rejected for r in rest)  # the damage and what follows it: kept, not published
    assert rest[0].hint_url == pages[len(articles)][0]  # the damaged record's own header is read
    assert rest[0].warc_record_offset == plain.index(b"WARC/1.0", sum(len(raw_record(*p, number=i))
                                                                      for i, p in enumerate(pages[:len(articles)])))
    assert len(records) <= len(pages)  # a header the damage hit is part of the damaged span


def test_every_ingest_reject_carries_the_provenance_its_header_gives(tmp_path):
    """Old rows: url null on every ingest-stage reject although WARC-Target-URI was there."""
    cut = raw_record("https://news.example/cut", page_html("Cut"), number=6)
    data = b"".join([
        raw_record("https://news.example/big", page_html("Big", 3000), number=1),
        raw_record("https://news.example/empty", b"   ", number=2),
        raw_record("https://news.example/pdf", b"%PDF-1.4 binary", number=3),
        raw_record("https://news.example/lying", page_html("Lying"), number=4,
                   http=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"),
        raw_record("https://news.example/controls", bytes(range(1, 9)) * 200, number=5),
        cut[:-300],
    ])
    (tmp_path / "a.warc").write_bytes(data)
    _, records, _ = _read(tmp_path, "a.warc", Settings(max_file_bytes=20_000))
    codes = {r.hint_url: r.rejects[0].code for r in records}
    assert codes == {"https://news.example/big": "too_large", "https://news.example/empty": "empty",
                     "https://news.example/pdf": "not_text", "https://news.example/lying": "warc_bad_http_body",
                     "https://news.example/controls": "control_characters",
                     "https://news.example/cut": "warc_truncated"}
    for number, record in enumerate(records, start=1):
        assert record.url == record.hint_url
        assert record.warc_record_id == f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>"
        assert record.fetched_at is not None and record.fetched_at.second == number
        assert record.warc_record_offset is not None and record.warc_record_length


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_segmented_record_is_reassembled_not_published_as_its_first_segment(tmp_path, gzipped):
    """Old ingest published segment 1 as if whole: an article ending mid-sentence."""
    html = page_html("Segmented", 400)
    records = [*segments("https://news.example/seg", html, 3),
               raw_record("https://news.example/next", page_html("Next"), number=9)]
    name = "a.warc.gz" if gzipped else "a.warc"
    (tmp_path / name).write_bytes(b"".join(gzip.compress(r, mtime=0) if gzipped else r for r in records))
    _, records_out, kinds = _read(tmp_path, name)
    assert _outcome(records_out) == [("https://news.example/seg", "article"), ("https://news.example/next", "article")]
    assert records_out[0].decoded == html.decode() and dict(kinds) == {"continuation": 2}


def test_a_segmented_record_without_its_last_segment_is_quarantined(tmp_path):
    (tmp_path / "a.warc").write_bytes(b"".join(segments("https://news.example/seg", page_html("Seg", 400), 3,
                                                         last=False)))
    _, records, kinds = _read(tmp_path, "a.warc")
    assert _outcome(records) == [("https://news.example/seg", "warc_segmented")]
    assert "not followed by the rest of its segments" in records[0].rejects[0].detail
    assert dict(kinds) == {"continuation": 1}


@pytest.mark.parametrize(("change", "reason"), [
    ({"eol": b"\n"}, "LF, not CRLF"),
    ({"content_length": "12abc"}, "is not a number"),
    ({"content_length": "-5"}, "is negative"),
])
def test_a_damaged_header_is_quarantined_with_what_is_wrong_with_it(tmp_path, change, reason):
    """Old reason for all three: 'no WARC header at this offset', for records that have one."""
    data = raw_record("https://news.example/bad", page_html("Bad"), number=1, **change)
    data += raw_record("https://news.example/next", page_html("Next"), number=2)
    (tmp_path / "a.warc").write_bytes(data)
    _, records, _ = _read(tmp_path, "a.warc")
    bad = records[0]
    assert bad.rejects[0].code == "warc_bad_header" and reason in bad.rejects[0].detail
    assert "no WARC header" not in bad.rejects[0].detail
    assert bad.hint_url == "https://news.example/bad" and bad.warc_record_offset == 0
    assert len(records) == 2 and records[1].hint_url == "https://news.example/next"


@pytest.mark.parametrize("extra", [(), (("X-Crawler-Note", "n" * 200_000),)])
def test_long_header_fields_are_valid_records(tmp_path, extra):
    """A 100 kB URI and a 200 kB header field are valid WARC: old framer quarantined both."""
    url = "https://news.example/" + "a" * 100_000 if not extra else "https://news.example/long-field"
    (tmp_path / "a.warc").write_bytes(raw_record(url, page_html("Long"), extra=extra)
                                      + raw_record("https://news.example/next", page_html("Next"), number=2))
    _, records, _ = _read(tmp_path, "a.warc")
    assert _outcome(records) == [(url, "article"), ("https://news.example/next", "article")]


def test_a_lying_content_encoding_is_named_as_such(tmp_path):
    """Old reason: 'Unsupported Transfer-Encoding' for an unknown Content-Encoding."""
    lies = [b"x-unknown", b"gzip"]
    data = b"".join(raw_record(f"https://news.example/{n}", page_html("Lie"), number=n,
                               http=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: " + lie
                               + b"\r\n\r\n") for n, lie in enumerate(lies, start=1))
    (tmp_path / "a.warc").write_bytes(data)
    _, records, _ = _read(tmp_path, "a.warc")
    details = [(r.rejects[0].code, r.rejects[0].detail) for r in records]
    assert [code for code, _ in details] == ["warc_bad_http_body"] * 2
    assert all("Content-Encoding" in detail and "Transfer-Encoding" not in detail for _, detail in details)


def test_target_uris_in_brackets_are_urls_and_other_schemes_are_refused(tmp_path):
    data = (raw_record("<https://news.example/bracketed>", page_html("A"), number=1)
            + raw_record("javascript:alert(1)", page_html("B"), number=2)
            + raw_record("ftp://news.example/c", page_html("C"), number=3)
            + raw_record("https://news.example/d", page_html("D"), number=4).replace(
                b"WARC-Target-URI: https://news.example/d\r\n", b""))
    (tmp_path / "a.warc").write_bytes(data)
    _, records, _ = _read(tmp_path, "a.warc")
    assert _outcome(records) == [("https://news.example/bracketed", "article"),
                                 ("javascript:alert(1)", "warc_bad_target_uri"),
                                 ("ftp://news.example/c", "warc_bad_target_uri"),
                                 (None, "warc_bad_target_uri")]  # a response must name its URL (WARC 1.1)


def test_a_page_with_stray_nul_bytes_is_read_as_a_browser_reads_it(tmp_path):
    """A 2008 news page with NULs inside attribute values: old decoder quarantined it (control_characters)."""
    html = page_html("Old page", 3000).replace(b"<p>", b'<p class="x\x00y">', 1).replace(b"<title>", b"<title \x00>")
    html = html.replace(b"word1 ", b"word1\x00 ").replace(b"word2 ", b"word2\x00\x00 ")
    (tmp_path / "a.warc").write_bytes(raw_record("https://news.example/old", html))
    _, records, _ = _read(tmp_path, "a.warc")
    assert _outcome(records) == [("https://news.example/old", "article")]
    assert "\x00" not in records[0].decoded and "\ufffd" in records[0].decoded


def test_random_damage_never_invents_a_record_nor_publishes_one_twice(tmp_path):
    """300 seeded mutations (flipped, cut, zeroed, repeated, inserted bytes) of three layouts of an archive
    whose second page holds a WARC record in its HTML: framing never raises, spans stay in order, record
    ids stay unique, and nothing is published that the archive does not hold, or twice."""
    import random

    urls = [f"https://news.example/{i}" for i in range(5)]
    raws = [raw_record(url, _injected_page() if i == 1 else page_html(f"Story {i}", 300), number=i)
            for i, url in enumerate(urls)]
    layouts = {"p.warc": b"".join(raws), "m.warc.gz": b"".join(gzip.compress(r, mtime=0) for r in raws),
               "s.warc.gz": gzip.compress(b"".join(raws), mtime=0)}
    rng = random.Random(26)
    wrong = []
    for trial in range(300):
        name = rng.choice(sorted(layouts))
        data = bytearray(layouts[name])
        how = rng.choice(["flip", "cut", "zero", "repeat", "insert"])
        at, size = rng.randrange(len(data)), rng.randint(1, 200)
        if how == "flip":
            for i in range(at, min(len(data), at + size)):
                data[i] ^= rng.randrange(1, 256)
        elif how == "cut":
            del data[at:at + size]
        elif how == "zero":
            data[at:at + size] = bytes(len(data[at:at + size]))
        elif how == "repeat":
            data[at:at] = data[at:at + size]
        else:
            data[at:at] = raws[0][:size]
        (tmp_path / name).write_bytes(bytes(data))
        index, records, _ = _read(tmp_path, name)
        published = [r.hint_url for r in records if not r.rejected]
        offsets = [s.offset for s in index.spans]
        if (offsets != sorted(offsets) or len({r.record_id for r in records}) != len(records)
                or not set(published) <= set(urls) or len(published) != len(set(published))):
            wrong.append((trial, name, how, at, size, published))
    assert not wrong, wrong


def test_a_member_lost_whole_between_records_is_one_row_and_its_neighbours_are_whole(tmp_path):
    """A member whose header is broken (nothing decompresses) after a member of two records: the record
    before it ends exactly where the loss begins and stays whole; the loss is one row of its own."""
    pages = _pages(5)
    raws = [raw_record(*page, number=i) for i, page in enumerate(pages)]
    members = [gzip.compress(raws[0] + raws[1], mtime=0), gzip.compress(raws[2], mtime=0),
               b"\x1f\x8b\x08\x00broken-member" + bytes(40), gzip.compress(raws[3], mtime=0),
               gzip.compress(raws[4], mtime=0)]
    (tmp_path / "a.warc.gz").write_bytes(b"".join(members))
    _, records, _ = _read(tmp_path, "a.warc.gz")
    assert [code for _, code in _outcome(records)] == ["article"] * 3 + ["warc_bad_gzip"] + ["article"] * 2
    lost = records[3]
    assert lost.warc_record_offset == records[4].warc_record_offset and lost.source_path.endswith("-lost")
    assert len({r.record_id for r in records}) == len(records)
