"""The three expectation suites: raw (after ingest), normalised (after
normalise + dedup) and output (the staged Parquet about to be published).

Each suite validates a small frame of per-record facts; big text columns stay
out of GX so its results (kept in the lake) stay readable.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from newsflow.gates.runner import Check
from newsflow.ingest.landing import KINDS, SUFFIXES_TEXT
from newsflow.record import Article, is_html
from newsflow.settings import Settings

RAW, NORMALISED, OUTPUT = "gate_raw", "gate_normalised", "gate_output"


def raw_frame(records: list[Article], decoded_chars: list[int] | None = None) -> Any:
    """``decoded_chars``: the decoded lengths when the records were read without their pages."""
    import pandas as pd

    if decoded_chars is None:
        decoded_chars = [len(r.decoded) if r.decoded is not None else 0 for r in records]

    return pd.DataFrame(
        {
            "record_id": [r.record_id for r in records],
            "kind": [r.kind for r in records],
            "size_bytes": [r.size_bytes for r in records],
            "decoded_chars": decoded_chars,
            "ingest_error": [next((x.code for x in r.rejects if x.stage == "ingest"), None) for r in records],
            "readable": [not any(x.stage == "ingest" for x in r.rejects) for r in records],
        }
    )


def raw_checks(settings: Settings) -> list[Check]:
    return [
        Check("ExpectColumnValuesToBeUnique", {"column": "record_id"}, "duplicate_record_id", "batch"),
        Check("ExpectColumnValuesToBeInSet", {"column": "kind", "value_set": list(KINDS)},
              "unsupported_type", detail=f"not {SUFFIXES_TEXT}"),
        Check("ExpectColumnValuesToBeBetween",
              {"column": "size_bytes", "min_value": settings.min_file_bytes, "max_value": settings.max_file_bytes},
              "size_out_of_bounds", detail=f"size outside {settings.min_file_bytes}..{settings.max_file_bytes} bytes"),
        Check("ExpectColumnValuesToBeNull", {"column": "ingest_error"}, "not_readable",
              detail="bytes could not be read and decoded as text"),
        Check("ExpectColumnValuesToBeBetween", {"column": "decoded_chars", "min_value": 1}, "empty",
              detail="no text after decoding", where=("readable", True)),
    ]


def normalised_frame(records: list[Article]) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "record_id": [r.record_id for r in records],
            "doc_id": [r.doc_id for r in records],
            "live": [not r.rejected for r in records],
            "is_html": [is_html(r) for r in records],
            "text_chars": [len(r.text or "") for r in records],
            "title": [r.title for r in records],
            "published_at": pd.to_datetime([r.published_at for r in records], utc=True),
            "date_unparseable": [bool(r.published_raw) and r.published_at is None for r in records],
            "language": [r.language for r in records],
            "boilerplate_phrase": [r.boilerplate_phrases[0] if r.boilerplate_phrases else None for r in records],
        }
    )


def normalised_checks(settings: Settings, reference: datetime, languages: list[str]) -> list[Check]:
    latest = (reference + timedelta(days=settings.future_grace_days)).isoformat()
    return [
        Check("ExpectColumnValuesToBeBetween",
              {"column": "text_chars", "min_value": settings.min_text_chars, "max_value": settings.max_text_chars},
              "text_length", detail=f"body text outside {settings.min_text_chars}..{settings.max_text_chars} chars"),
        Check("ExpectColumnValuesToNotBeNull", {"column": "title"}, "missing_title",
              detail="HTML page without a title", where=("is_html", True)),
        Check("ExpectColumnValuesToBeInSet", {"column": "date_unparseable", "value_set": [False]},
              "unparseable_date", detail="a publication date was given but cannot be parsed"),
        Check("ExpectColumnValuesToBeBetween", {"column": "published_at", "max_value": latest},
              "published_in_future", detail=f"published after {latest} (run date + grace)"),
        Check("ExpectColumnValuesToBeInSet", {"column": "language", "value_set": languages},
              "unknown_language", detail="language not allowed"),
        # GX's in-set check passes nulls: an undetected language needs its own check
        Check("ExpectColumnValuesToNotBeNull", {"column": "language"}, "unknown_language",
              detail="language not detected"),
        Check("ExpectColumnValuesToBeNull", {"column": "boilerplate_phrase"}, "boilerplate_phrase",
              detail="page furniture leaked into the body text"),
        # Uniqueness of doc_id is checked on the output (gate_output), after dedup: before it, exact
        # duplicates of one article legitimately share a doc_id, possibly across batches.
        Check("ExpectColumnValuesToNotBeNull", {"column": "doc_id"}, "missing_doc_id", "batch"),
    ]


def output_frame(articles_table: Any, quarantine_table: Any) -> Any:
    """One row per output row of either dataset: enough to check the contract and reconcile counts."""
    import pandas as pd

    art = articles_table.select(["doc_id", "source_path", "word_count", "language", "content_sha256"]).to_pandas()
    art["dataset"] = "articles"
    quar = quarantine_table.select(["source_path"]).to_pandas()
    quar["dataset"] = "quarantine"
    frame = pd.concat([art, quar], ignore_index=True)
    frame.insert(0, "row_key", [f"{d}:{p}" for d, p in zip(frame["dataset"], frame["source_path"], strict=True)])
    return frame


def output_checks(expected_articles: int, expected_quarantine: int, languages: list[str]) -> list[Check]:
    """``expected_*``: what the steps counted on the way (ingested minus quarantined), not what was written."""
    articles = ("dataset", "articles")
    return [
        Check("ExpectTableRowCountToEqual", {"value": expected_articles}, "row_count_reconciliation", "batch",
              detail="articles staged = ingested - quarantined", where=articles),
        Check("ExpectTableRowCountToEqual", {"value": expected_quarantine}, "row_count_reconciliation", "batch",
              detail="quarantine rows staged = records quarantined", where=("dataset", "quarantine")),
        Check("ExpectColumnValuesToBeUnique", {"column": "row_key"}, "duplicate_output_row", "batch"),
        Check("ExpectColumnValuesToBeUnique", {"column": "doc_id"}, "duplicate_doc_id", "batch", where=articles),
        Check("ExpectColumnValuesToNotBeNull", {"column": "content_sha256"}, "missing_hash", "batch", where=articles),
        Check("ExpectColumnValuesToBeBetween", {"column": "word_count", "min_value": 1}, "empty_article", "batch",
              where=articles),
        Check("ExpectColumnValuesToBeInSet", {"column": "language", "value_set": languages},
              "unknown_language", "batch", where=articles),
        Check("ExpectColumnDistinctValuesToBeInSet", {"column": "dataset", "value_set": ["articles", "quarantine"]},
              "unknown_dataset", "batch"),
    ]
