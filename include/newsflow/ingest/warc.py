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
- ``stream``: gzip members that do not hold one record each (one gzip stream over the whole file, or a few
  records per member); offsets are positions in the decompressed stream and a reader decompresses from
  the start to reach one (such files cannot be split more cheaply).

Nothing invented: a record starts only where a real archive could start one, that is at a gzip member
boundary or, in a byte stream, where the previous record's declared ``Content-Length`` ends. Where that
chain is broken (a header without a usable length, a length that runs past the end of the file), the
records behind the damage are found by scanning for a header; nothing tells such a record apart from text
inside the damaged one (a page can hold a well-formed WARC block), so they are kept as ``warc_recovered``
spans: quarantined with their provenance, never published.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

STAGE = "ingest"
SUFFIXES = (".warc", ".warc.gz")
_GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20
_WINDOW = 32 << 20  # decompressed bytes kept for framing to go back over (a damaged record scanned again)
_INFLATE_IN = 64 << 10  # compressed bytes per inflate step: what a corruption can cost before it is located
_PEEK = 4 << 10  # a first look at a header: nearly every header is shorter
_HEAD = 64 << 10  # a second look
_HEAD_MAX = 1 << 20  # a WARC header longer than this is not a header (a 200 kB field is still a header)
_SHORT_FIELD = 8 << 10  # FastWARC refuses headers over 64 kB: longer fields are dropped before it parses
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+xhtml")
# Content types that say nothing about the body: the bytes decide (WHATWG sniffing, simplified).
_UNKNOWN_TYPES = ("", "application/octet-stream", "text/plain", "unknown/unknown", "application/unknown", "*/*")
_HTML_SNIFF = (b"<!doctype html", b"<html", b"<head", b"<body", b"<title", b"<meta", b"<script", b"<p>",
               b"<div", b"<!--")
_WEB_SCHEMES = ("http", "https")
_CONTENT_CODINGS = ("gzip", "x-gzip", "deflate", "br", "identity", "")
_FIELD_RE = re.compile(rb"^([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*:(.*)$")

# Reject codes of framing (``Span.problem``).
RECOVERED = "warc_recovered"


def is_archive(rel_path: str) -> bool:
    return rel_path.lower().endswith(SUFFIXES)


@dataclass(frozen=True)
class Span:
    """One record's bytes in its archive; ``problem`` is a reject code when they could not be framed, or
    ``warc_recovered`` for a record found by scanning past damage (kept, never published)."""

    offset: int
    length: int
    warc_type: str = ""
    problem: str = ""
    detail: str = ""

    def to_json(self) -> list[Any]:
        return [self.offset, self.length, self.warc_type, self.problem, self.detail]

    @classmethod
    def from_json(cls, item: list[Any]) -> Span:
        return cls(*item)

    @property
    def is_response(self) -> bool:
        return self.warc_type == "response"

    @property
    def source(self) -> str:
        """What follows ``<archive>@`` in the record's ``source_path``: its offset, unique in the archive
        (a gzip member lost whole has no bytes of its own: it is named after the position it was lost at)."""
        return f"{self.offset}" if self.length or not self.problem else f"{self.offset}-lost"


@dataclass(frozen=True)
class ArchiveIndex:
    mode: str  # "members" | "plain" | "stream"
    size: int
    sha256: str
    spans: list[Span]


class _MultiRecordMember(Exception):
    """A gzip member holds more than one record: the file is read as a stream, not gzip per record."""


# -- headers --------------------------------------------------------------------------------------------

