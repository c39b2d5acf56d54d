"""The column table: every schema, row builder and the README's data dictionary come from it."""

import re
from dataclasses import fields
from datetime import UTC, datetime

import pytest
from paths import REPO

from newsflow.columns import (
    ARTICLES,
    COLUMNS,
    QUARANTINE,
    RECORD_FIELDS,
    STAGING,
    RunFacts,
    data_dictionary,
    data_dictionary_markdown,
    rows_table,
)
from newsflow.dedup.history import SIGNED_LEDGER as LEDGER
from newsflow.record import Article


@pytest.mark.parametrize("dataset", ["articles", "quarantine", "story_clusters"])
def test_readme_data_dictionary_is_the_column_table(dataset):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Data dictionary"):]
    start = section.index(f"`{dataset}` (one row per")
    table = re.search(r"^\| column \|.*?(?=\n\n)", section[start:], re.S | re.M).group(0)
    assert table.strip() == data_dictionary_markdown(dataset), (
        f"README's {dataset} data dictionary is out of date; paste:\n{data_dictionary_markdown(dataset)}")


def test_staging_schema_is_the_record():
    assert tuple(STAGING.names) == RECORD_FIELDS == tuple(f.name for f in fields(Article))
    assert all(name in COLUMNS for name in RECORD_FIELDS)


def test_every_column_has_a_description_and_the_layouts_name_known_columns():
    assert all(c.description for c in COLUMNS.values())
    assert [row[0] for row in data_dictionary("articles")] == ARTICLES.names
    assert [row[0] for row in data_dictionary("quarantine")] == QUARANTINE.names
    assert LEDGER.metadata[b"newsflow.minhash_scheme"]


def test_row_builders_fill_every_published_column():
    now = datetime(2024, 5, 1, tzinfo=UTC)
    ok = Article(record_id="r1", source_path="a.jsonl#L2", landing_name="l", kind="jsonl", size_bytes=10,
                 sha256="s1", file_sha256="f1", doc_id="d1", source="example.com", authors=["A"], language="en",
                 text="Body text.", normalized_text="body text", word_count=2, content_sha256="c1", minhash=[1, 2])
    bad = Article(record_id="r2", source_path="b.txt", landing_name="l", kind="txt", size_bytes=0, sha256="")
    bad.reject("ingest", "empty", "no content read")
    bad.reject("gate_raw", "empty")
    facts = RunFacts("manual__1", now)
    articles = rows_table("articles", [ok], facts).to_pylist()
    assert articles[0]["source_sha256"] == "s1" and articles[0]["source_bytes"] == 10
    assert articles[0]["run_id"] == "manual__1" and articles[0]["ingested_at"] == now
    (row,) = rows_table("quarantine", [bad], facts).to_pylist()
    assert row["stage"] == "ingest" and row["source_sha256"] is None
    assert row["reasons"] == ["ingest.empty: no content read", "gate_raw.empty"]
    assert row["reason_codes"] == ["ingest.empty", "gate_raw.empty"]
    ledger = rows_table("ledger", [ok, bad], facts, LEDGER).to_pylist()
    assert [(r["source_file"], r["file_sha256"], r["outcome"], r["minhash"]) for r in ledger] == [
        ("a.jsonl", "f1", "published", [1, 2]), ("b.txt", "", "quarantined", [])]
