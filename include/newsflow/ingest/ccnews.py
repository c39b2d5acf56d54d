"""Common Crawl's CC-NEWS as a landing source: ``newsflow run --landing ccnews --date D``.

The day's archives are found in the month's listing, ``crawl-data/CC-NEWS/YYYY/MM/warc.paths.gz`` under a
base location (Common Crawl's HTTPS endpoint by default, ``s3://commoncrawl/``, or a mirror), by the UTC
start time in each name (``CC-NEWS-YYYYMMDDHHMMSS-NNNNN.warc.gz``: an archive belongs to the day it was
started). Nothing is copied: ``plan`` reads only the listing and puts whole archives in batches; each worker
streams its archives once, frames the gzip members as they arrive, and hands the spans to the same record
code as WARC landing files (``landing.archive_records``: FastWARC parses each record).

A remote archive is identified by its path relative to the base (``warc_filename``, ``source_file`` in
``_state/processed``): Common Crawl never rewrites a published archive, and the name (start time + serial)
is the same at every base, where ETags are not (S3's multipart ETag, a CDN's, a mirror's). Its
``file_sha256`` is the SHA-256 of that path, so the processed-once ledger works unchanged and plan needs no
request per archive.

Transient failures (HTTP 5xx, 429, a reset or a short read mid-stream) are retried with backoff, honouring
``Retry-After``, and the stream resumes by range from the byte reached; after ``ccnews_retry_attempts``
failures in a row without progress the archive fails its task with the URL and the reason.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.client
import re
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any, Protocol

from newsflow import storage
from newsflow.ingest import warc
from newsflow.ingest.hosts import HostFilter
from newsflow.record import Article
from newsflow.runrecords import CcnewsRead
from newsflow.settings import Settings

KEYWORD = "ccnews"  # the ``--landing`` value that selects this source
LISTING = "crawl-data/CC-NEWS/{year:04d}/{month:02d}/warc.paths.gz"
NAME = re.compile(r"(?:^|/)CC-NEWS-(\d{14})-(\d{5})\.warc\.gz$")
FILTERED = "filtered:"  # prefix of the not-article kinds a host filter counts
_GZIP_MAGIC = b"\x1f\x8b\x08"
_CHUNK = 1 << 20
_HEAD = 64 << 10
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_USER_AGENT = "newsflow (CC-NEWS reader; https://commoncrawl.org/terms-of-use)"


class ArchiveUnreadable(RuntimeError):
    """A remote file stayed unreadable after the retries (or cannot be read at all): the URL and why."""


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class CCNewsLanding:
    """The landing of a CC-NEWS run: where the archives are read from. Not a folder (nothing is landed);
    ``RunContext.landing`` holds it as it is."""

    base: str
    conn_id: str = ""
    storage_options: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    name: str = KEYWORD

    def __str__(self) -> str:
        return f"{KEYWORD}:{self.base}"

    def as_uri(self) -> str:
        return str(self)


def is_ccnews(landing: object) -> bool:
    return isinstance(landing, CCNewsLanding)


def landing_for(base: str | None, conn_id: str | None = None) -> CCNewsLanding:
    """The landing of a CC-NEWS run; an empty ``base`` is the settings' ``ccnews_base``."""
    from newsflow.settings import load_settings

    text = (base or load_settings().ccnews_base).strip()
    return CCNewsLanding(text if text.endswith("/") else text + "/", conn_id or "")


# -- which archives belong to a day ---------------------------------------------------------------------------

def listing_path(day: date) -> str:
    return LISTING.format(year=day.year, month=day.month)