def _parse_header(head: bytes) -> tuple[int, int, str] | None:
    """(header length with its blank line, Content-Length, WARC-Type) of a well-formed header (CRLF lines,
    a numeric Content-Length) at ``head``'s start, else None."""
    if not head.startswith(b"WARC/"):
        return None
    end = head.find(b"\r\n\r\n")
    if end < 0:
        return None
    fields = {}
    for line in head[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip()
    value = fields.get(b"content-length", b"")
    if not value.isdigit():
        return None
    return end + 4, int(value), fields.get(b"warc-type", b"").decode("ascii", "replace").lower()


@dataclass
class _Lenient:
    """What a damaged header still says: why it is not well-formed, and its length when it states one."""

    detail: str
    length: int | None = None  # header + block, when the header states a usable Content-Length
    warc_type: str = ""
    fields: dict[str, str] = field(default_factory=dict)


def _header_block(data: bytes) -> tuple[bytes, int, bool] | None:
    """(header lines, header length with its blank line, whether lines end in CRLF) of a header block at
    ``data``'s start: lines up to the first blank line, each after the first a ``Name: value`` field."""
    crlf, lf = data.find(b"\r\n\r\n"), data.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        block, length, strict = data[:crlf], crlf + 4, True
    elif lf >= 0:
        block, length, strict = data[:lf], lf + 2, False
    else:
        return None
    lines = block.split(b"\n")
    if not all(_FIELD_RE.match(line.rstrip(b"\r")) or line[:1] in (b" ", b"\t") for line in lines[1:]):
        return None
    return block, length, strict


def header_fields(data: bytes) -> dict[str, str]:
    """The WARC header fields readable at ``data``'s start (lower-case names), however damaged the record;
    empty when there is no header block. Provenance for records that cannot be parsed."""
    found = _header_block(data[:_HEAD_MAX])
    if found is None:
        return {}
    fields: dict[str, str] = {}
    for line in found[0].split(b"\n")[1:]:
        match = _FIELD_RE.match(line.rstrip(b"\r"))
        if match:
            fields.setdefault(match.group(1).decode("ascii").lower(), match.group(2).strip().decode("utf-8", "replace"))
    return fields


def _diagnose(head: bytes, complete: bool) -> _Lenient:
    """Why ``head`` (a position where a record must start) is not a well-formed header, and the record's
    length when its header still states one. ``complete``: ``head`` reaches the end of the data."""
    if not head.startswith(b"WARC/"):
        found = _header_block(head)
        what = f"no WARC header at this offset (the bytes start {head[:24]!r})"
        if found is None or not header_fields(head).get("content-length", "").isdigit():
            return _Lenient(what)
    else:
        found = _header_block(head)
        if found is None:
            if len(head) >= _HEAD_MAX:
                return _Lenient(f"the WARC header does not end (no blank line) within {_HEAD_MAX} bytes")
            return _Lenient("the WARC header does not end: the archive ends inside it" if complete else
                            "the WARC header has no blank line after its fields")
        what = "" if found[2] else "WARC header lines end in LF, not CRLF (WARC 1.1 section 4 requires CRLF)"
    fields = header_fields(head)
    warc_type = fields.get("warc-type", "").lower()
    value = fields.get("content-length")
    _, header_len, _ = found
    problems = [what] if what else []
    length = None
    if value is None:
        problems.append("the WARC header has no Content-Length")
    elif value.lstrip("-").isdigit() and value.startswith("-"):
        problems.append(f"Content-Length {value} is negative")
    elif not value.isdigit():
        problems.append(f"Content-Length {value[:40]!r} is not a number")
    else:
        length = header_len + int(value)
    return _Lenient("; ".join(problems) or "the WARC header does not parse", length, warc_type, fields)


# -- framing --------------------------------------------------------------------------------------------

def _sha256(path: Any) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def index_archive(path: Any) -> ArchiveIndex:
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
                # one gzip stream over the whole file shows in its first member: decide before a full pass
                # (a broken first member: the recovering framer says so)
                with contextlib.suppress(EOFError, zlib.error):
                    _walk_member(handle, 0, size)
                spans = _fast_spans(handle, size, gzipped=True)
                return ArchiveIndex("members", size, sha, spans if spans is not None else _member_spans(handle, size))
            except _MultiRecordMember:
                return ArchiveIndex("stream", size, sha, _frame(_gzip_opener(handle, size)))
        spans = _fast_spans(handle, size, gzipped=False)
        if spans is None:
            spans = _frame(_plain_opener(handle))
        return ArchiveIndex("plain", size, sha, spans)


def _fast_spans(handle: Any, size: int, gzipped: bool) -> list[Span] | None:
    """Spans from FastWARC's record positions, or None when it cannot vouch for them (it stopped on an
    error, or the positions are not record starts)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    handle.seek(0)
    found: list[tuple[int, str, int]] = []
    try:
        for record in ArchiveIterator(handle, record_types=WarcRecordType.any_type, parse_http=False):
            found.append((record.stream_pos, str(record.record_type), record.content_length))
    except (OSError, ValueError):
        return None
    if not found or found[0][0] != 0 or any(b[0] <= a[0] for a, b in pairwise(found)):
        return None
    for (offset, _, content_length), (end, _, _) in pairwise(found):
        if not gzipped and content_length + 8 > end - offset:
            return None
        if gzipped:  # each record must be its own gzip member, or offsets cannot be read alone
            handle.seek(end)
            if handle.read(3) != _GZIP_MAGIC:
                return None
        else:  # each record must end where its Content-Length says, then CRLF CRLF: nothing skipped over
            handle.seek(end - content_length - 8)
            if handle.read(4) != b"\r\n\r\n":
                return None
            handle.seek(end - 4)
            if handle.read(4) != b"\r\n\r\n":
                return None
    spans = [Span(offset, end - offset, kind) for (offset, kind, _), (end, _, _) in pairwise(found)]
    # FastWARC yields a record cut short by the end of the file: frame the last one ourselves.
    last = found[-1][0]
    return spans + (_member_spans(handle, size, start=last) if gzipped else _frame(_plain_opener(handle), start=last))


def _member_spans(handle: Any, size: int, start: int = 0) -> list[Span]:
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
            lenient = _diagnose(head, complete=True)
            spans.append(Span(pos, end - pos, lenient.warc_type, "warc_bad_header", lenient.detail))
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


def _walk_member(handle: Any, pos: int, size: int) -> tuple[int, bytes, int]:
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
            backup = inflater.copy()
            try:
                out = inflater.decompress(data, _INFLATE_IN)  # a little at a time: the layout shows early
            except zlib.error:
                out = _salvage(backup, data[:_INFLATE_IN])
                parsed = _parse_header(bytes(head + out)[:_HEAD_MAX])
                if parsed is not None and total + len(out) > parsed[0] + parsed[1] + 16:
                    raise _MultiRecordMember from None  # the damage is the stream's, found when framing it
                raise
            total += len(out)
            if len(head) < _HEAD_MAX and record_len is None:
                head += out[:_HEAD_MAX - len(head)]
                parsed = _parse_header(bytes(head))
                record_len = parsed[0] + parsed[1] if parsed else None
            if record_len is not None and total > record_len + 16:
                raise _MultiRecordMember
            if inflater.eof:
                return pos + read - len(inflater.unused_data), bytes(head), total
            data = inflater.unconsumed_tail


def _next_member(handle: Any, start: int, size: int, prefix: bytes = b"WARC/") -> int:
    """The offset of the next gzip member at or after ``start`` whose bytes start with ``prefix``, else
    ``size``."""
    pos = start
    while pos < size:
        handle.seek(pos)
        window: bytes = handle.read(_CHUNK + 2)
        if not window:
            break
        found = window.find(_GZIP_MAGIC)
        while found >= 0:
            if _inflates(handle, pos + found, prefix):
                return pos + found
            found = window.find(_GZIP_MAGIC, found + 1)
        pos += _CHUNK
    return size


def _inflates(handle: Any, offset: int, prefix: bytes) -> bool:
    """Whether a gzip member starts at ``offset``: its first bytes decompress (and start with ``prefix``)."""
    handle.seek(offset)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        head = inflater.decompress(handle.read(4096), 16)
    except zlib.error:
        return False
    return head.startswith(prefix) and (bool(head) or inflater.eof)


class _Forward:
    """Forward-only reading with a look-ahead buffer: a gzip stream cannot seek back cheaply. The buffer
    is consumed by moving an offset, so a record costs what it reads, not what is buffered after it."""

    def __init__(self, read: Callable[[int], bytes], pos: int = 0) -> None:
        self._read = read
        self._buffer = b""
        self._offset = 0
        self._chunk = _HEAD  # grows to _CHUNK: a reader opened to look at one record reads little
        self.pos = pos

    def peek(self, size: int) -> bytes:
        if len(self._buffer) - self._offset < size:
            parts = [self._buffer[self._offset:]]
            have = len(parts[0])
            while have < size:
                chunk = self._read(max(size - have, self._chunk))
                self._chunk = min(2 * self._chunk, _CHUNK)
                if not chunk:
                    break
                parts.append(chunk)
                have += len(chunk)
            self._buffer, self._offset = b"".join(parts), 0
        return self._buffer[self._offset:self._offset + size]

    def take(self, size: int) -> bytes:
        data = self.peek(size)
        self._offset += len(data)
        self.pos += len(data)
        return data

    def skip(self, size: int) -> int:
        """Advance ``size`` bytes (fewer at the end); returns how many."""
        skipped = min(size, len(self._buffer) - self._offset)
        self._offset += skipped
        if self._offset == len(self._buffer):
            self._buffer, self._offset = b"", 0
        while skipped < size:
            chunk = self._read(min(size - skipped, _CHUNK))
            if not chunk:
                break
            if len(chunk) > size - skipped:  # a reader may return more than asked: keep the rest
                self._buffer, self._offset = chunk[size - skipped:], 0
                chunk = chunk[:size - skipped]
            skipped += len(chunk)
        self.pos += skipped
        return skipped


@dataclass(frozen=True)
class _Gap:
    """Where a gzip stream lost bytes: decompressed position ``pos`` is followed by the next member that
    decompresses (or the end), after compressed bytes that did not."""

    pos: int
    truncated: bool
    detail: str


class _GzipStream:
    """The decompressed bytes of a gzip file, member after member. A member that does not decompress is
    kept up to the byte zlib rejects, then skipped to the next member that decompresses; each loss is
    noted in ``gaps`` at its decompressed position, so the framer knows which bytes are not what they seem."""

    def __init__(self, handle: Any, size: int) -> None:
        self._handle, self._size = handle, size
        self._cpos = 0  # compressed offset of the next input byte
        self._member = 0  # compressed offset of the member being inflated
        self._inflater: Any = None
        self._out = 0
        self._done = False
        self.gaps: list[_Gap] = []

    def read(self, size: int) -> bytes:
        while not self._done:
            data = self._step(max(size, 1))
            if data:
                self._out += len(data)
                return data
        return b""

    def _lose(self, truncated: bool, detail: str, partial: bytes = b"") -> bytes:
        self.gaps.append(_Gap(self._out + len(partial), truncated, detail))
        self._inflater = None
        if truncated:
            self._done = True
        else:
            self._cpos = _next_member(self._handle, self._member + 1, self._size, b"")
        return partial

    def _step(self, size: int) -> bytes:
        if self._inflater is None:
            if self._cpos >= self._size:
                self._done = True
                return b""
            self._member = self._cpos
            self._handle.seek(self._cpos)
            if self._handle.read(3) != _GZIP_MAGIC:
                return self._lose(False, f"the bytes at file offset {self._cpos} are not a gzip member")
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        inflater = self._inflater
        tail = inflater.unconsumed_tail
        if not tail:
            self._handle.seek(self._cpos)
            tail = self._handle.read(_INFLATE_IN)
            self._cpos += len(tail)
            if not tail:
                return self._lose(True, f"the archive ends inside the gzip member at file offset {self._member}")
        backup = inflater.copy()
        try:
            out: bytes = inflater.decompress(tail, size)
        except zlib.error as exc:
            if "check" in str(exc):  # every byte came out and only the trailer's CRC or size disagrees: the
                # damage is somewhere in what came out, where framing finds it; nothing was lost here
                self._inflater = None
                self._cpos = _next_member(self._handle, self._member + 1, self._size, b"")
                return _salvage(backup, tail)
            return self._lose(False, f"the gzip member at file offset {self._member} does not decompress: {exc}",
                              _salvage(backup, tail))
        if inflater.eof:
            self._cpos -= len(inflater.unused_data)
            self._inflater = None
        return out


def _salvage(inflater: Any, data: bytes) -> bytes:
    """What ``data`` decompresses to before the byte zlib rejects (halving the input it feeds at a time)."""
    out = bytearray()
    step = len(data)
    while data and step:
        backup = inflater.copy()
        try:
            out += inflater.decompress(data[:step])
            data = data[step:]
        except zlib.error:
            inflater = backup
            step //= 2
    return bytes(out)


@dataclass
class _Opened:
    reader: _Forward
    gaps: list[_Gap]


def _plain_opener(handle: Any) -> Callable[[int], _Opened]:
    def open_at(pos: int) -> _Opened:
        handle.seek(pos)
        return _Opened(_Forward(handle.read, pos), [])
    return open_at


class _Window:
    """One decompression of a gzip file, with its last ``_WINDOW`` output bytes kept: framing that goes
    back to a position it has passed (to scan a damaged record) reads them again instead of decompressing
    the file again from its start, so damage costs linear time however many records it hits."""

    def __init__(self, handle: Any, size: int) -> None:
        self.stream = _GzipStream(handle, size)
        self.kept = bytearray()
        self.start = 0  # stream position of kept[0]

    @property
    def end(self) -> int:
        return self.start + len(self.kept)

    def reader_at(self, pos: int) -> _Forward:
        cursor = pos

        def read(size: int) -> bytes:
            nonlocal cursor
            if cursor < self.end:
                data = bytes(self.kept[cursor - self.start:cursor - self.start + size])
            else:
                data = self.stream.read(size)
                self.kept += data
                if len(self.kept) > 2 * _WINDOW:  # trimmed in big steps: a copy per _WINDOW bytes read
                    drop = len(self.kept) - _WINDOW
                    del self.kept[:drop]
                    self.start += drop
            cursor += len(data)
            return data

        return _Forward(read, pos)


def _gzip_opener(handle: Any, size: int) -> Callable[[int], _Opened]:
    window = _Window(handle, size)

    def open_at(pos: int) -> _Opened:
        nonlocal window
        if pos < window.start:  # further back than what is kept: decompress again from the start
            window = _Window(handle, size)
        reader = window.reader_at(min(pos, window.end))
        reader.skip(pos - reader.pos)
        return _Opened(reader, window.stream.gaps)
    return open_at


def _frame(open_at: Callable[[int], _Opened], start: int = 0) -> list[Span]:
    """Spans of a WARC byte stream (an uncompressed file, or gzip members decompressed), from ``start``.

    A record starts only where the previous one's declared length ends (blank lines between records
    allowed) or where a gzip member starts after lost bytes. A header without a usable length, or a length
    past the end, breaks that chain: the framer then scans for the next header, and what it finds is
    ``warc_recovered`` until a gzip member boundary vouches for a record start again."""
    spans: list[Span] = []
    opened = open_at(start)
    reader = opened.reader
    reported: set[int] = set()
    lost_at: int | None = None  # where the chain broke; records after it are found by scanning

    def next_gap(after: int, before: int) -> _Gap | None:
        """The first gap not yet reported at a position in [after, before)."""
        return next((g for g in opened.gaps if after <= g.pos < before and g.pos not in reported), None)

    def gap_span(gap: _Gap, at: int) -> Span:
        """The record the lost bytes cut, or the records they held: a quarantine row whatever its type
        said, as the bytes lost with it may have held pages."""
        reported.add(gap.pos)
        return Span(at, gap.pos - at, "", "warc_truncated" if gap.truncated else "warc_bad_gzip", gap.detail)

    def mark(warc_type: str, at: int, length: int) -> Span:
        if lost_at is None:
            return Span(at, length, warc_type)
        return Span(at, length, warc_type, RECOVERED,
                    f"found by scanning after the damage at offset {lost_at}: nothing tells it apart from text "
                    f"inside the damaged record, so it is not published")

    while True:
        at = reader.pos
        wanted = _PEEK
        head = reader.peek(wanted)
        gap = next_gap(at, at + 1)
        if gap is not None:  # bytes were lost right here, between records: they held at least one
            spans.append(gap_span(gap, at))
            lost_at = None  # what follows starts a gzip member: a position a real archive starts a record at
            continue
        if not head:
            break
        if head[:1] in (b"\r", b"\n"):  # blank lines between records
            blank = len(head) - len(head.lstrip(b"\r\n"))
            gap = next_gap(at + 1, at + blank)
            reader.skip(gap.pos - at if gap else blank)
            continue
        for longer in (_HEAD, _HEAD_MAX):  # a longer look only for a header that has not ended yet
            if b"\r\n\r\n" in head or b"\n\n" in head or len(head) < wanted:
                break
            wanted = longer
            head = reader.peek(wanted)
        parsed = _parse_header(head)
        if parsed is not None:
            header_len, content_length, warc_type = parsed
            got = reader.skip(header_len + content_length)
            # bytes lost inside the record (or where it stops short); bytes lost right after it are not its own
            gap = next_gap(at, at + got + (got < header_len + content_length))
            if gap is not None:  # the record's bytes after the gap came from elsewhere
                spans.append(gap_span(gap, at))
                opened = open_at(gap.pos)
                reader, lost_at = opened.reader, None
                continue
            if got < header_len + content_length:
                short = header_len + content_length - got
                found = _scan(open_at, at + min(header_len, got))
                if found is None:
                    spans.append(Span(at, got, warc_type, "warc_truncated",
                                      f"the archive ends {short} bytes into this record (its Content-Length "
                                      f"is {content_length})"))
                    break
                opened, resume = found
                reader = opened.reader
                spans.append(Span(at, resume - at, warc_type, "warc_truncated",
                                  f"its Content-Length {content_length} runs {short} bytes past the end of the "
                                  f"archive; a header was found at offset {resume}"))
                lost_at = at
                continue
            following = reader.peek(_PEEK)
            after = following.lstrip(b"\r\n")
            if after and not after.startswith(b"WARC/"):
                following = reader.peek(_HEAD)
                after = following.lstrip(b"\r\n")
            if after and not _starts_a_record(after) and next_gap(reader.pos, reader.pos + len(following)) is None:
                # the declared length ends inside something else: this record's bytes are not what its
                # header says (a wrong Content-Length, or damage decompressed into garbage)
                found = _scan(open_at, at + header_len)
                resume = found[1] if found else _end(open_at, at)
                spans.append(Span(at, resume - at, warc_type, "warc_bad_length",
                                  f"its Content-Length {content_length} does not end where a record starts (the "
                                  f"bytes there start {after[:24]!r})"))
                if found is None:
                    break
                opened = found[0]
                reader = opened.reader
                lost_at = at if lost_at is None else lost_at
                continue
            blank = min(4, len(following) - len(after))
            gap = next_gap(reader.pos, reader.pos + blank)
            reader.skip(gap.pos - reader.pos if gap else blank)
            spans.append(mark(warc_type, at, reader.pos - at))
            continue
        lenient = _diagnose(head, complete=len(head) < wanted)
        if lenient.length is not None:  # the header still says where the record ends: trust it if a record follows
            got = reader.skip(lenient.length)
            rest = reader.peek(64)
            after = rest.lstrip(b"\r\n")
            if got == lenient.length and next_gap(at, reader.pos + 1) is None and (
                    after.startswith(b"WARC/") or (not after and len(rest) < 64)):
                reader.skip(min(4, len(rest) - len(after)))
                spans.append(Span(at, reader.pos - at, lenient.warc_type, "warc_bad_header", lenient.detail))
                continue
            opened = open_at(at)
            reader = opened.reader
        found = _scan(open_at, at + 1)
        if found is None:
            end = _end(open_at, at)
            spans.append(Span(at, end - at, lenient.warc_type, "warc_bad_header", lenient.detail))
            break
        opened, resume = found
        reader = opened.reader
        gap = next_gap(at, resume)
        if gap is not None:
            spans.append(gap_span(gap, at))
            opened = open_at(gap.pos)
            reader, lost_at = opened.reader, None
            continue
        spans.append(Span(at, resume - at, lenient.warc_type, "warc_bad_header", lenient.detail))
        if lost_at is None:
            lost_at = at
    return spans


def _starts_a_record(data: bytes) -> bool:
    """Whether ``data`` starts with a WARC header, however damaged (one stating a Content-Length)."""
    if data.startswith(b"WARC/"):
        return True
    return _header_block(data) is not None and "content-length" in header_fields(data)


def _end(open_at: Callable[[int], _Opened], start: int) -> int:
    """The stream position of the end of the data (or of the first gap after ``start``)."""
    opened = open_at(start)
    while opened.reader.skip(_CHUNK):
        gap = next((g for g in opened.gaps if g.pos > start), None)
        if gap is not None:
            return gap.pos
    return opened.reader.pos


def _scan(open_at: Callable[[int], _Opened], start: int) -> tuple[_Opened, int] | None:
    """The first position at or after ``start`` where a line starts a well-formed WARC header (or a gap:
    bytes were lost there and a gzip member starts), with the stream opened there; None at the end."""
    opened = open_at(start)
    reader = opened.reader
    size = _PEEK
    while True:
        window = reader.peek(size)
        size = min(2 * size, _CHUNK)  # records are near each other: look a little ahead first
        if not window:
            return None
        gap = next((g for g in opened.gaps if reader.pos < g.pos <= reader.pos + len(window)), None)
        limit = gap.pos - reader.pos if gap else len(window)
        found = window.find(b"\nWARC/", 0, limit)
        while found >= 0 and _parse_header(reader.peek(found + 1 + _HEAD)[found + 1:]) is None and (
                b"\r\n\r\n" in reader.peek(found + 1 + _HEAD)[found + 1:]
                or _parse_header(reader.peek(found + 1 + _HEAD_MAX)[found + 1:]) is None):
            found = window.find(b"\nWARC/", found + 1, limit)
        if found >= 0:
            position = reader.pos + found + 1
            return open_at(position), position
        if gap is not None:
            return open_at(gap.pos), gap.pos
        reader.skip(max(1, len(window) - 6))  # keep a tail: a marker may straddle windows


def read_spans(path: Any, mode: str, spans: list[Span]) -> Iterator[tuple[Span, bytes]]:
    """Each span with its bytes (empty for spans that could not be framed)."""
    with path.open("rb") as handle:
        if mode == "stream":
            size = handle.seek(0, io.SEEK_END)
            handle.seek(0)
            reader = _Forward(_GzipStream(handle, size).read)
            for span in spans:
                if span.offset < reader.pos:  # framing went back (recovery): so does the reader
                    reader = _Forward(_GzipStream(handle, size).read)
                reader.skip(span.offset - reader.pos)
                yield span, reader.take(span.length)
            return
        for span in spans:
            handle.seek(span.offset)
            yield span, handle.read(span.length)


# -- one record -----------------------------------------------------------------------------------------

@dataclass
class Response:
    """What ingest needs of one WARC record."""

    warc_type: str
    record_id: str | None
    target_uri: str | None
    fetched_at: datetime | None
    status: int | None = None
    content_type: str = ""
    charset: str | None = None
    payload: bytes = b""


def target_uri(value: str | None) -> str | None:
    """``WARC-Target-URI`` as a URL: WARC 1.0's ``<...>`` brackets removed, surrounding space stripped."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1].strip()
    return value or None


