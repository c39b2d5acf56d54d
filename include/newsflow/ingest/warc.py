"""WARC archives as landing files: the plan indexes each archive into record spans, ingest reads the
spans of its batch and turns each HTML response into an article record.

Framing (where each record starts and ends) is done here, on the raw bytes, because it has to survive
what a parser gives up on: a broken gzip member or a bad header becomes one span with a reason, and the
spans after it are still found. Each span is then parsed alone by FastWARC (WARC and HTTP headers,
chunked and gzip/deflate/brotli bodies), so one bad record never takes its neighbours with it.

Three layouts, told apart by their bytes, not their names:

- ``members``: gzip per record (Common Crawl, wget, Heritrix); a span is one gzip member, so offsets and
  lengths are those of Common Crawl's index and a record is re-read with one ranged read;
- ``plain``: an uncompressed ``.warc``;
- ``stream``: one gzip stream over the whole file; offsets are positions in the decompressed stream and a
  reader decompresses from the start to reach one (such files cannot be split more cheaply).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC

STAGE = "ingest"
SUFFIXES = (".warc", ".warc.gz")
_GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20
_HEAD = 64 << 10  # WARC headers longer than this are not headers
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+xhtml")
# Content types that say nothing about the body: the bytes decide (WHATWG sniffing, simplified).
_UNKNOWN_TYPES = ("", "application/octet-stream", "text/plain", "unknown/unknown", "application/unknown", "*/*")
_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<script", b"<p>",
               b"<div", b"<!--")


def is_archive(rel_path: str) -> bool:
    return rel_path.lower().endswith(SUFFIXES)


@dataclass(frozen=True)
class Span:
    """One record's bytes in its archive; ``problem`` is a reject code when they could not be framed."""

    offset: int
    length: int
    warc_type: str = ""
    problem: str = ""
    detail: str = ""

    def to_json(self) -> list:
        return [self.offset, self.length, self.warc_type, self.problem, self.detail]

    @classmethod
    def from_json(cls, item: list) -> Span:
        return cls(*item)

    @property
    def is_response(self) -> bool:
        return self.warc_type == "response"


@dataclass(frozen=True)
class ArchiveIndex:
    mode: str  # "members" | "plain" | "stream"
    size: int
    sha256: str
    spans: list[Span]


class _MultiRecordMember(Exception):
    """A gzip member holds more than one record: the file is one gzip stream, not gzip per record."""


