"""The dedup history: what the lake remembers of published documents so later runs find their copies.

Two Delta tables (their columns in ``columns.py``; the lake only stores them, ``lake/tables.py``):

- ``_state/signatures``: each published document's MinHash signature, content hash and keys;
- ``_state/lsh_bands``: the band index: per LSH band, the bucket each document falls in, plus one exact-copy
  row per document (pseudo-band ``EXACT_BAND``, bucket = the content-hash key).

Written at publish (``write_run_history``, from the staged ledger) and by the migration; asked by the dedup
step without loading the history: ``known_candidates`` makes one pass over the index's bucket column, then
reads only the candidates' signatures. A date's own rows are ignored when that date reruns: the rerun
replaces them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from newsflow.columns import schema
from newsflow.dedup.bands import band_keys, band_split
from newsflow.dedup.find import KnownDoc
from newsflow.dedup.signature import SIGNATURE_SCHEME, signature_column, signature_file
from newsflow.lake import tables
from newsflow.lake.layout import Lake, RunPaths, day_folder
from newsflow.lake.processed import LEDGER, other_dates
from newsflow.settings import Settings

LOGGER = logging.getLogger(__name__)
SCHEME_KEY = b"newsflow.minhash_scheme"
# the staged ledger as stage_output writes it: the signature scheme in its metadata
SIGNED_LEDGER = LEDGER.with_metadata({SCHEME_KEY: SIGNATURE_SCHEME})
SIGNATURES = schema("signatures")
BANDS = schema("lsh_bands")

# Signature rows are looked up by doc_key: sorted by it, in small row groups, a lookup reads a few groups.
SIGNATURE_ROW_GROUP = 512
# Exact copies are looked up in the band index too: one row per published document in band -1, whose bucket
# is the content-hash key. Its lsh_key is 0: a content hash does not depend on the LSH settings. (The
# signatures table holds the same keys, but its files are built for fetching whole rows: reading one
# column of every date's file there cost 2 ms a date, the band index's whole key column 1 ms.)
EXACT_BAND = -1
EXACT_LSH_KEY = 0
# A band index whose every date holds the exact rows says so in a table property: indexes written before
# (newsflow 8b31d00) lack it, and exact lookups then read the signatures table until `newsflow lake migrate`
# adds the rows (``migrate.index_exact_keys``).
INDEX_FORMAT = {"newsflow.lsh_bands.exact_band": "-1"}
INDEX_PLAIN_COLUMNS = ["bucket", "doc_key"]  # hash values: a dictionary only slows their decoding



def _as_int64(keys: np.ndarray) -> np.ndarray:
    signed: np.ndarray = keys.view(np.int64)
    return signed


def hex_key(values: Sequence[str | None]) -> np.ndarray:
    """The first 64 bits of each hex digest, as int64 (0 for a missing one)."""
    return np.array([int(v[:16], 16) if v else 0 for v in values], dtype=np.uint64).view(np.int64)


def lsh_key(settings: Settings) -> int:
    """Names how band keys were made (signature scheme and band split), as an int64: a lake written with
    other LSH settings is not queried for near copies."""
    bands, rows = band_split(settings.minhash_permutations, settings.near_duplicate_threshold)
    return int(hex_key([hashlib.sha256(f"{SIGNATURE_SCHEME}/b{bands}r{rows}".encode()).hexdigest()])[0])


def history_rows(ledger: pa.Table, day: date, settings: Settings,
                 signatures: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> tuple[pa.RecordBatchReader, pa.RecordBatchReader]:
    """(signatures, band index rows) of a run's published documents, from its staged ledger, each a stream
    of row groups: signature rows sorted by document key (lookups prune on it), band rows by band then
    bucket, one band at a time. Memory: the run's uint32 signature matrix and one band's keys, never the
    64-bit lists or all bands' rows. ``signatures``: the ledger's (matrix, signed) already read
    (``signature_file``), for a ledger read without its ``minhash`` column."""
    keep = pc.and_(pc.equal(ledger.column("outcome"), "published"), pc.is_valid(ledger.column("content_sha256")))
    rows = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    num_perm = settings.minhash_permutations
    matrix, signed = signatures if signatures is not None else signature_column(ledger.column("minhash"), num_perm)
    doc_keys = hex_key(ledger.column("doc_id").take(pa.array(rows)).to_pylist())
    order = np.argsort(doc_keys, kind="stable")  # by doc key: row groups prune on lookups
    rows, doc_keys = rows[order], doc_keys[order]  # ``rows``: matrix rows, in doc-key order
    published = ledger.select(["doc_id", "content_sha256", "source_path"]).take(pa.array(rows))
    hash_keys = hex_key(published.column("content_sha256").to_pylist())
    scheme = (ledger.schema.metadata or {}).get(SCHEME_KEY, b"").decode() or None
    day_value = pa.scalar(day, pa.date32())

    def signature_batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, len(rows), SIGNATURE_ROW_GROUP):
            part = rows[start:start + SIGNATURE_ROW_GROUP]
            yield pa.RecordBatch.from_arrays([
                pa.array(hash_keys[start:start + len(part)]), pa.array(doc_keys[start:start + len(part)]),
                *(published.column(name).slice(start, len(part)).combine_chunks()
                  for name in ("doc_id", "content_sha256", "source_path")),
                pa.array([scheme] * len(part), pa.string()), _signature_lists(matrix[part], signed[part]),
                pa.repeat(day_value, len(part))], schema=SIGNATURES)

    bands, rows_per_band = band_split(num_perm, settings.near_duplicate_threshold)
    comparable = signed[rows] & (scheme == SIGNATURE_SCHEME)

    def band_batches() -> Iterator[pa.RecordBatch]:
        yield _band_batch(EXACT_BAND, EXACT_LSH_KEY, hash_keys, doc_keys, day_value)
        keys = _as_int64(band_keys(matrix, bands, rows_per_band, at=rows[comparable]))
        named = lsh_key(settings)
        for band in range(bands):
            yield _band_batch(band, named, keys[:, band], doc_keys[comparable], day_value)

    return (pa.RecordBatchReader.from_batches(SIGNATURES, signature_batches()),
            pa.RecordBatchReader.from_batches(BANDS, band_batches()))


def _band_batch(band: int, key: int, bucket: np.ndarray, doc_keys: np.ndarray, day_value: Any) -> pa.RecordBatch:
    """One band's index rows, by bucket (ties in document-key order)."""
    order = np.argsort(bucket, kind="stable")
    n = len(order)
    return pa.RecordBatch.from_arrays([pa.array(np.full(n, key, dtype=np.int64)), pa.array(np.full(n, band, np.int16)),
                                       pa.array(bucket[order]), pa.array(doc_keys[order]), pa.repeat(day_value, n)],
                                      schema=BANDS)


