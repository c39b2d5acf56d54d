"""Exact (content hash) and near-duplicate (MinHash over word shingles) removal,
within the run and against what the lake already published.

Signatures are computed per batch (``SignStage``, in parallel on the workers);
the comparison (``DedupStage``) runs once over the whole run. Clean records are
offered first, so when a leaky copy and a clean copy of the same story meet, the
clean one is kept and the copy names it in its reason. Records already rejected
for other reasons are compared (so every reason is recorded) but never kept as
the reference copy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newsflow.record import Article
from newsflow.settings import Settings
from newsflow.stages.base import Stage

_SEED = 1
# Signatures are stored in the lake's ledgers: the name of how they are made is stored beside them
# (``SIGNATURE_SCHEME``), so signatures made another way are never compared with these.
_SCHEME = "affine32"
SIGNATURE_SCHEME = "poly64-tokens/fold-shingles/affine32/seed1"
# Odd 64-bit multiplier (the golden ratio's): folds a shingle's token hashes into one value.
_FOLD = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class KnownDoc:
    doc_id: str
    content_sha256: str
    minhash: list[int] | np.ndarray | None  # None: exact-duplicate checks only (a signature made another way)
    where: str  # "date=2024-05-01" or a landing path


_TOKEN_BASE = 0x100000001B3  # FNV-1a's 64-bit prime: odd, so it has an inverse modulo 2^64
_TOKEN_BASE_INVERSE = pow(_TOKEN_BASE, -1, 1 << 64)


def token_hashes(text: str) -> np.ndarray:
    """A 64-bit polynomial hash of every space-separated token of ``text`` (ASCII letters, by the token
    rule), all tokens at once: hash(t) = sum(byte_j * B^(len-1-j)) mod 2^64, read off one prefix sum
    of byte_j * B^-j. A Python call per token (a tenth of the normalise step) becomes a few array passes.
    """
    data = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    if not data.size:
        return np.empty(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(data.size, _TOKEN_BASE, dtype=np.uint64))  # B^1 .. B^n
        inverse = np.cumprod(np.full(data.size, _TOKEN_BASE_INVERSE, dtype=np.uint64))
        prefix = np.cumsum(data.astype(np.uint64) * inverse)  # sum of byte_j * B^-(j+1)
    separator = data == 32
    starts = np.flatnonzero(~separator & np.concatenate([[True], separator[:-1]]))
    ends = np.flatnonzero(~separator & np.concatenate([separator[1:], [True]]))  # inclusive
    with np.errstate(over="ignore"):
        before = np.where(starts > 0, prefix[np.maximum(starts - 1, 0)], np.uint64(0))
        return (prefix[ends] - before) * powers[ends]


def shingle_hashes(tokens: list[str] | str, size: int) -> np.ndarray:
    """One 32-bit hash per ``size``-token shingle (the whole text when it is shorter), on arrays: each
    window of token hashes folded into one value with wrapping 64-bit arithmetic. ``tokens``: a list,
    or the normalised text (tokens joined by single spaces).

    This replaced SHA-1 over every joined shingle string (a Python call and a join per shingle).
    The values go through the MurmurHash3 finalizer before the permutations, as datasketch does, so
    a structured input hash is safe.
    """
    hashes = token_hashes(tokens if isinstance(tokens, str) else " ".join(tokens))
    if not hashes.size:
        return np.empty(0, dtype=np.uint64)
    width = min(size, len(hashes))
    count = len(hashes) - width + 1
    folded = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            folded = folded * _FOLD + hashes[offset:offset + count]
    return (folded ^ (folded >> np.uint64(32))) & np.uint64(0xFFFFFFFF)


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> np.ndarray:
    """datasketch's affine32 permutations for our seed: (2, num_perm) uint32 (a odd, b)."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME).permutations


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (what datasketch applies before affine32 permutations)."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * np.uint32(0x85EBCA6B)
        values = values ^ (values >> np.uint32(13))
        values = values * np.uint32(0xC2B2AE35)
        return values ^ (values >> np.uint32(16))


def signature(text: str, settings: Settings) -> np.ndarray:
    """MinHash signature (uint32 array) of a normalised text: datasketch's affine32 scheme computed on
    one (shingles × permutations) array instead of through its per-value Python calls; equal to
    ``MinHash(scheme="affine32").update_batch`` of the same shingle hashes (tested)."""
    a, b = _permutations(settings.minhash_permutations)
    hashes = shingle_hashes(text, settings.shingle_size)
    if not hashes.size:
        return np.full(settings.minhash_permutations, 0xFFFFFFFF, dtype=np.uint32)
    mixed = _fmix32(hashes.astype(np.uint32))[:, None]
    with np.errstate(over="ignore"):
        return (mixed * a + b).min(axis=0)


