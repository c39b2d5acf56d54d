"""What the lake holds, asked without loading its history: processed records, dedup candidates."""

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from helpers import seed_text
from newsflow.dedup.signature import SIGNATURE_SCHEME, signature
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.lake.ledger import history_rows, known_candidates, processed_elsewhere
from newsflow.pipeline import RunContext, run_all
from newsflow.settings import Settings
from newsflow.text.tokens import normalize_text

D1, D2 = date(2024, 5, 1), date(2024, 5, 2)


def _publish(landing, lake, day=D1, run_id="manual__1"):
    return run_all(RunContext.create(str(landing), str(lake), day.isoformat(), run_id))


def _signed(texts):
    settings = Settings()
    return np.array([signature(normalize_text(t), settings) for t in texts]), np.ones(len(texts), dtype=bool)


def test_processed_records_of_other_dates(landing, tmp_path):
    lake = tmp_path / "lake"
    _publish(landing, lake)
    assert len(processed_elsewhere(Lake(lake), D2)) == 3
    assert processed_elsewhere(Lake(lake), D1) == set(), "a date's own rows are ignored on rerun"


def test_a_file_with_new_content_under_a_known_path_is_published_by_the_later_date(tmp_path):
    from helpers import article_html, story_paragraphs

    landing, lake = tmp_path / "landing", tmp_path / "lake"
    landing.mkdir()
    (landing / "page.html").write_text(article_html("First story", story_paragraphs(1)), encoding="utf-8")
    assert _publish(landing, lake)["articles"] == 1
    (landing / "page.html").write_text(article_html("Second story", story_paragraphs(2)), encoding="utf-8")
    later = _publish(landing, lake, D2, "manual__2")
    assert (later["articles"], later["skipped_already_processed"]) == (1, 0)
    titles = tables.read(Lake(lake).table("articles"), columns=["title", "date"]).sort_by("date").to_pylist()
    assert [(t["title"], t["date"]) for t in titles] == [("First story", D1), ("Second story", D2)]


def test_candidates_come_from_hash_and_band_lookups_only(landing, tmp_path):
    lake = tmp_path / "lake"
    _publish(landing, lake)
    known = {d.doc_id: d for d in known_candidates(Lake(lake), D2, [], *_signed([seed_text("002")]), Settings())}
    (doc,) = known.values()  # 002's near copy: only 002 shares a bucket (not 000, not the quarantined 001)
    assert doc.minhash is not None and len(doc.minhash) == 128 and "(date=2024-05-01)" in doc.where
    unrelated = known_candidates(Lake(lake), D2, [], *_signed(["An unrelated story about rain in Lisbon. " * 20]),
                                 Settings())
    assert unrelated == []
    articles = tables.read(Lake(lake).table("articles"))
    exact = known_candidates(Lake(lake), D2, articles.column("content_sha256").to_pylist(),
                             np.zeros((0, 128), np.uint32), np.zeros(0, bool), Settings())
    assert len(exact) == 2
    assert known_candidates(Lake(lake), D1, articles.column("content_sha256").to_pylist(),
                            np.zeros((0, 128), np.uint32), np.zeros(0, bool), Settings()) == []


def test_signatures_of_another_scheme_are_used_for_exact_checks_only(landing, tmp_path):
    lake = tmp_path / "lake"
    _publish(landing, lake)
    ledger = tables.read(Lake(lake).table("signatures"))
    staged = pa.table({"source_file": ledger.column("source_path"), "file_sha256": ledger.column("doc_id"),
                       "source_path": ledger.column("source_path"), "outcome": pa.array(["published"] * 2),
                       "doc_id": ledger.column("doc_id"), "content_sha256": ledger.column("content_sha256"),
                       "minhash": ledger.column("minhash").cast(pa.list_(pa.uint64()))})
    signatures, bands = history_rows(staged, D1, Settings())  # no scheme recorded: an older release's
    assert bands.num_rows == 0 and set(signatures.column("scheme").to_pylist()) == {None}
    tables.replace_date(Lake(lake).table("signatures"), signatures, D1, "older")
    tables.replace_date(Lake(lake).table("lsh_bands"), bands, D1, "older")
    exact = known_candidates(Lake(lake), D2, signatures.column("content_sha256").to_pylist(),
                             *_signed([seed_text("002")]), Settings())
    assert len(exact) == 2 and all(d.minhash is None for d in exact)


def test_the_staged_ledger_records_its_signature_scheme(landing, tmp_path):
    from newsflow import pipeline

    ctx = RunContext.create(str(landing), str(tmp_path / "lake"), D1.isoformat(), "manual__1")
    for batch in pipeline.plan(ctx):
        pipeline.run_batch(ctx, batch)
    pipeline.dedup(ctx)
    pipeline.stage_output(ctx)
    metadata = pq.read_schema(ctx.run.staged_ledger).metadata
    assert metadata[b"newsflow.minhash_scheme"].decode() == SIGNATURE_SCHEME