def _signature_lists(matrix: np.ndarray, signed: np.ndarray) -> pa.Array:
    """Signature rows as a list<int64> array (null where ``signed`` is false), built from the matrix's
    buffer: a Python int per value cost ~30 bytes and a call each (hundreds of MB at 100k rows)."""
    lengths = np.where(signed, matrix.shape[1], 0)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    values = pa.array(matrix[signed].reshape(-1).astype(np.int64))
    return pa.ListArray.from_arrays(pa.array(offsets), values, type=pa.list_(pa.int64()), mask=pa.array(~signed))


def write_history(lake: Lake, ledger: pa.Table, day: date, run_id: str, settings: Settings,
                  signatures: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, int]:
    """Replace ``day``'s dedup history (signatures, band index) with the published documents of a staged
    ledger (``signatures``: as for ``history_rows``); returns the versions written."""
    signature_rows, band_rows = history_rows(ledger, day, settings, signatures)
    return {"signatures": tables.replace_date_streamed(lake.table("signatures"), signature_rows, day, run_id,
                                                       row_group_rows=SIGNATURE_ROW_GROUP),
            "lsh_bands": tables.replace_date_streamed(lake.table("lsh_bands"), band_rows, day, run_id,
                                                      configuration=INDEX_FORMAT, plain_columns=INDEX_PLAIN_COLUMNS)}


