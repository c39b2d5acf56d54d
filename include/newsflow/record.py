"""The one data unit every stage passes along (a small article record), and the facts read off it.

The types of its fields, as staged between tasks, are in ``columns.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Reject:
    """Why a record cannot be published: which stage said so, a stable code, a human detail."""

    stage: str
    code: str
    detail: str = ""

    @property
    def key(self) -> str:
        """``stage.code``: what reports and the quarantine's ``reason_codes`` group by."""
        return f"{self.stage}.{self.code}"

    def __str__(self) -> str:
        return f"{self.key}: {self.detail}" if self.detail else self.key


@dataclass
class Article:
    # identity and provenance (set at ingest)
    record_id: str
    source_path: str
    landing_name: str
    kind: str  # "txt" | "html" | "jsonl" | "warc"
    size_bytes: int
    sha256: str
    file_sha256: str = ""  # the landing file's hash (differs from sha256 for JSONL lines)
    raw: bytes | None = None
    # hints carried by the source itself (JSONL fields)
    hint_url: str | None = None
    hint_title: str | None = None
    hint_published: str | None = None
    hint_format: str | None = None  # "html" | "text" for JSONL records
    hint_charset: str | None = None  # the HTTP Content-Type charset of a WARC response
    # provenance of a WARC record (Common Crawl index fields); None for other landing files
    warc_filename: str | None = None
    warc_record_offset: int | None = None
    warc_record_length: int | None = None
    warc_record_id: str | None = None
    fetched_at: datetime | None = None
    # decoding
    decoded: str | None = None
    encoding: str | None = None
    # normalised content and metadata
    doc_id: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    source: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    published_raw: str | None = None
    published_at_source: str | None = None  # jsonld | meta | time | text | url | record
    modified_at: datetime | None = None
    site_name: str | None = None
    template_fingerprint: str | None = None  # HTML pages: the page's skeleton, hashed (extract/template.py)
    language: str | None = None
    text: str | None = None
    normalized_text: str | None = None
    word_count: int | None = None
    content_sha256: str | None = None
    boilerplate_phrases: list[str] = field(default_factory=list)
    minhash: list[int] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.rejects)

    def reject(self, stage: str, code: str, detail: str = "") -> None:
        reason = Reject(stage, code, detail)
        if reason not in self.rejects:
            self.rejects.append(reason)


def is_html(record: Article) -> bool:
    """Whether the record's body is HTML (an .html file, a WARC response, a JSONL record carrying html)."""
    return record.kind in ("html", "warc") or (record.kind == "jsonl" and record.hint_format == "html")


def source_file(record: Article) -> str:
    """The landing file a record came from (JSONL records carry a line suffix, WARC records an offset)."""
    if record.kind == "jsonl" and "#L" in record.source_path:
        return record.source_path.rsplit("#L", 1)[0]
    if record.kind == "warc" and record.warc_filename is not None:
        return record.warc_filename
    return record.source_path