def web_uri_problem(uri: str | None) -> str | None:
    """Why ``uri`` cannot be an article's URL (none, or not http or https), or None."""
    if uri is None:
        return "the response record has no WARC-Target-URI (WARC 1.1 requires one)"
    scheme, colon, rest = uri.partition(":")
    if not colon or scheme.lower() not in _WEB_SCHEMES or not rest.startswith("//"):
        return f"WARC-Target-URI {uri[:200]!r} is not an http(s) URL"
    return None


def fetched_time(value: str | None) -> datetime | None:
    """``WARC-Date`` as an aware UTC datetime, None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _shortened(data: bytes) -> bytes | None:
    """The record with header fields over ``_SHORT_FIELD`` bytes dropped (WARC and HTTP headers), so that
    FastWARC, which refuses headers over 64 kB, parses a valid record; None when nothing is too long."""
    found = _header_block(data[:_HEAD_MAX])
    if found is None:
        return None
    block, header_len, _ = found
    lines = block.split(b"\n")
    kept = [line.rstrip(b"\r") for line in lines if len(line) <= _SHORT_FIELD]
    declared = header_fields(data).get("content-length", "")
    content = data[header_len:header_len + int(declared)] if declared.isdigit() else data[header_len:]
    shortened = len(kept) < len(lines)
    http = _header_block(content[:_HEAD_MAX]) if content.startswith(b"HTTP/") else None
    if http is not None:
        http_lines = http[0].split(b"\n")
        short_http = [line.rstrip(b"\r") for line in http_lines if len(line) <= _SHORT_FIELD]
        if len(short_http) < len(http_lines):
            content = b"\r\n".join(short_http) + b"\r\n\r\n" + content[http[1]:]
            shortened = True
    if not shortened:
        return None
    kept = [line for line in kept if not line.lower().startswith(b"content-length:")]
    kept.append(b"Content-Length: %d" % len(content))
    return b"\r\n".join(kept) + b"\r\n\r\n" + content + b"\r\n\r\n"


def _inflated(data: bytes, limit: int) -> bytes:
    """A span's record uncompressed: a gzip member is inflated (up to ``limit`` bytes)."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        out: bytes = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit + 1)
    except zlib.error as exc:
        raise ValueError("warc_bad_gzip", f"segment does not decompress: {exc}") from exc
    if len(out) > limit:
        raise ValueError("too_large", f"segment over max_decompressed_bytes {limit}")
    return out