def _parse_header(head: bytes) -> tuple[int, int, str] | None:
    """(header length with its blank line, Content-Length, WARC-Type) of a header at ``head``'s start."""
    if not head.startswith(b"WARC/"):
        return None
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return None
    fields = {}
    for line in head[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    try:
        length = int(fields[b"content-length"])
    except (KeyError, ValueError):
        return None
    if length < 0:
        return None
    return end + 4, length, fields.get(b"warc-type", b"").decode("ascii", "replace").lower()


def _sha256(path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def index_archive(path) -> ArchiveIndex:
    """Every record span of the archive at ``path``, in order; unframeable bytes become spans with a
    problem, so the spans cover the file.

    The common case (a well-formed archive) is framed by FastWARC at C++ speed; an archive it cannot walk
    to the end is framed again by the recovering Python framer below."""
    size, sha = _sha256(path)
    with path.open("rb") as handle:
        magic = handle.read(3)
        handle.seek(0)
        if magic == _GZIP_MAGIC:
            try:
                try:  # one gzip stream over the whole file shows in its first member: decide before a full pass
                    _walk_member(handle, 0, size)
                except (EOFError, zlib.error):
                    pass  # a broken first member: the recovering framer says so
                spans = _fast_spans(handle, size, gzipped=True)
                return ArchiveIndex("members", size, sha, spans if spans is not None else _member_spans(handle, size))
            except _MultiRecordMember:
                handle.seek(0)
                return ArchiveIndex("stream", size, sha, _stream_spans(gzip.GzipFile(fileobj=handle, mode="rb")))
        spans = _fast_spans(handle, size, gzipped=False)
        if spans is None:
            handle.seek(0)
            spans = _stream_spans(handle)
        return ArchiveIndex("plain", size, sha, spans)


def _fast_spans(handle, size: int, gzipped: bool) -> list[Span] | None:
    """Spans from FastWARC's record positions, or None when it cannot vouch for them (it stopped on an
    error, or the positions are not record starts)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    handle.seek(0)
    found: list[tuple[int, str]] = []
    try:
        for record in ArchiveIterator(handle, record_types=WarcRecordType.any_type, parse_http=False):
            found.append((record.stream_pos, str(record.record_type)))
    except (OSError, ValueError):
        return None
    if not found or found[0][0] != 0 or any(b[0] <= a[0] for a, b in zip(found, found[1:])):
        return None
    if gzipped:  # each record must be its own gzip member, or offsets cannot be read alone
        for offset, _ in found[1:]:
            handle.seek(offset)
            if handle.read(3) != _GZIP_MAGIC:
                return None
    spans = [Span(offset, end - offset, kind) for (offset, kind), (end, _) in zip(found, found[1:])]
    # FastWARC yields a record cut short by the end of the file: frame the last one ourselves.
    last = found[-1][0]
    if gzipped:
        tail = _member_spans(handle, size, start=last)
    else:
        handle.seek(last)
        tail = [Span(s.offset + last, s.length, s.warc_type, s.problem, s.detail) for s in _stream_spans(handle)]
    return spans + tail


def _member_spans(handle, size: int, start: int = 0) -> list[Span]:
    spans: list[Span] = []
    pos = start
    while pos < size:
        try:
            end, head, total = _walk_member(handle, pos, size)
        except EOFError:
            spans.append(Span(pos, size - pos, "", "warc_truncated", "the archive ends inside this gzip member"))
            break
        except zlib.error as exc:
            resume = _next_member(handle, pos + 1, size)
            spans.append(Span(pos, resume - pos, "", "warc_bad_gzip", f"gzip member does not decompress: {exc}"))
            pos = resume
            continue
        parsed = _parse_header(head)
        if parsed is None:
            if not head.strip():  # an empty member (some writers end with one)
                pos = end
                continue
            spans.append(Span(pos, end - pos, "", "warc_bad_header", "gzip member does not start with a WARC header"))
        else:
            header_len, content_length, warc_type = parsed
            record_len = header_len + content_length
            if total < record_len:
                spans.append(Span(pos, end - pos, warc_type, "warc_truncated",
                                  f"record holds {total - header_len} of its {content_length} content bytes"))
            else:
                spans.append(Span(pos, end - pos, warc_type))
        pos = end
    return spans


def _walk_member(handle, pos: int, size: int) -> tuple[int, bytes, int]:
    """(end offset, first decompressed bytes, decompressed size) of the gzip member at ``pos``."""
    handle.seek(pos)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    head = bytearray()
    total = read = 0
    record_len = None
    while True:
        data = handle.read(_CHUNK)
        if not data:
            raise EOFError
        read += len(data)
        while data:
            out = inflater.decompress(data, _CHUNK)
            total += len(out)
            if len(head) < _HEAD:
                head += out[:_HEAD - len(head)]
                parsed = _parse_header(bytes(head))
                record_len = parsed[0] + parsed[1] if parsed else None
            if record_len is not None and total > record_len + 16:
                raise _MultiRecordMember
            if inflater.eof:
                return pos + read - len(inflater.unused_data), bytes(head), total
            data = inflater.unconsumed_tail


def _next_member(handle, start: int, size: int) -> int:
    """The offset of the next gzip member at or after ``start`` that holds a WARC header, else ``size``."""
    pos = start
    while pos < size:
        handle.seek(pos)
        window = handle.read(_CHUNK + 2)
        if not window:
            break
        found = window.find(_GZIP_MAGIC)
        while found >= 0:
            if _starts_a_record(handle, pos + found):
                return pos + found
            found = window.find(_GZIP_MAGIC, found + 1)
        pos += _CHUNK
    return size


def _starts_a_record(handle, offset: int) -> bool:
    handle.seek(offset)
    try:
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(handle.read(4096), 16)
    except zlib.error:
        return False
    return head.startswith(b"WARC/")


class _Forward:
    """Forward-only reading with a look-ahead buffer: a gzip stream cannot seek back cheaply."""

    def __init__(self, read) -> None:
        self._read = read
        self._buffer = b""
        self.pos = 0

    def peek(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = self._read(max(size - len(self._buffer), _CHUNK))
            if not chunk:
                break
            self._buffer += chunk
        return self._buffer[:size]

    def take(self, size: int) -> bytes:
        data = self.peek(size)
        self._buffer = self._buffer[len(data):]
        self.pos += len(data)
        return data

    def skip(self, size: int) -> int:
        """Advance ``size`` bytes (fewer at the end); returns how many."""
        skipped = min(size, len(self._buffer))
        self._buffer = self._buffer[skipped:]
        while skipped < size:
            chunk = self._read(min(size - skipped, _CHUNK))
            if not chunk:
                break
            skipped += len(chunk)
        self.pos += skipped
        return skipped


def _stream_spans(handle) -> list[Span]:
    """Spans of a WARC byte stream (an uncompressed file, or one gzip stream decompressed)."""
    spans: list[Span] = []
    reader = _Forward(handle.read)
    while True:
        start = reader.pos
        try:
            head = reader.peek(_HEAD)
            if not head.strip():
                break
            if head[:1] in (b"\r", b"\n"):  # blank lines between records
                reader.skip(len(head) - len(head.lstrip(b"\r\n")))
                continue
            parsed = _parse_header(head)
            if parsed is None:
                _skip_to_header(reader)
                spans.append(Span(start, reader.pos - start, "", "warc_bad_header", "no WARC header at this offset"))
                continue
            header_len, content_length, warc_type = parsed
            got = reader.skip(header_len + content_length)
            if got < header_len + content_length:
                spans.append(Span(start, got, warc_type, "warc_truncated",
                                  f"the archive ends {header_len + content_length - got} bytes into this record"))
                break
            trailer = reader.peek(4)
            reader.skip(len(trailer) - len(trailer.lstrip(b"\r\n")))
            spans.append(Span(start, reader.pos - start, warc_type))
        except (zlib.error, gzip.BadGzipFile, EOFError, OSError) as exc:
            # inside one gzip stream nothing after a corruption can be found again
            truncated = isinstance(exc, EOFError)
            spans.append(Span(start, 0, "", "warc_truncated" if truncated else "warc_bad_gzip",
                              f"the gzip stream {'ends' if truncated else 'breaks'} here: {exc}; the rest of the "
                              f"file cannot be read"))
            break
    return spans


def _skip_to_header(reader: _Forward) -> None:
    """Advance to the next line that starts a WARC header, or to the end."""
    reader.skip(1)
    while True:
        window = reader.peek(_CHUNK)
        if not window:
            return
        found = window.find(b"\nWARC/")
        while found >= 0 and _parse_header(reader.peek(found + 1 + _HEAD)[found + 1:]) is None:
            found = window.find(b"\nWARC/", found + 1)
        if found >= 0:
            reader.skip(found + 1)
            return
        reader.skip(max(1, len(window) - 6))  # keep a tail: a marker may straddle windows


def read_spans(path, mode: str, spans: list[Span]) -> Iterator[tuple[Span, bytes]]:
    """Each span with its bytes (empty for spans that could not be framed)."""
    with path.open("rb") as handle:
        if mode == "stream":
            reader = _Forward(gzip.GzipFile(fileobj=handle, mode="rb").read)
            for span in spans:
                if span.problem and not span.length:
                    yield span, b""
                    continue
                reader.skip(span.offset - reader.pos)
                yield span, reader.take(span.length)
            return
        for span in spans:
            handle.seek(span.offset)
            yield span, handle.read(span.length)


@dataclass
class Response:
    """What ingest needs of one WARC record."""

    warc_type: str
    record_id: str | None
    target_uri: str | None
    fetched_at: object  # datetime (UTC) or None
    status: int | None = None
    content_type: str = ""
    charset: str | None = None
    payload: bytes = b""


def parse_record(data: bytes, max_payload: int) -> Response:
    """Parse one span's bytes; raises ``ValueError`` with a reject code as its first argument."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    iterator = ArchiveIterator(io.BytesIO(data), record_types=WarcRecordType.any_type, parse_http=True,
                               auto_decode="all")
    try:
        record = next(iter(iterator), None)
    except (OSError, ValueError) as exc:
        raise ValueError("warc_bad_record", f"record does not parse: {exc}") from exc
    if record is None:
        raise ValueError("warc_bad_record", "no WARC record in these bytes")
    warc_type = str(record.record_type) if record.record_type is not None else ""
    fetched = record.record_date
    response = Response(warc_type=warc_type, record_id=record.record_id,
                        target_uri=record.headers.get("WARC-Target-URI"),
                        fetched_at=fetched.astimezone(UTC) if fetched is not None else None)
    if warc_type != "response":
        return response
    if not record.is_http or record.http_headers.status_code is None:
        raise ValueError("warc_bad_http_header", "response record without a readable HTTP status line and headers")
    response.status = record.http_headers.status_code
    response.content_type = (record.http_content_type or "").split(";")[0].strip().lower()
    response.charset = record.http_charset
    if response.status != 200:
        return response
    try:
        payload = record.reader.read(max_payload + 1)
    except (OSError, ValueError, zlib.error) as exc:
        raise ValueError("warc_bad_http_body", f"HTTP body does not decode: {exc}") from exc
    if len(payload) > max_payload:
        raise ValueError("too_large", f"HTTP body over max_decompressed_bytes {max_payload}")
    response.payload = payload
    return response


def not_article_kind(response: Response) -> str | None:
    """Why a record is not an article (a counter key), or None when it is an HTML page."""
    if response.warc_type != "response":
        return response.warc_type or "unknown"
    if response.status != 200:
        return f"http_{response.status}"
    if response.content_type in _HTML_TYPES:
        return None
    if response.content_type in _UNKNOWN_TYPES and _sniffs_html(response.payload):
        return None
    return f"not_html:{response.content_type or 'unknown'}"


def _sniffs_html(payload: bytes) -> bool:
    head = payload[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_SNIFF)


