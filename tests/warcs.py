"""WARC archives laid out as crawlers write them, written with warcio (the format's reference writer) from
dev-set pages read in place. Importable as ``warcs`` (pytest's pythonpath includes tests/).

``crawl(path)`` writes one archive holding every kind of record a real crawl has, and returns what each
record must become: an article, a quarantined record (with its reason) or a not-article kind."""

from __future__ import annotations

import gzip
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from paths import SHARED
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ZYTE = SHARED / "benchmarks" / "zyte-article-extraction"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def dev_pages(count: int, start: int = 0) -> list[tuple[str, bytes]]:
    """(url, html bytes) of ``count`` dev-set pages with long bodies, in a fixed order."""
    gold = json.loads((ZYTE / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(gold):
        if len(gold[page_id].get("articleBody") or "") < 1500:
            continue
        html = gzip.decompress((ZYTE / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((gold[page_id].get("url") or f"https://news.example/{page_id}", html))
    return pages[start:start + count]


@dataclass
class Expected:
    articles: list[str] = field(default_factory=list)  # target URIs that must be published
    quarantined: dict[str, str] = field(default_factory=dict)  # target URI (or "" ) -> reason code
    not_articles: dict[str, int] = field(default_factory=dict)  # kind -> count


class Crawl:
    """A warcio writer with helpers for each kind of record."""

    def __init__(self, handle, gzip_records: bool = True) -> None:
        self.writer = WARCWriter(handle, gzip=gzip_records)
        self.expected = Expected()

    def _not_article(self, kind: str) -> None:
        self.expected.not_articles[kind] = self.expected.not_articles.get(kind, 0) + 1

    def response(self, url: str, body: bytes, headers: list[tuple[str, str]], status: str = "200 OK",
                 expect: str | None = "article") -> None:
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        record = self.writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
        self.writer.write_record(record)
        if expect == "article":
            self.expected.articles.append(url)
        elif expect:
            self._not_article(expect)

    def page(self, url: str, html: bytes, charset: str | None = "utf-8") -> None:
        ctype = f"text/html; charset={charset}" if charset else "text/html"
        self.response(url, html, [("Content-Type", ctype), ("Content-Length", str(len(html)))])

    def request(self, url: str) -> None:
        http = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "news.example")], is_http_request=True)
        self.writer.write_record(self.writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                                                http_headers=http))
        self._not_article("request")

    def metadata(self, url: str) -> None:
        self.writer.write_record(self.writer.create_warc_record(
            url, "metadata", payload=io.BytesIO(b"fetchTimeMs: 112\n"), warc_content_type="application/warc-fields"))
        self._not_article("metadata")

    def warcinfo(self) -> None:
        self.writer.write_record(self.writer.create_warcinfo_record("crawl.warc.gz", {"software": "tests"}))
        self._not_article("warcinfo")

    def revisit(self, url: str) -> None:
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        record = self.writer.create_revisit_record(url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                                   refers_to_uri=url, refers_to_date="2024-01-01T00:00:00Z",
                                                   http_headers=http)
        self.writer.write_record(record)
        self._not_article("revisit")


