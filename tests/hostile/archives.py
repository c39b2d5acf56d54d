"""Hostile WARC archives for the hostile run (importable as ``hostile.archives``), one file per case of
issue 26. ``build(root)`` writes them and returns ``{archive name: Case}``: how many records the archive
holds where an article could be, and what must never happen. The run must turn each archive's records
into exactly that many rows (articles + quarantine): nothing lost, nothing invented."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

from helpers import article_html, story_paragraphs
from warcs import raw_record, segments

EVIL = "https://evil.example/injected"


@dataclass(frozen=True)
class Case:
    records: int  # records in the archive that are (or could have been) pages: each must be one row
    never_published: tuple[str, ...] = ()  # URLs no article may carry
    quarantined: tuple[str, ...] = ()  # reason codes that must appear among the archive's quarantine rows
    provenance: bool = True  # every quarantine row has url, record id and fetch time (their headers are intact)


def _story(seed: int) -> tuple[str, bytes]:
    url = f"https://news.example.com/warc/{seed}.html"
    return url, article_html(f"Archive story {seed}", story_paragraphs(400 + seed, 8), furniture=False,
                             url=url).encode()


def _records(seeds: range, start: int = 0) -> list[bytes]:
    return [raw_record(*_story(seed), number=start + i) for i, seed in enumerate(seeds)]


def build(root: Path) -> dict[str, Case]:
    root.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Case] = {}

    def put(name: str, data: bytes, case: Case) -> None:
        (root / name).write_bytes(data)
        cases[name] = case

    inner = raw_record(EVIL, article_html("Injected", story_paragraphs(499, 8), furniture=False, url=EVIL).encode(),
                       number=90)
    howto = b"<html><head><title>WARC howto</title></head><body><pre>\r\n\r\n" + inner + b"</pre></body></html>"
    damaged = raw_record("https://news.example.com/warc/howto.html", howto, number=1)
    damaged = damaged.replace(b"WARC/1.0", b"XXXX/1.0", 1)  # the header still states its length
    put("w01_page_injects_a_record.warc", damaged + b"".join(_records(range(1, 4), 2)),
        Case(4, never_published=(EVIL,), quarantined=("ingest.warc_bad_header",)))

    good = _records(range(10, 13))
    long_claim = raw_record(*_story(13), number=9, content_length="99999999")
    put("w02_length_past_the_end.warc", good[0] + good[1] + long_claim + good[2],
        Case(4, quarantined=("ingest.warc_truncated", "ingest.warc_recovered")))

    raws = _records(range(20, 26))
    members = [gzip.compress(raws[0] + raws[1], mtime=0)] + [gzip.compress(r, mtime=0) for r in raws[2:]]
    broken = bytearray(members[3])
    for i in range(40, min(len(broken) - 10, 300)):
        broken[i] ^= 0x5A
    members[3] = bytes(broken)
    put("w03_two_records_in_a_member_then_a_corrupt_member.warc.gz", b"".join(members),
        Case(6, quarantined=("ingest.warc_bad_gzip",), provenance=False))  # the damage hit the header

    stream = bytearray(gzip.compress(b"".join(_records(range(30, 35))), mtime=0))
    for i in range(len(stream) * 9 // 10, len(stream) * 9 // 10 + 48):
        stream[i] ^= 0xA5
    put("w04_one_gzip_stream_corrupted.warc.gz", bytes(stream), Case(5, provenance=False))

    cut = raw_record(*_story(45), number=5)
    put("w05_ingest_rejects.warc", b"".join([
        raw_record("https://news.example.com/warc/empty.html", b"  ", number=1),
        raw_record("https://news.example.com/warc/pdf.html", b"%PDF-1.4 binary", number=2),
        raw_record("https://news.example.com/warc/lying.html", _story(43)[1], number=3,
                   http=b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: x-unknown\r\n\r\n"),
        raw_record(*_story(44), number=4), cut[:-400]]),
        Case(5, quarantined=("ingest.empty", "ingest.not_text", "ingest.warc_bad_http_body", "ingest.warc_truncated")))

    whole = segments(*_story(50), 3, number=1)
    cut_short = segments(*_story(52), 3, number=2, last=False)
    put("w06_segmented.warc", b"".join(whole + cut_short) + _records(range(51, 52), 3)[0],
        Case(3, quarantined=("ingest.warc_segmented",)))

    long_url = "https://news.example.com/warc/" + "l" * 100_000
    put("w07_headers.warc", b"".join([
        raw_record(long_url, _story(62)[1], number=3),
        raw_record(*_story(63), number=4, extra=(("X-Crawler-Note", "n" * 200_000),)),
        raw_record(*_story(64), number=5),
        raw_record(*_story(60), number=1, eol=b"\n"),
        raw_record(*_story(61), number=2, content_length="-1")]),
        Case(5, quarantined=("ingest.warc_bad_header",)))

    put("w08_target_uris.warc", b"".join([
        raw_record("<https://news.example.com/warc/70.html>", _story(70)[1], number=1),
        raw_record("javascript:alert(1)", _story(71)[1], number=2)]),
        Case(2, never_published=("javascript:alert(1)",), quarantined=("ingest.warc_bad_target_uri",)))

    url, html = _story(80)
    html = html.replace(b"<p>", b'<p class="lead\x00">', 3)
    put("w09_nul_bytes.warc", raw_record(url, html, number=1), Case(1))
    return cases
