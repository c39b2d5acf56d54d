"""Read a landing folder into article records: one per file, one per JSONL line, one per HTML response
of a WARC archive (``warc.py`` frames and parses archives; this module turns their records into articles).

Every file found ends as a record, readable or not; a record that cannot be
read carries a ``Reject`` with the reason instead of content.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from newsflow import storage
from newsflow.ingest import warc
from newsflow.record import Article
from newsflow.settings import Settings

STAGE = "ingest"
_KINDS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".warc": "warc"}
KINDS = tuple(dict.fromkeys(_KINDS.values()))  # every landing format newsflow reads
SUFFIXES_TEXT = ".txt, .html, .htm, .jsonl or .warc (optionally .gz)"
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_JSONL_TEXT_FIELDS = ("url", "title", "html", "text", "published", "published_at", "date")


@dataclass(frozen=True)
class LandingFile:
    rel_path: str  # for people and the lake: undecodable name bytes shown as \xNN
    path: Any  # a pathlib.Path or an object-store path

    def to_json(self, root: Any) -> str:
        """A lossless, JSON-safe key for the file (what ``plan`` hands each batch)."""
        return storage.file_key(root, self.path, self.rel_path)

    @classmethod
    def from_json(cls, root: Any, key: str) -> LandingFile:
        return cls(*storage.from_file_key(root, key))


def discover(root: Any) -> list[LandingFile]:
    """Every file below ``root``, sorted, hidden files and folders excepted."""
    return [LandingFile(rel, path) for rel, path in storage.walk_files(root)]


def record_id(rel_path: str, line: int | None = None) -> str:
    key = rel_path if line is None else f"{rel_path}#L{line}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def kind_of(rel_path: str) -> tuple[str | None, bool]:
    name = rel_path.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    return _KINDS.get(os.path.splitext(name)[1]), gz


def _gunzip(data: bytes, limit: int) -> bytes:
    out = zlib.decompressobj(16 + zlib.MAX_WBITS)
    result = out.decompress(data, limit + 1)
    if len(result) > limit:
        raise ValueError(f"decompresses to more than {limit} bytes")
    if not out.eof:
        raise EOFError("truncated gzip stream")
    return result


def read_landing(
    root: Any,
    landing_name: str,
    settings: Settings,
    skip: set[tuple[str, str]] | None = None,
    skipped: list[str] | None = None,
    files: list[LandingFile] | None = None,
) -> Iterator[Article]:
    """Records for the landing files (all, or ``files``), except (path, sha256) pairs already processed."""
    skip = skip or set()
    for item in discover(root) if files is None else files:
        rel = item.rel_path
        kind, gz = kind_of(rel)
        resolved = storage.resolve_inside(root, item.path)
        real: Any = resolved[0]
        code, detail = resolved[1], resolved[2]
        if real is None:
            rec = _file_record(rel, landing_name, kind)
            rec.reject(STAGE, code, detail)
            yield rec
            continue
        try:
            size, sha, data = storage.size_and_hash(real, settings.max_file_bytes)
        except OSError as exc:
            rec = _file_record(rel, landing_name, kind)
            rec.reject(STAGE, "unreadable", str(exc))
            yield rec
            continue
        if (rel, sha) in skip:
            if skipped is not None:
                skipped.append(rel)
            continue
        rec = _file_record(rel, landing_name, kind, size, sha)
        if kind is None:
            rec.reject(STAGE, "unsupported_type", f"expected {SUFFIXES_TEXT}")
            yield rec
            continue
        if kind == "warc":  # archives are read by their plan's spans (read_archive), never whole
            rec.reject(STAGE, "warc_unreadable", "the archive was not indexed by the plan")
            yield rec
            continue
        if size > settings.max_file_bytes:
            rec.reject(STAGE, "too_large", f"{size} bytes > max_file_bytes {settings.max_file_bytes}")
            yield rec
            continue
        if data is None:
            data = real.read_bytes()
        if gz:
            try:
                data = _gunzip(data, settings.max_decompressed_bytes)
            except (EOFError, zlib.error, ValueError, OSError) as exc:
                rec.reject(STAGE, "bad_gzip", str(exc))
                yield rec
                continue
        if kind == "jsonl":
            yield from _jsonl_records(data, rel, landing_name, settings, rec)
            continue
        rec.raw = data
        yield rec


def _file_record(rel: str, landing_name: str, kind: str | None, size: int = 0, sha: str = "") -> Article:
    return Article(record_id=record_id(rel), source_path=rel, landing_name=landing_name, kind=kind or "unknown",
                   size_bytes=size, sha256=sha, file_sha256=sha)


def _jsonl_records(data: bytes, rel: str, landing_name: str, settings: Settings, whole: Article) -> Iterator[Article]:
    lines = data.split(b"\n")
    produced = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        produced += 1
        rec = Article(
            record_id=record_id(rel, number),
            source_path=f"{rel}#L{number}",
            landing_name=landing_name,
            kind="jsonl",
            size_bytes=len(line),
            sha256=hashlib.sha256(line).hexdigest(),
            file_sha256=whole.file_sha256,
        )
        if produced > settings.max_jsonl_records:
            rec.reject(STAGE, "too_many_records", f"file has more than {settings.max_jsonl_records} records")
            yield rec
            continue
        try:
            obj = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:  # deep nesting: not a record
            rec.reject(STAGE, "jsonl_invalid", f"line {number} is not JSON: {exc}"[:300])
            yield rec
            continue
        if not isinstance(obj, dict):
            rec.reject(STAGE, "jsonl_invalid", f"line {number} is {type(obj).__name__}, expected an object")
            yield rec
            continue
        bad = [k for k in _JSONL_TEXT_FIELDS if k in obj and obj[k] is not None and not isinstance(obj[k], str)]
        if bad:
            rec.reject(STAGE, "jsonl_bad_field", f"fields must be strings: {', '.join(bad)}")
            yield rec
            continue
        body_html, body_text = obj.get("html"), obj.get("text")
        lone = [k for k in _JSONL_TEXT_FIELDS if isinstance(obj.get(k), str) and _SURROGATE_RE.search(obj[k])]
        if lone:  # JSON allows "\ud800"; UTF-8 does not: refuse instead of crashing on encode
            rec.reject(STAGE, "jsonl_bad_field", f"lone surrogate escapes in: {', '.join(lone)}")
            yield rec
            continue
        if body_html:
            rec.hint_format, rec.raw = "html", body_html.encode("utf-8")
        elif body_text:
            rec.hint_format, rec.raw = "text", body_text.encode("utf-8")
        else:
            rec.reject(STAGE, "empty", "record has neither html nor text")
        rec.hint_url = obj.get("url") or None
        rec.hint_title = obj.get("title") or None
        rec.hint_published = obj.get("published") or obj.get("published_at") or obj.get("date") or None
        yield rec
    if produced == 0:
        whole.reject(STAGE, "empty", "JSONL file has no records")
        yield whole



@dataclass(frozen=True)
class ArchivePart:
    """Some consecutive record spans of one archive: what ``plan`` puts in a batch for an archive."""

    key: str  # the archive's file key
    sha256: str = ""
    mode: str = ""
    first: bool = True  # holds the archive's first span (counts the archive once when it is skipped)
    spans: tuple[warc.Span, ...] = ()
    error: str = ""  # the archive could not be indexed

    def to_json(self) -> dict[str, Any]:
        return {"archive": self.key, "sha256": self.sha256, "mode": self.mode, "first": self.first,
                "spans": [s.to_json() for s in self.spans], "error": self.error}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> ArchivePart:
        return cls(item["archive"], item["sha256"], item["mode"], item["first"],
                   tuple(warc.Span.from_json(s) for s in item["spans"]), item["error"])


def read_archive(
    root: Any,
    landing_name: str,
    settings: Settings,
    part: ArchivePart,
    skip: set[tuple[str, str]] | None = None,
    skipped: list[str] | None = None,
    not_articles: Counter[str] | None = None,
    read: set[tuple[str, str]] | None = None,
) -> Iterator[Article]:
    """An article record per HTML response in ``part``'s spans, a quarantined record per span that should
    have been one and cannot be read; every other record only counted, by kind, in ``not_articles``.
    ``read`` collects (archive, sha256) of the archives whose records were read (not skipped)."""
    not_articles = Counter() if not_articles is None else not_articles
    rel, path = storage.from_file_key(root, part.key)
    real, code, detail = storage.resolve_inside(root, path)
    if real is None or part.error:
        rec = Article(record_id=record_id(rel), source_path=rel, landing_name=landing_name, kind="warc",
                      size_bytes=0, sha256="", warc_filename=rel)
        rec.reject(STAGE, code or "warc_unreadable", detail or part.error)
        yield rec
        return
    if (rel, part.sha256) in (skip or set()):
        if part.first and skipped is not None:
            skipped.append(rel)
        return
    if read is not None:
        read.add((rel, part.sha256))
    if part.first and not part.spans:
        rec = Article(record_id=record_id(rel), source_path=rel, landing_name=landing_name, kind="warc",
                      size_bytes=0, sha256=part.sha256, file_sha256=part.sha256, warc_filename=rel)
        rec.reject(STAGE, "empty", "the archive holds no WARC record")
        yield rec
        return
    yield from archive_records(rel, landing_name, settings, part.sha256,
                               warc.read_spans(real, part.mode, list(part.spans)), not_articles)


def archive_records(
    rel: str,
    landing_name: str,
    settings: Settings,
    archive_sha256: str,
    spans: Iterator[tuple[warc.Span, bytes]],
    not_articles: Counter[str],
) -> Iterator[Article]:
    """The records of an archive's framed spans (``read_archive``'s, or a streamed remote archive's: the
    CC-NEWS reader hands its spans here, so both sources make the same records)."""
    held: list[tuple[warc.Span, bytes]] = []  # a span read ahead (past a segmented record's continuations)
    while (item := held.pop() if held else next(spans, None)) is not None:
        span, data = item
        if span.warc_type and not span.is_response:  # requests, metadata, warcinfo, revisits: not pages
            not_articles[span.warc_type] += 1
            continue
        source = f"{rel}@{span.source}"
        rec = Article(record_id=record_id(source), source_path=source, landing_name=landing_name, kind="warc",
                      size_bytes=len(data), sha256="", file_sha256=archive_sha256, hint_format="html",
                      warc_filename=rel, warc_record_offset=span.offset, warc_record_length=span.length)
        try:
            if span.problem:
                raise ValueError(span.problem, span.detail)
            try:
                response = warc.parse_record(data, settings.max_decompressed_bytes)
            except ValueError as exc:
                if exc.args[0] != "warc_segmented":
                    raise
                segments = []  # its continuation records follow it (counted as such: they are records too)
                while (following := next(spans, None)) is not None:
                    if following[0].warc_type != "continuation" or following[0].problem:
                        held.append(following)
                        break
                    segments.append(following[1])
                    not_articles["continuation"] += 1
                whole = warc.reassemble(data, segments, settings.max_decompressed_bytes)
                response = warc.parse_record(whole, settings.max_decompressed_bytes)
        except ValueError as exc:
            rec.sha256 = hashlib.sha256(data).hexdigest()  # of the record's bytes: there is no page
            _provenance(rec, data)
            rec.reject(STAGE, *exc.args)
            yield rec
            continue
        rec.warc_record_id, rec.fetched_at = response.record_id, response.fetched_at
        rec.hint_url = rec.url = response.target_uri
        kind = warc.not_article_kind(response)
        if kind is not None:
            not_articles[kind] += 1
            continue
        rec.size_bytes, rec.sha256 = len(response.payload), hashlib.sha256(response.payload).hexdigest()
        rec.hint_charset = response.charset
        uri_problem = warc.web_uri_problem(response.target_uri)
        if uri_problem:
            rec.reject(STAGE, "warc_bad_target_uri", uri_problem)
        elif rec.size_bytes > settings.max_file_bytes:
            rec.reject(STAGE, "too_large", f"{rec.size_bytes} bytes > max_file_bytes {settings.max_file_bytes}")
        else:
            rec.raw = response.payload
        yield rec


def _provenance(rec: Article, data: bytes) -> None:
    """Whatever provenance the header of a record that cannot be read still gives (URL, id, fetch time)."""
    fields = warc.header_fields(data)
    rec.hint_url = rec.url = warc.target_uri(fields.get("warc-target-uri"))
    rec.warc_record_id = fields.get("warc-record-id") or None
    rec.fetched_at = warc.fetched_time(fields.get("warc-date"))
