"""A CC-NEWS-shaped tree (monthly listings + archives named by their UTC start time, gzip per record, written
with warcio) and a loopback HTTP server for it with range reads and fault injection. Importable as
``ccnews_tree`` (pytest's pythonpath includes tests/); the bench builds its tree with ``write_tree`` too.

The tree spans a month boundary: the April listing holds two archives of 2024-04-30; the May listing holds a
stray archive started on 2024-04-30 (not a 2024-05-01 archive: a day's archives are those started that day),
two archives of 2024-05-01 (the last one truncated inside its last record) and one of 2024-05-02."""

from __future__ import annotations

import gzip
import http.server
import io
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PREFIX = "crawl-data/CC-NEWS"
HOSTS = ("www.bbc.co.uk", "news.bbc.co.uk", "notbbc.co.uk", "www.reuters.com", "apnews.com")
# (start time, serial, month folder, pages, truncated)
LAYOUT = (
    ("20240430120000", 0, "2024/04", 4, False),
    ("20240430230512", 1, "2024/04", 4, False),
    ("20240430235959", 2, "2024/05", 2, False),  # listed in May, started on April 30
    ("20240501000201", 3, "2024/05", 5, False),
    ("20240501130000", 4, "2024/05", 5, True),
    ("20240502010000", 5, "2024/05", 2, False),
)


@dataclass
class Archive:
    rel: str
    day: str
    urls: list[str] = field(default_factory=list)  # the HTML pages, in order
    truncated_url: str | None = None


def archive_name(start: str, serial: int) -> str:
    return f"CC-NEWS-{start}-{serial:05d}.warc.gz"


def write_archive(path: Path, pages: list[tuple[str, bytes]], start: str, truncated_url: str | None = None,
                  extras: bool = True) -> None:
    """warcinfo, then a response per page (and, with ``extras``, a redirect and an image) as CC-NEWS
    writes them, gzip per record; ``truncated_url``: one more page, cut inside its gzip member."""
    date = f"{start[:4]}-{start[4:6]}-{start[6:8]}T{start[8:10]}:{start[10:12]}:{start[12:14]}Z"
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsflow tests", "isPartOf": "CC-NEWS"}))

    def response(url: str, body: bytes, headers: list[tuple[str, str]], status: str = "200 OK") -> None:
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                           warc_headers_dict={"WARC-Date": date})
        writer.write_record(record)

    for url, html in pages:
        response(url, html, [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(html)))])
    if extras:
        response(f"https://{HOSTS[0]}/old", b"", [("Location", f"https://{HOSTS[0]}/new")], "301 Moved Permanently")
        response(f"https://{HOSTS[3]}/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), [("Content-Type", "image/png")])
    data = buffer.getvalue()
    if truncated_url is not None:
        tail = io.BytesIO()
        cut = WARCWriter(tail, gzip=True)
        html = pages[0][1].replace(b"<title>", b"<title>Cut: ", 1)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        cut.write_record(cut.create_warc_record(truncated_url, "response", payload=io.BytesIO(html),
                                                http_headers=http, warc_headers_dict={"WARC-Date": date}))
        data += tail.getvalue()[:-200]
    path.write_bytes(data)


def write_tree(root: Path, pages: list[tuple[str, bytes]]) -> dict[str, Archive]:
    """The tree of ``LAYOUT`` under ``root`` from ``pages`` (bodies; their URLs are replaced by URLs on
    ``HOSTS`` in turn); returns each archive by its path under the base."""
    archives: dict[str, Archive] = {}
    listings: dict[str, list[str]] = {}
    taken = 0
    for start, serial, month, count, truncated in LAYOUT:
        rel = f"{PREFIX}/{month}/{archive_name(start, serial)}"
        chosen = []
        for i, (_, html) in enumerate(pages[taken:taken + count]):
            chosen.append((f"https://{HOSTS[(taken + i) % len(HOSTS)]}/story/{start}-{i}", html))
        taken += count
        archive = Archive(rel, f"{start[:4]}-{start[4:6]}-{start[6:8]}", [u for u, _ in chosen],
                          f"https://{HOSTS[1]}/cut-{start}" if truncated else None)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_archive(path, chosen, start, archive.truncated_url)
        archives[rel] = archive
        listings.setdefault(month, []).append(rel)
    for month, rels in listings.items():
        listing = root / PREFIX / month / "warc.paths.gz"
        listing.write_bytes(gzip.compress(("\n".join(rels) + "\n").encode(), mtime=0))
    return archives


@dataclass
class Fault:
    """What the server does to the next GET of ``path``: ``status`` (with ``retry_after``), or ``reset``:
    send the headers and ``at`` bytes of the body, then reset the connection."""

    path: str
    status: int | None = None
    retry_after: str | None = None
    reset_at: int | None = None
    times: int = 1


class TreeServer:
    """A threaded HTTP server on 127.0.0.1 serving ``root`` with range reads; ``faults`` are consumed in
    order; ``requests`` records (path, Range header) of each GET."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # http.server calls do_<METHOD>
                server.handle(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.path == path and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        path = request.path.lstrip("/")
        ranged = request.headers.get("Range")
        with self.lock:
            self.requests.append((path, ranged))
        fault = self._fault(path)
        if fault is not None and fault.status is not None:
            body = f"fault {fault.status}".encode()
            request.send_response(fault.status)
            if fault.retry_after is not None:
                request.send_header("Retry-After", fault.retry_after)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            return
        target = (self.root / path).resolve()
        if not target.is_file() or self.root.resolve() not in target.parents:
            request.send_error(404)
            return
        data = target.read_bytes()
        start = 0
        if ranged and ranged.startswith("bytes=") and ranged.endswith("-"):
            start = int(ranged[6:-1])
            request.send_response(206)
            request.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            request.send_response(200)
        request.send_header("Content-Length", str(len(data) - start))
        request.send_header("Accept-Ranges", "bytes")
        request.end_headers()
        if fault is not None and fault.reset_at is not None:
            request.wfile.write(data[start:start + fault.reset_at])
            request.wfile.flush()
            # SO_LINGER 0: close with a TCP reset, as a dropped connection does
            request.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.connection.close()
            request.close_connection = True
            return
        request.wfile.write(data[start:])


@contextmanager
def serve(root: Path) -> Iterator[TreeServer]:
    server = TreeServer(root)
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
