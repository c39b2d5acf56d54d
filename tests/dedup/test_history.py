"""What the lake holds, asked without loading its history: processed records, dedup candidates."""

import hashlib
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from helpers import seed_text

from newsflow.dedup.history import EXACT_BAND, history_rows, known_candidates
from newsflow.dedup.signature import SIGNATURE_SCHEME, signature
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.lake.processed import processed_elsewhere
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
    signatures, bands = signatures.read_all(), bands.read_all()
    assert set(signatures.column("scheme").to_pylist()) == {None}
    assert bands.column("band").to_pylist() == [EXACT_BAND, EXACT_BAND], "exact-copy rows only, no LSH bands"
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


def test_key_set_answers_membership_exactly():
    from newsflow.dedup.history import _KeySet

    rng = np.random.default_rng(3)
    keys = rng.integers(-(1 << 63), (1 << 63) - 1, size=5000, dtype=np.int64)
    probes = np.concatenate([rng.integers(-(1 << 63), (1 << 63) - 1, size=200_000, dtype=np.int64), keys[::7],
                             keys[:50] ^ 1 << 40])  # same low bits as a key, another value: a bitmap hit only
    assert np.array_equal(_KeySet(keys).contains(probes), np.flatnonzero(np.isin(probes, keys)))
    assert _KeySet(keys[:0]).contains(probes).size == 0


def test_candidates_from_the_index_equal_a_scan_of_the_whole_history(tmp_path):
    """Three dates of synthetic history; a run holding exact copies, near copies and new documents: the
    index lookup returns exactly the documents of other dates that share a content hash or an LSH bucket
    with the run (what comparing with the whole history would consider), in ``find_duplicates``' order."""

    from newsflow.dedup.bands import band_keys, band_split
    from newsflow.dedup.history import SIGNED_LEDGER as LEDGER
    from newsflow.dedup.history import write_history

    settings, lake = Settings(), Lake(tmp_path / "lake")
    rng = np.random.default_rng(5)
    history = {}
    for d in range(3):
        day = date(2024, 6, 1 + d)
        matrix = rng.integers(0, 1 << 32, size=(200, 128), dtype=np.uint64)
        ids = [hashlib.sha256(f"{d} {i}".encode()).hexdigest()[:32] for i in range(200)]  # like doc ids
        hashes = [hashlib.sha256(f"text {d} {i}".encode()).hexdigest() for i in range(200)]
        write_history(lake, pa.table({"source_file": ids, "file_sha256": ids, "source_path": [f"p/{x}" for x in ids],
                                      "outcome": ["published"] * 200, "doc_id": ids, "content_sha256": hashes,
                                      "minhash": pa.array(matrix.tolist(), pa.list_(pa.uint64()))}, schema=LEDGER),
                      day, "t", settings)
        history[day] = (ids, hashes, matrix.astype(np.uint32))
    run_day = date(2024, 6, 3)  # the run reruns the last date: its own rows are not candidates
    run = rng.integers(0, 1 << 32, size=(60, 128), dtype=np.uint64).astype(np.uint32)
    run_hashes = [hashlib.sha256(f"run text {i}".encode()).hexdigest() for i in range(60)]
    run[:10, :100] = history[date(2024, 6, 1)][2][:10, :100]  # near copies
    run_hashes[10:15] = history[date(2024, 6, 2)][1][:5]  # exact copies
    run[15:18] = history[run_day][2][:3]  # copies of the date being rerun
    run_hashes[18] = history[run_day][1][5]
    known = known_candidates(lake, run_day, run_hashes, run, np.ones(60, bool), settings)

    bands, rows = band_split(128, settings.near_duplicate_threshold)
    run_keys = band_keys(run, bands, rows)
    expected = []
    for day, (ids, hashes, matrix) in sorted(history.items()):
        if day == run_day:
            continue
        keys = band_keys(matrix, bands, rows)
        for i in sorted(range(len(ids)), key=lambda i: f"p/{ids[i]}"):
            if hashes[i] in run_hashes or any(np.isin(keys[i, b], run_keys[:, b]) for b in range(bands)):
                expected.append(ids[i])
    assert len(expected) == 15
    assert [d.doc_id for d in known] == expected  # date, then source path
    assert all(d.minhash is not None and d.where.endswith(")") for d in known)


def test_history_rows_stream_signatures_sorted_by_document_key():
    """The signatures come as a stream of small row groups, in doc-key order, each row's list equal to its
    ledger signature; rows that are not published, or lack a signature, are handled as before."""
    from newsflow.dedup.bands import band_split
    from newsflow.dedup.history import SIGNATURE_ROW_GROUP, hex_key
    from newsflow.dedup.history import SIGNED_LEDGER as LEDGER

    rng = np.random.RandomState(3)
    n = SIGNATURE_ROW_GROUP * 2 + 7
    ids = [f"{rng.randint(0, 1 << 62):016x}{i:048x}" for i in range(n)]
    matrix = rng.randint(0, 1 << 32, (n, 128), dtype=np.uint64)
    outcome = ["published" if i % 5 else "quarantined" for i in range(n)]
    minhash = [None if i % 7 == 3 else row.tolist() for i, row in enumerate(matrix)]
    ledger = pa.table({"source_file": ids, "file_sha256": ids, "source_path": [f"p/{x}" for x in ids],
                       "outcome": outcome, "doc_id": ids, "content_sha256": ids,
                       "minhash": pa.array(minhash, pa.list_(pa.uint64()))}, schema=LEDGER)
    signatures, bands = history_rows(ledger, D1, Settings())
    groups, bands = list(signatures), bands.read_all()
    assert all(g.num_rows <= SIGNATURE_ROW_GROUP for g in groups)
    got = pa.Table.from_batches(groups)
    published = [i for i in range(n) if outcome[i] == "published"]
    assert got.column("doc_key").to_pylist() == sorted(hex_key([ids[i] for i in published]).tolist())
    by_id = {ids[i]: minhash[i] for i in published}
    assert dict(zip(got.column("doc_id").to_pylist(), got.column("minhash").to_pylist(), strict=True)) == by_id
    signed = sum(1 for i in published if minhash[i] is not None)
    band_count = band_split(128, Settings().near_duplicate_threshold)[0]
    assert bands.num_rows == len(published) + signed * band_count  # an exact row each, LSH rows if signed
    keys = list(zip(bands.column("band").to_pylist(), bands.column("bucket").to_pylist(), strict=True))
    assert keys == sorted(keys), "by band, then bucket"
    assert set(got.column("date").to_pylist()) == {D1}