def started_at(path: str) -> datetime | None:
    """The UTC start time in a CC-NEWS archive name, or None when the name is not one."""
    found = NAME.search(path)
    if found is None:
        return None
    try:
        return datetime.strptime(found.group(1), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def archives_of_day(listing: str, day: date) -> list[str]:
    """The archives of ``day`` in a listing's text, in start order (name order: time, then serial)."""
    paths = [line.strip() for line in listing.splitlines() if line.strip()]
    mine = [p for p in paths if (start := started_at(p)) is not None and start.date() == day]
    return sorted(set(mine), key=lambda p: p.rsplit("/", 1)[-1])


def identity(rel: str) -> str:
    """The ``file_sha256`` of a remote archive: the SHA-256 of its path (see the module's note)."""
    return hashlib.sha256(f"ccnews:{rel}".encode()).hexdigest()


# -- reading remote files, resuming ---------------------------------------------------------------------------

class _Store(Protocol):
    def url(self, rel: str) -> str: ...

    def open(self, rel: str, offset: int) -> tuple[IO[bytes], int | None]:
        """A stream of the file from ``offset``, and the file's size when known. Raises ``_Transient``,
        ``FileNotFoundError`` or ``ArchiveUnreadable``."""
        ...


class _HttpStore:
    def __init__(self, base: str, timeout: float) -> None:
        self.base, self.timeout = base, timeout

    def url(self, rel: str) -> str:
        return self.base + rel

    def open(self, rel: str, offset: int) -> tuple[IO[bytes], int | None]:
        headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        request = urllib.request.Request(self.url(rel), headers=headers)
        try:
            response = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 404:
                raise FileNotFoundError(f"{self.url(rel)}: HTTP 404 not found") from exc
            if exc.code in _TRANSIENT_STATUS or exc.code >= 500:
                raise _Transient(f"HTTP {exc.code} {exc.reason}", _retry_after(exc.headers.get("Retry-After"))) \
                    from exc
            raise ArchiveUnreadable(f"{self.url(rel)}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            raise _Transient(f"connection failed: {getattr(exc, 'reason', exc)}") from exc
        total = None
        length = response.headers.get("Content-Length")
        if offset and response.status == 206:
            ranged = re.match(r"bytes (\d+)-\d+/(\d+)", response.headers.get("Content-Range", ""))
            if ranged is None or int(ranged.group(1)) != offset:
                response.close()
                raise ArchiveUnreadable(f"{self.url(rel)}: the server answered a range read from {offset} with "
                                        f"Content-Range {response.headers.get('Content-Range')!r}")
            total = int(ranged.group(2))
        elif offset:  # the range was ignored: skip to where we were
            _discard(response, offset, self.url(rel))
            total = int(length) if length and length.isdigit() else None
        elif length and length.isdigit():
            total = int(length)
        return response, total


def _discard(stream: IO[bytes], count: int, url: str) -> None:
    while count:
        got = len(stream.read(min(count, _CHUNK)))
        if not got:
            raise _Transient(f"{url}: the stream ended while skipping to the resume offset")
        count -= got


class _FsStore:
    """Any fsspec location (``s3://commoncrawl/``, a mounted mirror): seek, then read forward."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def url(self, rel: str) -> str:
        return storage.display(self.root / rel)

    def open(self, rel: str, offset: int) -> tuple[IO[bytes], int | None]:
        try:
            handle = (self.root / rel).open("rb")
            if offset:
                handle.seek(offset)
        except FileNotFoundError:
            raise
        except PermissionError as exc:
            raise ArchiveUnreadable(f"{self.url(rel)}: {exc}") from exc
        except OSError as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from exc
        size = getattr(handle, "size", None)
        return handle, int(size) if isinstance(size, int) else None


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (a number of seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    with contextlib.suppress(TypeError, ValueError):
        moment = email.utils.parsedate_to_datetime(text)
        return max(0.0, (moment - datetime.now(UTC)).total_seconds())
    return None


def store_for(landing: CCNewsLanding, settings: Settings) -> _Store:
    if landing.base.startswith(("http://", "https://")):
        return _HttpStore(landing.base, settings.ccnews_timeout_seconds)
    if landing.conn_id:
        from newsflow.locations import location

        return _FsStore(location(landing.base, landing.conn_id))
    return _FsStore(storage.to_path(landing.base, landing.storage_options))


@dataclass
class Transfer:
    """What reading one remote file cost: bytes, seconds, retries and the waits they took."""

    bytes_read: int = 0
    seconds: float = 0.0
    retries: int = 0
    waited: float = 0.0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"bytes_read": self.bytes_read, "seconds": round(self.seconds, 3), "retries": self.retries,
                "waited_seconds": round(self.waited, 3), "failures": self.failures[:20]}


class ResumingReader:
    """A forward-only file object over a remote file that survives transient failures: it retries with
    exponential backoff (or the server's ``Retry-After``, capped) and resumes by range from the byte
    reached. ``attempts`` failures in a row without a byte of progress end it with ``ArchiveUnreadable``."""

    def __init__(self, store: _Store, rel: str, settings: Settings, transfer: Transfer | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.store, self.rel, self.settings, self.sleep = store, rel, settings, sleep
        self.transfer = transfer if transfer is not None else Transfer()
        self.pos = 0
        self.size: int | None = None
        self._stream: IO[bytes] | None = None
        self._failed = 0

    def _fail(self, reason: str, retry_after: float | None) -> None:
        self.close()
        self._failed += 1
        self.transfer.failures.append(f"at byte {self.pos}: {reason}")
        if self._failed >= self.settings.ccnews_retry_attempts:
            raise ArchiveUnreadable(f"{self.store.url(self.rel)}: unreadable after {self._failed} attempts "
                                    f"(last at byte {self.pos}: {reason})")
        backoff = self.settings.ccnews_retry_backoff_seconds * 2 ** (self._failed - 1)
        wait = min(retry_after if retry_after is not None else backoff, self.settings.ccnews_retry_max_wait_seconds)
        self.transfer.retries += 1
        self.transfer.waited += wait
        self.sleep(wait)

    def read(self, size: int = _CHUNK) -> bytes:
        while True:
            try:
                if self._stream is None:
                    self._stream, total = self.store.open(self.rel, self.pos)
                    self.size = total if total is not None else self.size
                started = time.perf_counter()
                # read1: what has arrived (one receive), so a reset loses nothing already received
                data = self._stream.read1(size) if hasattr(self._stream, "read1") else self._stream.read(size)
                self.transfer.seconds += time.perf_counter() - started
            except _Transient as exc:
                self._fail(str(exc), exc.retry_after)
                continue
            except (FileNotFoundError, PermissionError):
                self.close()
                raise  # retrying cannot help
            except (OSError, http.client.HTTPException) as exc:  # resets, timeouts, broken chunks
                self._fail(f"{type(exc).__name__}: {exc}", None)
                continue
            if not data and self.size is not None and self.pos < self.size:
                self._fail(f"the stream ended {self.size - self.pos} bytes early", None)
                continue
            if data:
                self._failed = 0
                self.pos += len(data)
                self.transfer.bytes_read += len(data)
            return data

    def readall(self) -> bytes:
        parts = []
        while chunk := self.read():
            parts.append(chunk)
        return b"".join(parts)

    def close(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(Exception):
                self._stream.close()
            self._stream = None


def read_listing(landing: CCNewsLanding, settings: Settings, day: date) -> tuple[str, list[str]]:
    """(the listing's path, the archives of ``day`` in it). A missing listing is a ``FileNotFoundError``."""
    rel = listing_path(day)
    store = store_for(landing, settings)
    reader = ResumingReader(store, rel, settings)
    try:
        data = reader.readall()
    finally:
        reader.close()
    try:
        text = zlib.decompress(data, 16 + zlib.MAX_WBITS).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as exc:
        raise ArchiveUnreadable(f"{store.url(rel)}: the listing is not gzipped UTF-8 text: {exc}") from exc
    return rel, archives_of_day(text, day)


# -- framing a stream of gzip members -------------------------------------------------------------------------

@dataclass
class Member:
    span: warc.Span
    data: bytes
    target_uri: str | None = None


def _target_uri(head: bytes, header_len: int) -> str | None:
    for line in head[:header_len].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"warc-target-uri":
            return value.strip().strip(b"<>").decode("utf-8", "replace") or None  # WARC 1.1 examples use <...>
    return None


def frame_members(read: Callable[[int], bytes], max_member: int) -> Iterator[Member]:
    """The records of a gzip-per-record WARC stream, one gzip member each, as they arrive: one member
    (and a read chunk) in memory at a time; a member over ``max_member`` bytes is a ``too_large`` span. A
    member that does not decompress becomes one ``warc_bad_gzip`` span up to the next member holding a WARC
    header; the stream ending inside a member a ``warc_truncated`` span (the records before it are whole)."""
    pending = b""
    offset = 0
    while True:
        if not pending:
            pending = read(_CHUNK)
            if not pending:
                return
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        member = bytearray()
        head = bytearray()
        total = 0
        data, pending = pending, b""
        try:
            while True:
                if not data:
                    data = read(_CHUNK)
                    if not data:
                        yield _truncated(offset, member, head)
                        return
                while data:
                    out = inflater.decompress(data, _CHUNK)
                    # At the member's end the input after it is in unused_data, and still in unconsumed_tail too
                    # when this call's output reached _CHUNK: subtracting both cut the member short (negative).
                    after = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
                    used = len(data) - len(after)
                    member += data[:used]
                    total += len(out)
                    if len(head) < _HEAD:
                        head += out[:_HEAD - len(head)]
                    if inflater.eof:
                        pending, data = inflater.unused_data, b""
                        break
                    data = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error as exc:
            bad = bytes(member) + data
            resume, rest = _resync(bad, read)
            yield Member(warc.Span(offset, resume, "", "warc_bad_gzip", f"gzip member does not decompress: {exc}"),
                         rest[0])
            offset += resume
            pending = rest[1]
            continue
        found = _member(offset, bytes(member), bytes(head), total, max_member)
        if found is not None:
            yield found
        offset += len(member)


def _member(offset: int, data: bytes, head: bytes, total: int, max_member: int) -> Member | None:
    parsed = warc._parse_header(head)
    if parsed is None:
        if not head.strip():  # an empty member (some writers end with one)
            return None
        return Member(warc.Span(offset, len(data), "", "warc_bad_header", "gzip member does not start with a WARC "
                                "header"), data)
    header_len, content_length, warc_type = parsed
    if total > header_len + content_length + 16:
        raise ArchiveUnreadable("a gzip member holds more than one record: the archive is not gzip per record "
                                "(CC-NEWS archives are), so it cannot be streamed record by record")
    uri = _target_uri(head, header_len)
    if len(data) > max_member:
        return Member(warc.Span(offset, len(data), warc_type, "too_large",
                                f"gzip member over max_decompressed_bytes {max_member}"), b"", uri)
    if total < header_len + content_length:
        return Member(warc.Span(offset, len(data), warc_type, "warc_truncated",
                                f"record holds {total - header_len} of its {content_length} content bytes"), data, uri)
    return Member(warc.Span(offset, len(data), warc_type), data, uri)


def _truncated(offset: int, member: bytearray, head: bytearray) -> Member:
    """The member the stream ends in: quarantined whatever its type, as the landing framer does."""
    parsed = warc._parse_header(bytes(head))
    uri = _target_uri(bytes(head), parsed[0]) if parsed else None
    return Member(warc.Span(offset, len(member), "", "warc_truncated", "the archive ends inside this gzip member"),
                  bytes(member), uri)


def _resync(bad: bytes, read: Callable[[int], bytes]) -> tuple[int, tuple[bytes, bytes]]:
    """Where the next record starts after a broken member at ``bad[0]``: (its distance, (the broken bytes,
    the bytes from the next record on)); the end of the stream when no record follows."""
    buffer = bytearray(bad)
    search = 1
    ended = False
    while True:
        found = buffer.find(_GZIP_MAGIC, search)
        while found >= 0:
            if len(buffer) - found < 4096 and not ended:
                break  # read more before judging this candidate
            if _starts_a_record(bytes(buffer[found:found + 4096])):
                return found, (bytes(buffer[:found]), bytes(buffer[found:]))
            found = buffer.find(_GZIP_MAGIC, found + 1)
        search = max(1, len(buffer) - 2) if found < 0 else found  # a marker may straddle reads
        if ended:
            return len(buffer), (bytes(buffer), b"")
        chunk = read(_CHUNK)
        if not chunk:
            ended = True
        buffer += chunk


def _starts_a_record(data: bytes) -> bool:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 16).startswith(b"WARC/")
    except zlib.error:
        return False


# -- the records of one remote archive ------------------------------------------------------------------------

@dataclass(frozen=True)
class RemoteArchive:
    """What ``plan`` puts in a batch for a CC-NEWS archive: its path under the base and its identity."""

    rel: str
    sha256: str

    def to_json(self) -> dict[str, str]:
        return {KEYWORD: self.rel, "sha256": self.sha256}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> RemoteArchive:
        return cls(item[KEYWORD], item["sha256"])


def is_remote_item(item: object) -> bool:
    return isinstance(item, dict) and KEYWORD in item


@dataclass
class ReadStats:
    """One ingest task's CC-NEWS figures (summed over its archives)."""

    archives: int = 0
    records: int = 0
    filtered: Counter[str] = field(default_factory=Counter)
    transfer: Transfer = field(default_factory=Transfer)
    stream_seconds: float = 0.0

    def as_dict(self) -> CcnewsRead:
        transfer = self.transfer
        return CcnewsRead(archives=self.archives, records=self.records, filtered=dict(sorted(self.filtered.items())),
                          stream_seconds=round(self.stream_seconds, 3), bytes_read=transfer.bytes_read,
                          seconds=round(transfer.seconds, 3), retries=transfer.retries,
                          waited_seconds=round(transfer.waited, 3), failures=transfer.failures[:20])


def read_remote_archive(
    landing: CCNewsLanding,
    settings: Settings,
    archive: RemoteArchive,
    skip: set[tuple[str, str]],
    skipped: list[str],
    not_articles: Counter[str],
    read: set[tuple[str, str]],
    stats: ReadStats,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Article]:
    """The article records of one remote archive, streamed: the records a host filter drops are counted
    (``filtered:<reason>`` in ``not_articles``, and in ``stats``), never read further."""
    from newsflow.ingest.landing import archive_records

    if (archive.rel, archive.sha256) in skip:
        skipped.append(archive.rel)
        return
    read.add((archive.rel, archive.sha256))
    stats.archives += 1
    hosts = HostFilter(tuple(settings.hosts_allow), tuple(settings.hosts_deny))
    reader = ResumingReader(store_for(landing, settings), archive.rel, settings, stats.transfer, sleep)
    stats_base = stats.stream_seconds

    def kept() -> Iterator[tuple[warc.Span, bytes]]:
        started = time.perf_counter()  # to the last record: reading, framing and parsing, not extraction
        for member in frame_members(reader.read, settings.max_decompressed_bytes):
            stats.stream_seconds = stats_base + time.perf_counter() - started
            stats.records += 1
            if member.span.is_response and not member.span.problem:
                reason = hosts.reason(member.target_uri)
                if reason is not None:
                    stats.filtered[reason] += 1
                    not_articles[FILTERED + reason] += 1
                    continue
            yield member.span, member.data

    try:
        yield from archive_records(archive.rel, landing.name, settings, archive.sha256, kept(), not_articles)
    finally:
        reader.close()