def crawl(path: Path, pages: list[tuple[str, bytes]], *, gzip_records: bool = True, truncate_last: bool = True,
          redirect: bool = True) -> Expected:
    """One archive as a crawler writes it: warcinfo; per page a request, a response and a metadata record;
    a 301, an image, a PDF, a revisit, a page in windows-1252 declared only in the HTTP header, a chunked
    and a gzip-encoded HTTP body (the last two of ``pages``); and (``truncate_last``) a last record cut short."""
    buffer = io.BytesIO()
    archive = Crawl(buffer, gzip_records)
    archive.warcinfo()
    (chunk_url, chunk_html), (gz_url, gz_html) = pages[-2], pages[-1]
    for url, html in pages[:-2]:
        archive.request(url)
        archive.page(url, html)
        archive.metadata(url)
    if redirect:
        archive.response("https://news.example/old", b"", [("Location", "https://news.example/new")],
                         "301 Moved Permanently", expect="http_301")
    archive.response("https://news.example/logo.png", PNG, [("Content-Type", "image/png")],
                     expect="not_html:image/png")
    archive.response("https://news.example/report.pdf", PDF, [("Content-Type", "application/pdf")],
                     expect="not_html:application/pdf")
    archive.revisit(pages[0][0])
    latin = ("<html><head><title>Caf\u00e9 cr\u00e8me</title></head><body><article>"
             + "".join(f"<p>Le caf\u00e9 num\u00e9ro {i} \u00e9tait d\u00e9j\u00e0 servi \u00e0 la terrasse, "
                       f"pr\u00e8s de la fen\u00eatre, \u00e0 c\u00f4t\u00e9 du th\u00e9\u00e2tre.</p>"
                       for i in range(40))
             + "</article></body></html>").encode("cp1252")
    archive.page("https://news.example/latin", latin, charset="windows-1252")
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in
                       (chunk_html[i:i + 4000] for i in range(0, len(chunk_html), 4000))) + b"0\r\n\r\n"
    archive.response(chunk_url, chunked, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])
    archive.response(gz_url, gzip.compress(gz_html, mtime=0),
                     [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")])
    data = buffer.getvalue()
    if truncate_last:
        last_url = "https://news.example/cut"
        tail = io.BytesIO()
        Crawl(tail, gzip_records).page(last_url, pages[0][1].replace(b"<title>", b"<title>Cut: ", 1))
        data += tail.getvalue()[:-200]
        archive.expected.quarantined[""] = "warc_truncated"
    path.write_bytes(data)
    return archive.expected


def page_html(title: str, words: int = 120) -> bytes:
    """A small HTML page (enough text for ingest; not meant to pass the article gates)."""
    body = " ".join(f"{title.lower()} word{i}" for i in range(words))
    return f"<html><head><title>{title}</title></head><body><article><p>{body}.</p></article></body></html>".encode()


def raw_record(url: str, html: bytes, *, number: int = 1, warc_type: str = "response",
               content_length: str | None = None, eol: bytes = b"\r\n", magic: bytes = b"WARC/1.0",
               extra: tuple[tuple[str, str], ...] = (),
               http: bytes = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n") -> bytes:
    """One WARC record as raw bytes, with the knobs a hostile archive turns: the line ending, the version
    line, the Content-Length as written, extra header fields. Ends with the CRLF CRLF after its block."""
    block = http + html
    fields = [("WARC-Type", warc_type), ("WARC-Record-ID", f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>"),
              ("WARC-Date", f"2024-05-01T10:00:{number % 60:02d}Z"), ("WARC-Target-URI", url),
              ("Content-Type", "application/http; msgtype=response"), *extra,
              ("Content-Length", str(len(block)) if content_length is None else content_length)]
    head = magic + eol + eol.join(f"{name}: {value}".encode() for name, value in fields) + eol + eol
    return head + block + b"\r\n\r\n"


def segments(url: str, html: bytes, parts: int, *, last: bool = True, number: int = 1) -> list[bytes]:
    """A response split into ``parts`` segments as WARC 1.1 section 7 writes them (``last``: the final
    continuation, the one with WARC-Segment-Total-Length, is there)."""
    block = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    size = len(block) // parts + 1
    pieces = [block[i:i + size] for i in range(0, len(block), size)]
    records = [raw_record(url, pieces[0], number=number, http=b"", extra=(("WARC-Segment-Number", "1"),))]
    for index, piece in enumerate(pieces[1:], start=2):
        extra = [("WARC-Segment-Number", str(index)),
                 ("WARC-Segment-Origin-ID", f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>")]
        if index == len(pieces):
            extra.append(("WARC-Segment-Total-Length", str(len(block))))
        records.append(raw_record(url, piece, number=number * 100 + index, warc_type="continuation", http=b"",
                                  extra=tuple(extra)))
    return records if last else records[:-1]