def _block(record: bytes) -> tuple[bytes, dict[str, str], bytes]:
    """(header lines, fields, block) of one uncompressed record."""
    found = _header_block(record[:_HEAD_MAX])
    declared = header_fields(record).get("content-length", "")
    if found is None or not declared.isdigit():
        raise ValueError("warc_segmented", "a segment's header does not parse")
    return found[0], header_fields(record), record[found[1]:found[1] + int(declared)]


def reassemble(first: bytes, continuations: list[bytes], limit: int) -> bytes:
    """One record from its segments (WARC 1.1 section 7): the first segment's header, without its segment
    fields and with the whole Content-Length, then every segment's block in order. Raises ``ValueError``
    (``warc_segmented``, why) when the segments given do not make the whole record."""
    header, fields, block = _block(_inflated(first, limit))
    record_id = fields.get("warc-record-id")
    blocks, total = [block], len(block)
    for number, data in enumerate(continuations, start=2):
        _, segment, block = _block(_inflated(data, limit))
        if segment.get("warc-segment-origin-id") != record_id or segment.get("warc-segment-number") != str(number):
            raise ValueError("warc_segmented", f"the record after segment {number - 1} is not its segment {number} "
                                               f"(WARC-Segment-Origin-ID {record_id})")
        blocks.append(block)
        total += len(block)
        if total > limit:
            raise ValueError("too_large", f"reassembled record over max_decompressed_bytes {limit}")
        if "warc-segment-total-length" in segment:
            if segment["warc-segment-total-length"] != str(total):
                raise ValueError("warc_segmented", f"segments hold {total} bytes, the last one says "
                                                   f"{segment['warc-segment-total-length'][:20]}")
            dropped = (b"content-length:", b"warc-segment-number:", b"warc-block-digest:")
            lines = [line.rstrip(b"\r") for line in header.split(b"\n")
                     if not line.lower().startswith(dropped)]
            lines.append(b"Content-Length: %d" % total)
            return b"\r\n".join(lines) + b"\r\n\r\n" + b"".join(blocks) + b"\r\n\r\n"
    raise ValueError("warc_segmented", f"segment {len(continuations) + 1} of a segmented record (WARC 1.1 section "
                                       f"7) is not followed by the rest of its segments in this part of the archive")


