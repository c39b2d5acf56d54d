"""What the lake already holds, asked without loading its history:

- which landing records other dates processed (``_state/processed``), so a run skips them;
- which published documents of other dates a run's documents may duplicate: exact candidates by content
  hash, near candidates through the LSH band index (``_state/lsh_bands``: only the buckets the run's own
  documents fall into are read), their signatures from ``_state/signatures``.

A date's own rows are ignored when that date reruns: the rerun replaces them.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsflow.columns import schema
from newsflow.dedup.find import KnownDoc, band_keys, band_split
from newsflow.dedup.signature import SIGNATURE_SCHEME, signature_column
from newsflow.lake import tables
from newsflow.lake.layout import Lake, day_folder
from newsflow.settings import Settings

LOGGER = logging.getLogger(__name__)
SCHEME_KEY = b"newsflow.minhash_scheme"
# the staged ledger: one row per record of the run (the processed rows, plus signatures for history)
LEDGER = schema("ledger", metadata={SCHEME_KEY: SIGNATURE_SCHEME})
PROCESSED = schema("processed")
# Lookups filter on int64 keys (the first 64 bits of a hex digest): integer filters are pushed down to
# row-group statistics whatever string encoding delta-rs chose for a file; the strings are checked after.
SIGNATURES = pa.schema([("hash_key", pa.int64()), ("doc_key", pa.int64()), ("doc_id", pa.string()),
                        ("content_sha256", pa.string()), ("source_path", pa.string()),
                        ("scheme", pa.string()), ("minhash", pa.list_(pa.int64())),
                        pa.field("date", pa.date32(), nullable=False)])
# Delta has no unsigned types: 32-bit signature values are stored as int64, 64-bit bucket keys as their
# int64 bit pattern (``_as_int64``), which equality lookups do not mind.
BANDS = pa.schema([("lsh_key", pa.int64()), ("band", pa.int16()), ("bucket", pa.int64()), ("doc_key", pa.int64()),
                   pa.field("date", pa.date32(), nullable=False)])
# Signature rows are looked up by doc_key: sorted by it, in small row groups, a lookup reads a few groups.
SIGNATURE_ROW_GROUP = 512


def _as_int64(keys: np.ndarray) -> np.ndarray:
    return keys.view(np.int64)


def hex_key(values: list[str | None]) -> np.ndarray:
    """The first 64 bits of each hex digest, as int64 (0 for a missing one)."""
    return np.array([int(v[:16], 16) if v else 0 for v in values], dtype=np.uint64).view(np.int64)


def lsh_key(settings: Settings) -> int:
    """Names how band keys were made (signature scheme and band split), as an int64: a lake written with
    other LSH settings is not queried for near copies."""
    import hashlib

    bands, rows = band_split(settings.minhash_permutations, settings.near_duplicate_threshold)
    return int(hex_key([hashlib.sha256(f"{SIGNATURE_SCHEME}/b{bands}r{rows}".encode()).hexdigest()])[0])


def _other_dates(day: date):
    return pc.field("date") != pa.scalar(day, pa.date32())


def processed_elsewhere(lake: Lake, day: date) -> set[tuple[str, str]]:
    """(landing file, sha256) pairs that other dates processed."""
    table = tables.read(lake.table("processed"), columns=["source_file", "file_sha256"], filter=_other_dates(day))
    if table is None:
        return set()
    return set(zip(table.column("source_file").to_pylist(), table.column("file_sha256").to_pylist()))


def owned_elsewhere(lake: Lake, day: date, records: list[tuple[str, str]]) -> set[str]:
    """Which of these (source_path, file_sha256) records another date holds in ``_state/processed`` (after
    this date's claim). Keyed like the claim: a landing file with new content under a known path is this
    date's to publish."""
    if not records:
        return set()
    wanted = set(records)
    paths = pa.array(sorted({path for path, _ in records}), pa.string())
    table = tables.read(lake.table("processed"), columns=["source_path", "file_sha256"],
                        filter=_other_dates(day) & pc.field("source_path").isin(paths))
    if table is None:
        return set()
    held = zip(table.column("source_path").to_pylist(), table.column("file_sha256").to_pylist())
    return {path for path, sha in held if (path, sha) in wanted}


def history_rows(ledger: pa.Table, day: date, settings: Settings) -> tuple[pa.Table, pa.Table]:
    """(signatures, band index rows) of a run's published documents, from its staged ledger."""
    published = ledger.filter(pc.and_(pc.equal(ledger.column("outcome"), "published"),
                                      pc.is_valid(ledger.column("content_sha256"))))
    num_perm = settings.minhash_permutations
    matrix, signed = signature_column(published.column("minhash"), num_perm)
    days = pa.array([day] * published.num_rows, pa.date32())
    scheme = (ledger.schema.metadata or {}).get(SCHEME_KEY, b"").decode() or None
    doc_ids = published.column("doc_id").to_pylist()
    hashes = published.column("content_sha256").to_pylist()
    order = np.argsort(hex_key(doc_ids), kind="stable")  # by doc key: row groups prune on lookups
    published, matrix, signed = published.take(order), matrix[order], signed[order]
    doc_ids, hashes = [doc_ids[i] for i in order], [hashes[i] for i in order]
    signatures = pa.table({
        "hash_key": hex_key(hashes), "doc_key": hex_key(doc_ids),
        "doc_id": published.column("doc_id"), "content_sha256": published.column("content_sha256"),
        "source_path": published.column("source_path"), "scheme": pa.array([scheme] * published.num_rows, pa.string()),
        "minhash": pa.array([row.tolist() if ok else None for row, ok in zip(matrix, signed)], pa.list_(pa.int64())),
        "date": days}, schema=SIGNATURES)
    bands, rows = band_split(num_perm, settings.near_duplicate_threshold)
    comparable = signed & (scheme == SIGNATURE_SCHEME)
    keys = _as_int64(band_keys(matrix[comparable], bands, rows))
    doc_keys = hex_key(doc_ids)[comparable]
    n = len(doc_keys)
    order = np.lexsort((keys.T.reshape(-1), np.repeat(np.arange(bands), n)))  # by band, then bucket: row groups prune
    band_table = pa.table({
        "lsh_key": pa.array(np.full(n * bands, lsh_key(settings), dtype=np.int64)),
        "band": pa.array(np.repeat(np.arange(bands, dtype=np.int16), n)[order]),
        "bucket": pa.array(keys.T.reshape(-1)[order]),
        "doc_key": pa.array(np.tile(doc_keys, bands)[order]),
        "date": pa.array([day] * (n * bands), pa.date32())}, schema=BANDS)
    return signatures, band_table


def known_candidates(lake: Lake, day: date, content_hashes: list[str], run_signatures: np.ndarray,
                     signed: np.ndarray, settings: Settings) -> list[KnownDoc]:
    """Published documents of other dates that could duplicate the run's: same content hash, or sharing
    an LSH bucket with one of the run's signatures. Oldest date first, then by source path (the order
    ``find_duplicates`` gives references in)."""
    bands, rows = band_split(settings.minhash_permutations, settings.near_duplicate_threshold)
    doc_keys: set[int] = set()
    if signed.any():
        keys = _as_int64(band_keys(run_signatures[signed], bands, rows))
        band_rows = tables.read(lake.table("lsh_bands"), columns=["band", "bucket", "doc_key"],
                                filter=_other_dates(day) & (pc.field("lsh_key") == lsh_key(settings))
                                & pc.field("bucket").isin(pa.array(np.unique(keys))))
        if band_rows is not None and band_rows.num_rows:
            run_pairs = {(band, int(key)) for band in range(bands) for key in np.unique(keys[:, band])}
            for band, bucket, doc_key in zip(*(band_rows.column(c).to_pylist() for c in ("band", "bucket", "doc_key"))):
                if (band, bucket) in run_pairs:
                    doc_keys.add(doc_key)
    # exact copies: key columns only, then the documents' full rows by doc key (a few row groups each)
    hashes = {h for h in content_hashes if h}
    if hashes:
        # 64-bit keys only (no hash strings read for the whole history); a key collision merely adds a
        # candidate, which the comparison rejects on the full hash
        same = tables.read(lake.table("signatures"), columns=["doc_key"],
                           filter=_other_dates(day) & pc.field("hash_key").isin(pa.array(np.unique(hex_key(sorted(hashes))))))
        if same is not None:
            doc_keys.update(same.column("doc_key").to_pylist())
    if not doc_keys:
        return []
    found = tables.read(lake.table("signatures"),
                        filter=_other_dates(day) & pc.field("doc_key").isin(pa.array(sorted(doc_keys), pa.int64())))
    if found is None or not found.num_rows:
        return []
    found = found.sort_by([("date", "ascending"), ("source_path", "ascending"), ("doc_id", "ascending")])
    matrix, ok = signature_column(found.column("minhash"), settings.minhash_permutations)
    schemes = found.column("scheme").to_pylist()
    unknown = {s for s in schemes if s != SIGNATURE_SCHEME}
    if unknown:
        LOGGER.warning("documents with MinHash signatures of another scheme (%s): near-duplicate checks against "
                       "them are skipped, exact ones still run", ", ".join(sorted(map(str, unknown))))
    docs = []
    for i, (doc_id, content, where, day_) in enumerate(zip(
            found.column("doc_id").to_pylist(), found.column("content_sha256").to_pylist(),
            found.column("source_path").to_pylist(), found.column("date").to_pylist())):
        signature = matrix[i] if ok[i] and schemes[i] == SIGNATURE_SCHEME else None
        docs.append(KnownDoc(doc_id, content, signature, f"{where} ({day_folder(day_)})"))
    return docs
