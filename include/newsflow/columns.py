"""The column table: every column newsflow writes, once, with its type, meaning and how a record fills it.

Derived from it, and written nowhere else:

- ``STAGING``: the schema of the files tasks hand each other (one column per ``Article`` field, in the
  record's order; a field without an entry here fails at import);
- ``ARTICLES``, ``QUARANTINE``, ``STORY_CLUSTERS`` (the published contract), ``ledger`` (the run's processed
  landing records), ``processed`` and the dedup history's ``signatures`` and ``lsh_bands`` (Delta tables under
  ``_state``), each a layout of this table's columns with their nullability;
- ``rows_table(dataset, records, ...)``: the row builders;
- ``data_dictionary(dataset)``: the README's data dictionary (a test checks the README against it).

To add a published column: add a ``Column`` (with ``value`` when a record does not hold it under that
name) and its name to the dataset's layout; the README test then tells you what to paste.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from operator import attrgetter
from typing import Any

import pyarrow as pa

from newsflow.record import Article, source_file

TS = pa.timestamp("us", tz="UTC")
_REJECT = pa.struct([("stage", pa.string()), ("code", pa.string()), ("detail", pa.string())])


@dataclass(frozen=True)
class RunFacts:
    """What a row builder needs besides the record."""

    run_id: str
    ingested_at: datetime
    day: date | None = None  # the partition date


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    description: str
    # how a record fills it; default: the record's field of the same name
    value: Callable[[Article, RunFacts], Any] | None = None
    # the type in staging files when it differs (large strings: a batch of pages exceeds 2 GB offsets)
    staging_type: pa.DataType | None = None
    # the type in the ``_state`` Delta tables when it differs (Delta has no unsigned integers)
    state_type: pa.DataType | None = None

    def get(self, record: Article, run: RunFacts) -> Any:
        return self.value(record, run) if self.value else getattr(record, self.name)


def _field(name: str) -> Callable[[Article, RunFacts], Any]:
    getter = attrgetter(name)
    return lambda record, _run: getter(record)


_ENTRIES = [
    # identity and provenance, set at ingest
    Column("record_id", pa.string(), "Record id: sha256 of the landing path (and JSONL line), 24 hex chars"),
    Column("source_path", pa.string(),
           "Path of the landing file relative to the landing root (JSONL records: path#L<line>; WARC records: "
           "path@<record offset>)"),
    Column("landing_name", pa.string(), "Name of the landing folder (the source of plain-text files)"),
    Column("kind", pa.string(), "Landing format: txt, html, jsonl or warc (unknown when unsupported)"),
    Column("size_bytes", pa.int64(), "Size of the record's landing bytes"),
    Column("sha256", pa.string(), "sha256 of the record's landing bytes"),
    Column("file_sha256", pa.string(), "sha256 of the whole landing file (differs from the record's for JSONL lines)",
           value=lambda r, _run: r.file_sha256 or r.sha256),
    Column("raw", pa.large_binary(), "Landing bytes (dropped from staging once decoded)"),
    Column("hint_url", pa.string(), "URL given by the landing record (JSONL url)"),
    Column("hint_title", pa.string(), "Title given by the landing record (JSONL title)"),
    Column("hint_published", pa.string(), "Publication date given by the landing record (JSONL published)"),
    Column("hint_format", pa.string(), "Body format of a JSONL record: html or text"),
    Column("hint_charset", pa.string(), "Charset of a WARC response's HTTP Content-Type header"),
    Column("warc_filename", pa.string(),
           "WARC records: the archive's path relative to the landing root; null for other landing files"),
    Column("warc_record_offset", pa.int64(),
           "WARC records: byte offset of the record in the archive (of its gzip member when gzipped per record, "
           "as in Common Crawl's index; in the decompressed stream for whole-file gzip); null otherwise"),
    Column("warc_record_length", pa.int64(),
           "WARC records: length in bytes of the record at that offset (its gzip member when gzipped per "
           "record); null otherwise"),
    Column("warc_record_id", pa.string(), "WARC records: the WARC-Record-ID header; null otherwise"),
    Column("fetched_at", TS, "WARC records: when the crawler fetched the page (WARC-Date), UTC; null otherwise"),
    Column("decoded", pa.large_string(), "The landing bytes decoded to text"),
    Column("encoding", pa.string(), "Encoding used to decode, and how it was chosen when not declared"),
    # normalised content and metadata
    Column("doc_id", pa.string(),
           "Stable article id: sha256 of (canonical url or source path) and content_sha256, 32 hex chars"),
    Column("url", pa.string(), "URL the article was fetched from, when the landing record says"),
    Column("canonical_url", pa.string(), "rel=canonical / og:url of the page, else url"),
    Column("source", pa.string(), "Publisher domain (from the URL), or the landing folder's name for plain-text files"),
    Column("title", pa.string(), "Headline (JSON-LD headline, og:title, `<title>`); null for plain text"),
    Column("authors", pa.list_(pa.string()),
           "People credited as authors (no site names, staff or agency credits), each once, in byline order; "
           "empty when unknown",
           value=lambda r, _run: list(r.authors)),
    Column("site_name", pa.string(),
           "Publisher's name as the page states it (og:site_name, JSON-LD publisher, application-name, the "
           "`<title>` suffix); null when none. `source` is the domain"),
    Column("published_at", TS,
           "Publication time, UTC (the page's own zone and wording: published_raw); null when the page states none"),
    Column("published_raw", pa.string(), "The publication date as the page or record wrote it"),
    Column("published_at_source", pa.string(),
           "Where published_at came from, most trusted first: jsonld (schema.org JSON-LD), meta (a meta tag), "
           "time (`<time>` or date microdata in the markup), text (found in the page by htmldate; day only), "
           "url (a date in the URL; day only), record (the JSONL record's own field); null when no date"),
    Column("modified_at", TS,
           "Last modification time the page states (JSON-LD dateModified, article:modified_time, ...), UTC; "
           "null when none or when it precedes published_at"),
    Column("template_fingerprint", pa.string(),
           "HTML pages: hash of the page's structural skeleton (tag paths of the top levels under body, class "
           "names without digits), 16 hex chars; a publisher's redesign changes it; null for plain text"),
    Column("language", pa.string(), "ISO 639-1 code detected from the body text"),
    Column("text", pa.string(), "Clean body text; paragraphs separated by one blank line; no page furniture",
           staging_type=pa.large_string()),
    Column("normalized_text", pa.string(), "Tokens of text under the corpus rule, space separated",
           staging_type=pa.large_string()),
    Column("word_count", pa.int32(), "Number of whitespace-separated words in text"),
    Column("content_sha256", pa.string(), "sha256 of text (UTF-8); exact-duplicate key"),
    Column("boilerplate_phrases", pa.list_(pa.string()), "Page-furniture phrases found in the tokens"),
    Column("minhash", pa.list_(pa.uint64()), "MinHash signature of normalized_text (empty when not published)",
           value=lambda r, _run: r.minhash if not r.rejected else [], state_type=pa.list_(pa.int64())),
    Column("rejects", pa.list_(_REJECT), "Every reason the record cannot be published, in order",
           value=lambda r, _run: [{"stage": x.stage, "code": x.code, "detail": x.detail} for x in r.rejects]),
    # written by publish
    Column("source_sha256", pa.string(), "sha256 of the landing bytes (the JSONL line for JSONL records)",
           value=lambda r, _run: r.sha256 or None),
    Column("source_bytes", pa.int64(), "Size of the landing bytes", value=_field("size_bytes")),
    Column("run_id", pa.string(), "Airflow run that published the row", value=lambda _r, run: run.run_id),
    Column("ingested_at", TS, "When that run processed the row, UTC", value=lambda _r, run: run.ingested_at),
    Column("stage", pa.string(),
           "First step that rejected the record (ingest, gate_raw, normalise, gate_normalised, dedup)",
           value=lambda r, _run: r.rejects[0].stage),
    Column("reasons", pa.list_(pa.string()), "Every reason, as 'stage.code: detail'",
           value=lambda r, _run: [str(x) for x in r.rejects]),
    Column("reason_codes", pa.list_(pa.string()), "Every reason's 'stage.code', for grouping",
           value=lambda r, _run: [x.key for x in r.rejects]),
    Column("source_file", pa.string(), "The landing file the record came from (JSONL: without the line)",
           value=lambda r, _run: source_file(r)),
    Column("outcome", pa.string(), "published or quarantined; no_pages for a WARC archive read whole that held "
           "no page (only requests, metadata, redirects, ...): claimed so other dates skip it",
           value=lambda r, _run: "quarantined" if r.rejected else "published"),
    # the dedup history (dedup/history.py). Lookups filter on int64 keys (the first 64 bits of a hex digest):
    # integer filters are pushed down to row-group statistics whatever string encoding delta-rs chose for a
    # file. 64-bit bucket keys are stored as their int64 bit pattern, which equality lookups do not mind.
    Column("hash_key", pa.int64(), "First 64 bits of content_sha256, as int64 (exact-copy lookups)"),
    Column("doc_key", pa.int64(), "First 64 bits of doc_id, as int64 (signature lookups)"),
    Column("scheme", pa.string(), "How the MinHash signature was made (dedup/signature.py)"),
    Column("lsh_key", pa.int64(), "Names the signature scheme and band split the band keys were made with"),
    Column("band", pa.int16(), "LSH band number; -1: the exact-copy pseudo-band (bucket = hash_key)"),
    Column("bucket", pa.int64(), "The band's key (its signature values folded), as int64"),
    # the analysts' daily table (analyst/source_stats.py), derived from articles
    Column("articles", pa.int64(), "Articles published for the date"),
    Column("words", pa.int64(), "Sum of word_count over those articles"),
    Column("median_words", pa.float64(), "Median word_count of those articles"),
    # story clusters (dedup/clusters.py): the duplicates as data, one row per member
    Column("cluster_id", pa.string(),
           "The story cluster: doc_id of its first member, the published copy every other member was matched "
           "against (the same story keeps the same id across dates and reruns)"),
    Column("similarity", pa.float64(),
           "MinHash Jaccard estimate of this member's text against the first member's; 1.0 for the same text "
           "and for the first member itself"),
    Column("kept", pa.bool_(),
           "true: the first member, published in articles; false: a copy, quarantined as a dedup duplicate"),
    Column("first_date", pa.date32(),
           "The first member's partition date when it is not this row's date (the cluster started on another "
           "date; that member's row is repeated here); null when the cluster started on this date"),
    Column("date", pa.date32(), "Partition date: the day of the run that published the row (UTC), not the "
           "article's own publication time", value=lambda _r, run: run.day),
]
COLUMNS: dict[str, Column] = {c.name: c for c in _ENTRIES}
assert len(COLUMNS) == len(_ENTRIES), "a column is listed twice"

# Published and state layouts: column names in file order; "?" marks a nullable column.
LAYOUTS: dict[str, str] = {
    "articles": "doc_id url? canonical_url? source site_name? title? authors published_at? published_at_source? "
                "modified_at? language text normalized_text "
                "word_count content_sha256 source_path source_sha256 source_bytes run_id ingested_at "
                "warc_filename? warc_record_offset? warc_record_length? warc_record_id? fetched_at? "
                "template_fingerprint?",
    "quarantine": "source_path stage reasons reason_codes source_sha256? source_bytes doc_id? url? canonical_url? "
                  "source? site_name? title? authors? published_at? published_at_source? modified_at? language? text? "
                  "normalized_text? word_count? "
                  "content_sha256? run_id ingested_at "
                  "warc_filename? warc_record_offset? warc_record_length? warc_record_id? fetched_at?",
    # one row per story-cluster member (dedup/clusters.py)
    "story_clusters": "cluster_id doc_id kept similarity first_date? source? site_name? url? published_at? "
                      "fetched_at? source_path run_id",
    "ledger": "source_file? file_sha256? source_path? outcome? doc_id? content_sha256? minhash?",
    # the lake's table of processed landing records (one row per record, keyed by source_path + file_sha256)
    "processed": "source_file file_sha256 source_path outcome doc_id? content_sha256? run_id date",
    # the dedup history (dedup/history.py): signatures, and the LSH band index
    "signatures": "hash_key? doc_key? doc_id? content_sha256? source_path? scheme? minhash? date",
    "lsh_bands": "lsh_key? band? bucket? doc_key? date",
}
STATE_TABLES = ("processed", "signatures", "lsh_bands")
RECORDS = ("articles", "quarantine")  # every landing record ends in exactly one of these
CLUSTERS = "story_clusters"
PUBLISHED = (*RECORDS, CLUSTERS)  # the date-partitioned tables analysts read, committed in this order
# Tables derived from the published ones by DAGs scheduled on the partitioned asset (one date at a time).
LAYOUTS["source_stats"] = "source articles words median_words"
DERIVED = ("source_stats",)


def _layout(dataset: str) -> list[tuple[Column, bool]]:
    return [(COLUMNS[item.rstrip("?")], item.endswith("?")) for item in LAYOUTS[dataset].split()]


def schema(dataset: str, metadata: dict[bytes, bytes] | None = None) -> pa.Schema:
    state = dataset in STATE_TABLES
    return pa.schema([pa.field(c.name, (c.state_type if state else None) or c.type, nullable=nullable)
                      for c, nullable in _layout(dataset)], metadata=metadata)


ARTICLES = schema("articles")
QUARANTINE = schema("quarantine")
STORY_CLUSTERS = schema(CLUSTERS)
SCHEMAS = {"articles": ARTICLES, "quarantine": QUARANTINE, CLUSTERS: STORY_CLUSTERS}
# The record as staged between tasks: every Article field, in the record's order.
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
STAGING = pa.schema([(name, COLUMNS[name].staging_type or COLUMNS[name].type) for name in RECORD_FIELDS])


def table_schema(dataset: str) -> pa.Schema:
    """A published dataset as a Delta table: its contract plus the ``date`` partition column."""
    return schema(dataset).append(pa.field("date", pa.date32(), nullable=False))


def rows_table(dataset: str, records: Sequence[Article], run: RunFacts, schema_: pa.Schema | None = None) -> pa.Table:
    """The rows of ``dataset`` for ``records``, column-wise (one list per column)."""
    schema_ = schema_ or schema(dataset)
    columns = {c.name: [c.get(r, run) for r in records] for c, _ in _layout(dataset)}
    return pa.Table.from_pydict(columns, schema=schema_)


def _type_name(type_: pa.DataType) -> str:
    if type_ == TS:
        return "timestamp[us, UTC]"
    if pa.types.is_list(type_):
        return f"list<{_type_name(type_.value_type)}>"
    return str(type_)


def data_dictionary(dataset: str) -> list[tuple[str, str, str, str]]:
    """(column, type, null, meaning) rows, as the README's data dictionary shows them."""
    return [(c.name, _type_name(c.type), "yes" if nullable else "no", c.description)
            for c, nullable in _layout(dataset)]


def data_dictionary_markdown(dataset: str) -> str:
    rows = ["| column | type | null | meaning |", "|---|---|---|---|"]
    rows += [f"| `{name}` | {type_} | {null} | {meaning} |" for name, type_, null, meaning in data_dictionary(dataset)]
    return "\n".join(rows)