def parse_record(data: bytes, max_payload: int) -> Response:
    """Parse one span's bytes; raises ``ValueError`` with a reject code as its first argument."""
    record, http_problem = _fastwarc_record(data)
    uri = None
    if record is None or (record.is_http and record.http_headers.status_code is None):
        shortened = _shortened(data)  # a valid record with a header field FastWARC finds too long
        if shortened is not None:
            record, http_problem = _fastwarc_record(shortened)
            uri = header_fields(data).get("warc-target-uri")
    if record is None:
        raise ValueError("warc_bad_record", http_problem or "no WARC record in these bytes")
    warc_type = str(record.record_type) if record.record_type is not None else ""
    fetched = record.record_date
    response = Response(warc_type=warc_type, record_id=record.record_id,
                        target_uri=target_uri(uri or record.headers.get("WARC-Target-URI")),
                        fetched_at=fetched.astimezone(UTC) if fetched is not None else None)
    if warc_type != "response":
        return response
    segment = record.headers.get("WARC-Segment-Number")
    if segment is not None:
        raise ValueError("warc_segmented", f"segment {segment[:20]} of a record split over several (WARC 1.1 "
                                           f"section 7): newsflow does not reassemble segments")
    if http_problem:
        raise ValueError("warc_bad_http_body", http_problem)
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
        raise ValueError("warc_bad_http_body", _body_problem(record.http_headers, exc)) from exc
    if len(payload) > max_payload:
        raise ValueError("too_large", f"HTTP body over max_decompressed_bytes {max_payload}")
    response.payload = payload
    return response