def new_minhash(num_perm: int, hashvalues=None):
    """A datasketch MinHash of our scheme (for callers that want its API, e.g. ``jaccard``)."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME, permutations=_permutations(num_perm),
                   hashvalues=hashvalues)


def minhash_of(tokens: list[str], settings: Settings):
    return new_minhash(settings.minhash_permutations, signature(" ".join(tokens), settings))


class SignStage(Stage):
    """MinHash signature of each record's normalised tokens."""

    name = "dedup"
    sees_rejected = True

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def process(self, record: Article) -> None:
        if record.normalized_text is not None:
            record.minhash = signature(record.normalized_text, self.settings).tolist()


@dataclass
class RunView:
    """What dedup reads of a run, column-wise: Arrow string columns and one signature matrix, no record
    objects, so a 100k-record run costs tens of MB (row ``i`` of ``signatures`` belongs to row ``i``).

    Columns: record_id, source_path, content_sha256 (strings), rejected, leaky (booleans: already
    quarantined; carries page furniture), signed (the signature row is real).
    """

    table: object  # pyarrow.Table
    signatures: np.ndarray  # (rows, num_perm) uint32


def band_split(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows per band) for the threshold: datasketch's own optimisation of LSH's S-curve."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n, bands) uint64: each band's values folded into one key with odd multipliers (wrapping)."""
    fold = np.random.RandomState(_SEED).randint(0, 1 << 62, rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    keys = np.empty((len(signatures), bands), dtype=np.uint64)
    for band in range(bands):  # one band at a time: a 64-bit copy of the whole matrix would double its memory
        keys[:, band] = (signatures[:, band * rows:(band + 1) * rows].astype(np.uint64) * fold).sum(axis=1,
                                                                                                   dtype=np.uint64)
    return keys


def find_duplicates(view: RunView, known: list[KnownDoc], settings: Settings) -> list[tuple[int, str, str]]:
    """(row, code, detail) for each duplicate row of ``view``, in processing order.

    Lake documents come first and are all references. Then the run's records, clean ones first (then
    leaky, then already-quarantined; by source path within each), so a clean copy is the one kept. A
    record is compared with the references kept before it: same content hash, or a MinHash sharing an
    LSH band at or above the threshold. Quarantined records are compared (every reason is recorded)
    but never kept as a reference. Ties go to the earliest reference, so answers never depend on
    set or hash order.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    num_perm = settings.minhash_permutations
    table = view.table
    n_run, n_known = table.num_rows, len(known)
    total = n_known + n_run
    order = pc.sort_indices(table, sort_keys=[("rejected", "ascending"), ("leaky", "ascending"),
                                              ("source_path", "ascending")]).to_numpy()
    # Matrix rows: the lake's documents, then the run's rows as stored (no reordered copy of the run's
    # signatures); ``row_of[position]`` maps processing order to matrix rows.
    known_signed = np.zeros(n_known, dtype=bool)
    if n_known:
        known_matrix = np.zeros((n_known, num_perm), dtype=np.uint32)
        for i, doc in enumerate(known):
            sig = _known_signature(doc, num_perm)
            if sig is not None:
                known_matrix[i], known_signed[i] = sig, True
        signatures = np.concatenate([known_matrix, view.signatures])
        del known_matrix
    else:
        signatures = view.signatures
    row_of = np.concatenate([np.arange(n_known), n_known + order]).astype(np.intp)
    signed = np.concatenate([known_signed, table.column("signed").to_numpy(zero_copy_only=False)])[row_of]
    rejected = np.concatenate([np.zeros(n_known, dtype=bool),
                               table.column("rejected").to_numpy(zero_copy_only=False)])[row_of]
    hashes = pa.concat_arrays([pa.array([d.content_sha256 for d in known], pa.string()),
                               table.column("content_sha256").combine_chunks()])
    hash_group = pc.dictionary_encode(hashes).indices.to_numpy(zero_copy_only=False)[row_of]
    del hashes
    hash_shared = (np.bincount(hash_group)[hash_group] > 1) if total else np.zeros(0, dtype=bool)
    bands, rows = band_split(num_perm, settings.near_duplicate_threshold)
    keys = band_keys(signatures, bands, rows)[row_of]
    band_group = np.empty((total, bands), dtype=np.int32)
    band_shared = np.empty((total, bands), dtype=bool)
    for band in range(bands):
        _, inverse, counts = np.unique(keys[:, band], return_inverse=True, return_counts=True)
        band_group[:, band] = inverse
        band_shared[:, band] = (counts[inverse] > 1) & signed
    del keys
    paths = table.column("source_path")

    def where(position: int) -> str:
        return known[position].where if position < n_known else paths[int(order[position - n_known])].as_py()

    first_with_hash: dict[int, int] = {}  # only hashes that occur more than once
    kept_in_band: dict[tuple[int, int], list[int]] = {}  # only band groups with more than one member
    found: list[tuple[int, str, str]] = []
    threshold = settings.near_duplicate_threshold
    for position in range(total):
        shared = band_shared[position]
        if position >= n_known:
            if hash_shared[position] and int(hash_group[position]) in first_with_hash:
                reference = first_with_hash[int(hash_group[position])]
                found.append((int(order[position - n_known]), "exact_duplicate", f"same text as {where(reference)}"))
                continue
            if shared.any():
                candidates = sorted({ref for band in np.flatnonzero(shared)
                                     for ref in kept_in_band.get((int(band), int(band_group[position, band])), ())})
                if candidates:
                    matches = np.count_nonzero(signatures[row_of[candidates]] == signatures[row_of[position]], axis=1)
                    best = int(np.argmax(matches))
                    similarity = float(matches[best]) / num_perm
                    if similarity >= threshold:
                        found.append((int(order[position - n_known]), "near_duplicate",
                                      f"{similarity:.2f} similar (MinHash Jaccard) to {where(candidates[best])}"))
                        continue
            if rejected[position]:
                continue  # compared, never the copy others are measured against
        if hash_shared[position]:
            first_with_hash.setdefault(int(hash_group[position]), position)
        for band in np.flatnonzero(shared):
            kept_in_band.setdefault((int(band), int(band_group[position, band])), []).append(position)
    return found


def _known_signature(doc: KnownDoc, num_perm: int) -> np.ndarray | None:
    return None if doc.minhash is None or len(doc.minhash) == 0 else as_signature(doc.minhash, num_perm)


def as_signature(values, num_perm: int) -> np.ndarray | None:
    """A stored signature (uint64 list from Parquet) as a uint32 array; None when it is not one of ours
    (wrong length, or values beyond the affine32 scheme's 32 bits)."""
    array = np.asarray(values, dtype=np.uint64)
    if array.shape != (num_perm,) or (array.size and int(array.max()) > 0xFFFFFFFF):
        return None
    return array.astype(np.uint32)


def signature_column(column, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """A stored list<uint64> signature column (staging file or ledger) as a (rows, num_perm) uint32
    matrix and a mask of the rows holding one of ours (``as_signature``'s rule, on whole arrays)."""
    import pyarrow.compute as pc

    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy()
    values = column.combine_chunks().flatten().to_numpy(zero_copy_only=False) if len(column) else np.empty(0)
    signed = lengths == num_perm
    if values.size and int(values.max()) > 0xFFFFFFFF:  # not 32-bit values: another scheme's
        signed[:] = False
    matrix = np.zeros((len(lengths), num_perm), dtype=np.uint32)
    rows = np.flatnonzero(signed)
    starts = np.cumsum(lengths) - lengths
    matrix[rows] = values[starts[rows, None] + np.arange(num_perm)]
    return matrix, signed


def view_of_records(records: list[Article], settings: Settings) -> RunView:
    """The column view of in-memory records (tests, small runs); signs records that lack a signature."""
    import pyarrow as pa

    num_perm = settings.minhash_permutations
    signatures = np.zeros((len(records), num_perm), dtype=np.uint32)
    signed = []
    for i, record in enumerate(records):
        if not record.minhash:
            record.minhash = signature(record.normalized_text or "", settings).tolist()
        sig = as_signature(record.minhash, num_perm)
        if sig is not None:
            signatures[i] = sig
        signed.append(sig is not None)
    table = pa.table({
        "record_id": pa.array([r.record_id for r in records], pa.string()),
        "source_path": pa.array([r.source_path for r in records], pa.string()),
        "content_sha256": pa.array([r.content_sha256 for r in records], pa.string()),
        "rejected": pa.array([r.rejected for r in records], pa.bool_()),
        "leaky": pa.array([bool(r.boilerplate_phrases) for r in records], pa.bool_()),
        "signed": pa.array(signed, pa.bool_()),
    })
    return RunView(table, signatures)


class DedupStage(Stage):
    """The stage contract over ``find_duplicates``: records in, the same records out, duplicates marked."""

    name = "dedup"

    def __init__(self, settings: Settings, known: Iterable[KnownDoc] = ()) -> None:
        super().__init__()
        self.settings = settings
        self.known = list(known)
        self.stats.counters["known_from_lake"] = len(self.known)
        exact_only = sum(1 for d in self.known if _known_signature(d, settings.minhash_permutations) is None)
        if exact_only:
            self.stats.counters["known_from_lake_exact_only"] = exact_only

    def duplicates(self, view: RunView) -> list[tuple[int, str, str]]:
        found = find_duplicates(view, self.known, self.settings)
        self.stats.records_in += view.table.num_rows
        self.stats.records_out += view.table.num_rows
        self.stats.rejected += len(found)
        for _, code, _ in found:
            self.stats.reasons[code] += 1
        return found

    def run(self, records: Iterable[Article]) -> Iterator[Article]:
        batch = list(records)
        compared = [r for r in batch if r.content_sha256 is not None]
        for row, code, detail in self.duplicates(view_of_records(compared, self.settings)):
            compared[row].reject(self.name, code, detail)
        self.stats.records_in += len(batch) - len(compared)
        self.stats.records_out += len(batch) - len(compared)
        yield from batch
