"""The published contract: column names, types and order of both datasets."""

from __future__ import annotations

import pyarrow as pa

TS = pa.timestamp("us", tz="UTC")

ARTICLES = pa.schema(
    [
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("source", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("authors", pa.list_(pa.string()), nullable=False),
        pa.field("published_at", TS),
        pa.field("language", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
        pa.field("normalized_text", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("content_sha256", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("source_sha256", pa.string(), nullable=False),
        pa.field("source_bytes", pa.int64(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("ingested_at", TS, nullable=False),
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reasons", pa.list_(pa.string()), nullable=False),
        pa.field("reason_codes", pa.list_(pa.string()), nullable=False),
        pa.field("source_sha256", pa.string()),
        pa.field("source_bytes", pa.int64(), nullable=False),
        pa.field("doc_id", pa.string()),
        pa.field("url", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("source", pa.string()),
        pa.field("title", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("published_at", TS),
        pa.field("language", pa.string()),
        pa.field("text", pa.string()),
        pa.field("normalized_text", pa.string()),
        pa.field("word_count", pa.int32()),
        pa.field("content_sha256", pa.string()),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("ingested_at", TS, nullable=False),
    ]
)

SCHEMAS = {"articles": ARTICLES, "quarantine": QUARANTINE}

# What analysts see in the README's data dictionary; a test keeps the two in step.
DESCRIPTIONS = {
    "doc_id": "Stable article id: sha256 of (canonical url or source path) and content_sha256, 32 hex chars",
    "url": "URL the article was fetched from, when the landing record says",
    "canonical_url": "rel=canonical / og:url of the page, else url",
    "source": "Publisher domain (from the URL), or the landing folder's name for plain-text files",
    "title": "Headline (JSON-LD headline, og:title, <title>); null for plain text",
    "authors": "People credited as authors, in page order; empty when unknown",
    "published_at": "Publication time, UTC; null when the page states none",
    "language": "ISO 639-1 code detected from the body text",
    "text": "Clean body text; paragraphs separated by one blank line; no page furniture",
    "normalized_text": "Tokens of text under the corpus rule (lowercase, ASCII apostrophes deleted, [a-z]+ runs, NLTK stop words dropped), space separated",
    "word_count": "Number of whitespace-separated words in text",
    "content_sha256": "sha256 of text (UTF-8); exact-duplicate key",
    "source_path": "Path of the landing file relative to the landing root (JSONL records: path#L<line>)",
    "source_sha256": "sha256 of the landing bytes (the JSONL line for JSONL records)",
    "source_bytes": "Size of the landing bytes",
    "run_id": "Airflow run that published the row",
    "ingested_at": "When that run processed the row, UTC",
    "stage": "First stage that rejected the record (ingest, gate_raw, normalise, dedup, gate_normalised)",
    "reasons": "Every reason, as 'stage.code: detail'",
    "reason_codes": "Every reason's 'stage.code', for grouping",
}