def _fastwarc_record(data: bytes) -> tuple[Any, str]:
    """(FastWARC's record, "") with HTTP decoding on; when decoding cannot even start (an unknown coding),
    the record without decoding and why its body cannot be read; (None, why) when nothing parses."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), record_types=WarcRecordType.any_type,
                                           parse_http=True, auto_decode="all")), None)
        return record, ""
    except (OSError, ValueError) as exc:
        failure = exc
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), record_types=WarcRecordType.any_type,
                                           parse_http=True, auto_decode="none")), None)
    except (OSError, ValueError):
        return None, f"record does not parse: {failure}"
    if record is None or not record.is_http or record.http_headers.status_code is None:
        return None, f"record does not parse: {failure}"
    return record, _body_problem(record.http_headers, failure)


def _body_problem(headers: Any, exc: BaseException) -> str:
    """Why an HTTP body does not decode, named after the header that lied."""
    content = (headers.get("Content-Encoding") or "").strip().lower()
    transfer = (headers.get("Transfer-Encoding") or "").strip().lower()
    if content not in _CONTENT_CODINGS:
        return f"Content-Encoding {content[:40]!r} is not one a browser decodes (gzip, deflate, br)"
    if transfer not in ("", "chunked", "identity"):
        return f"Transfer-Encoding {transfer[:40]!r} is not one HTTP/1.1 defines for a response body (chunked)"
    if "chunk" in str(exc).lower() and transfer == "chunked":
        return f"Transfer-Encoding chunked, but the body is not chunked: {exc}"
    if content not in ("", "identity"):
        return f"Content-Encoding {content}, but the body is not {content} data: {exc}"
    return f"HTTP body does not decode: {exc}"


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