def exact_rows(signatures: pa.Table) -> pa.Table:
    """The band index's exact rows (``EXACT_BAND``) of signature-table rows (the migration's source)."""
    n = signatures.num_rows
    return pa.table({"lsh_key": pa.array(np.full(n, EXACT_LSH_KEY, dtype=np.int64)),
                     "band": pa.array(np.full(n, EXACT_BAND, dtype=np.int16)),
                     "bucket": signatures.column("hash_key"), "doc_key": signatures.column("doc_key"),
                     "date": signatures.column("date")}, schema=BANDS)


def write_run_history(run: RunPaths, ledger: pa.Table, keep: np.ndarray | None, settings: Settings) -> dict[str, int]:
    """Replace the run's date of the history with its published documents: ``ledger``, the staged ledger's
    rows this run publishes (without signatures), ``keep`` the mask that chose them (None: every row). The
    signatures are read from the staged file into one uint32 matrix, a row group at a time."""
    matrix, signed = signature_file(run.staged_ledger, settings.minhash_permutations)
    if keep is not None:
        matrix, signed = matrix[keep], signed[keep]
    return write_history(run.lake, ledger, run.day, run.run_id, settings, signatures=(matrix, signed))


class _KeySet:
    """Membership of int64 keys in a sorted set, for millions of probes: a bitmap on the keys' low bits
    answers most probes with one gather (the keys are hash values, so their low bits are uniform), and
    only the bitmap's hits are checked against the set itself."""

    def __init__(self, keys: np.ndarray) -> None:
        self.keys = np.sort(keys)  # repeated keys are harmless (np.unique costs 20x a sort here)
        bits = 16
        while (1 << bits) < 32 * len(self.keys) and bits < 25:  # ~3 % false hits, at most 32 MB
            bits += 1
        self.mask = np.uint64((1 << bits) - 1)
        self.bitmap = np.zeros(1 << bits, dtype=bool)
        self.bitmap[self.keys.view(np.uint64) & self.mask] = True

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Row positions of ``values`` (int64) that are in the set."""
        maybe = np.flatnonzero(self.bitmap[values.view(np.uint64) & self.mask])
        if not maybe.size or not self.keys.size:
            return maybe[:0]
        at = np.minimum(np.searchsorted(self.keys, values[maybe]), len(self.keys) - 1)
        found: np.ndarray = maybe[self.keys[at] == values[maybe]]
        return found


def _index_hits(index: Any, day: date, lookups: list[tuple[int, int, np.ndarray]]) -> dict[date, set[int]]:
    """Documents of other dates with a band-index row matching one of ``lookups`` (band, lsh_key, bucket
    keys), by date. One pass over the index's bucket column, a date's file at a time (memory: one date's
    keys); the other columns are read only for the dates that have a hit."""
    wanted = _KeySet(np.concatenate([keys for _, _, keys in lookups]))
    found: dict[date, set[int]] = {}
    if not wanted.keys.size:
        return found
    for day_, file in tables.files_by_date(index, other_dates(day)):
        if day_ is None:  # every file of a date-partitioned table has its date
            continue
        bucket = file.read(columns=["bucket"], use_threads=False).column("bucket").to_numpy()
        rows = wanted.contains(bucket)
        if not rows.size:
            continue
        hit = file.read(columns=["lsh_key", "band", "doc_key"], use_threads=False).take(pa.array(rows))
        band, key, doc = (hit.column(c).to_numpy() for c in ("band", "lsh_key", "doc_key"))
        match = np.zeros(rows.size, dtype=bool)
        for number, lookup_key, keys in lookups:
            same = np.flatnonzero((band == number) & (key == lookup_key))
            if same.size:
                match[same[np.isin(bucket[rows[same]], keys)]] = True
        if match.any():
            found.setdefault(day_, set()).update(doc[match].tolist())
    return found


def known_candidates(lake: Lake, day: date, content_hashes: list[str], run_signatures: np.ndarray,
                     signed: np.ndarray, settings: Settings) -> list[KnownDoc]:
    """Published documents of other dates that could duplicate the run's: same content hash, or sharing
    an LSH bucket with one of the run's signatures. Oldest date first, then by source path (the order
    ``find_duplicates`` gives references in)."""
    bands, rows = band_split(settings.minhash_permutations, settings.near_duplicate_threshold)
    lookups: list[tuple[int, int, np.ndarray]] = []
    if signed.any():
        keys = _as_int64(band_keys(run_signatures, bands, rows, at=np.flatnonzero(signed)))
        named = lsh_key(settings)
        lookups += [(band, named, np.sort(keys[:, band])) for band in range(bands)]
    hash_keys = np.sort(hex_key(sorted({h for h in content_hashes if h})))
    # a key collision merely adds a candidate, which the comparison rejects on the full hash
    index = tables.open_table(lake.table("lsh_bands"))
    exact_indexed = index is not None and tables.properties(index).items() >= INDEX_FORMAT.items()
    if exact_indexed and hash_keys.size:
        lookups.append((EXACT_BAND, EXACT_LSH_KEY, hash_keys))
    candidates = _index_hits(index, day, lookups) if index is not None and lookups else {}
    signature_table = tables.open_table(lake.table("signatures"))
    if signature_table is None:
        return []
    if hash_keys.size and not exact_indexed:  # an index written before the exact rows: the signatures' keys
        LOGGER.warning("%s has no exact-copy rows: exact lookups read the signatures table (run `newsflow lake "
                       "migrate`)", lake.table("lsh_bands"))
        same = tables.read(table=signature_table, columns=["doc_key", "date"],
                           filter=other_dates(day) & pc.field("hash_key").isin(pa.array(hash_keys)))
        for doc_key, day_ in zip(same.column("doc_key").to_pylist(), same.column("date").to_pylist(), strict=True):
            candidates.setdefault(day_, set()).add(doc_key)
    if not candidates:
        return []
    # only the candidates' own dates' files, and in them the row groups whose doc keys could match
    doc_keys = sorted(set().union(*candidates.values()))
    found = tables.read(table=signature_table,
                        filter=pc.field("date").isin(pa.array(sorted(candidates), pa.date32()))
                        & pc.field("doc_key").isin(pa.array(doc_keys, pa.int64())))
    if found.num_rows:  # a document key found in one date is not a candidate in another
        pairs = {(d, k) for d, keys in candidates.items() for k in keys}
        keep = [(d, k) in pairs for d, k in zip(found.column("date").to_pylist(), found.column("doc_key").to_pylist(),
                                                 strict=True)]
        found = found.filter(pa.array(keep, pa.bool_()))
    if not found.num_rows:
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
            found.column("source_path").to_pylist(), found.column("date").to_pylist(), strict=True)):
        signature = matrix[i] if ok[i] and schemes[i] == SIGNATURE_SCHEME else None
        docs.append(KnownDoc(doc_id, content, signature, f"{where} ({day_folder(day_)})", day_))
    return docs


def index_exact_keys(lake: Lake, run_id: str = "newsflow-lake-migrate") -> list[str]:
    """A band index written before it held exact-copy rows (newsflow 8b31d00): each date's exact rows are
    made from its signature rows and the date replaced (its band rows plus those, one commit), then the
    table is marked (``INDEX_FORMAT``) and lookups use them. Returns the dates rewritten; none when
    the index is marked already. A crash part way: run it again (the table is marked last; dates are
    replaced, never appended to)."""
    index = tables.open_table(lake.table("lsh_bands"))
    if index is not None and tables.properties(index).items() >= INDEX_FORMAT.items():
        return []
    signatures = tables.open_table(lake.table("signatures"))
    if signatures is None:  # nothing published: the first publish creates the index marked
        return []
    done = []
    for day in tables.partition_days(signatures):
        same_day = pc.field("date") == pa.scalar(day, pa.date32())
        keys = tables.read(table=signatures, columns=["hash_key", "doc_key", "date"], filter=same_day)
        bands = (BANDS.empty_table() if index is None else
                 tables.read(table=index, columns=BANDS.names, filter=same_day & (pc.field("band") != EXACT_BAND)))
        rows = pa.concat_tables([exact_rows(keys), bands.select(BANDS.names).cast(BANDS)])
        tables.replace_date(lake.table("lsh_bands"), rows.sort_by([("band", "ascending"), ("bucket", "ascending")]),
                            day, run_id, configuration=INDEX_FORMAT, plain_columns=INDEX_PLAIN_COLUMNS)
        done.append(day.isoformat())
    tables.set_properties(lake.table("lsh_bands"), INDEX_FORMAT, run_id)
    return done
