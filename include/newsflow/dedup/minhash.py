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

import zlib
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
SIGNATURE_SCHEME = "crc32-poly-shingles/affine32/seed1"
# Odd 64-bit multiplier (the golden ratio's): folds a shingle's token hashes into one value.
_FOLD = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class KnownDoc:
    doc_id: str
    content_sha256: str
    minhash: list[int] | None  # None: exact-duplicate checks only (a signature made another way)
    where: str  # "date=2024-05-01" or a landing path


def shingle_hashes(tokens: list[str], size: int) -> np.ndarray:
    """One 32-bit hash per ``size``-token shingle (the whole text when it is shorter), computed on arrays.

    Each token is hashed once (CRC-32, in C), and each window of ``size`` token hashes is folded into
    one value with wrapping 64-bit arithmetic. This replaced SHA-1 over every joined shingle string,
    which cost a Python call and a string join per shingle (a tenth of the pipeline's time). Tokens
    are ASCII letters by the token rule. datasketch applies the MurmurHash3 finalizer to every value
    before its permutations, so a structured input hash is safe.
    """
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    token_hashes = np.fromiter((zlib.crc32(t.encode("ascii", "replace")) for t in tokens), dtype=np.uint64,
                               count=len(tokens))
    width = min(size, len(tokens))
    count = len(tokens) - width + 1
    folded = np.zeros(count, dtype=np.uint64)
    for offset in range(width):
        folded = folded * _FOLD + token_hashes[offset:offset + count]
    return (folded ^ (folded >> np.uint64(32))) & np.uint64(0xFFFFFFFF)


def _identity(value: int) -> int:
    return value


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> np.ndarray:
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME).permutations


def new_minhash(num_perm: int, hashvalues=None):
    """An empty (or given) signature; the permutations are made once per size, not per document."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME, hashfunc=_identity,
                   permutations=_permutations(num_perm), hashvalues=hashvalues)


def minhash_of(tokens: list[str], settings: Settings):
    mh = new_minhash(settings.minhash_permutations)
    hashes = shingle_hashes(tokens, settings.shingle_size)
    if hashes.size:
        mh.update_batch(hashes.tolist())
    return mh


class SignStage(Stage):
    """MinHash signature of each record's normalised tokens."""

    name = "dedup"
    sees_rejected = True

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def process(self, record: Article) -> None:
        if record.normalized_text is not None:
            signature = minhash_of(record.normalized_text.split(), self.settings)
            record.minhash = [int(v) for v in signature.hashvalues]


def as_signature(values, num_perm: int) -> np.ndarray | None:
    """A stored signature (uint64 list from Parquet) as the compact uint32 array the index keeps; None
    when it is not one of ours (wrong length, or values beyond the affine32 scheme's 32 bits)."""
    array = np.asarray(values, dtype=np.uint64)
    if array.shape != (num_perm,) or (array.size and int(array.max()) > 0xFFFFFFFF):
        return None
    return array.astype(np.uint32)


class SignatureIndex:
    """Every kept signature in one uint32 matrix, banded for LSH lookups.

    datasketch's MinHashLSH picks the bands × rows split for the threshold; the index itself is ours
    because datasketch keeps a MinHash object plus a bytes key per band for every document (several KB
    each), which made the run-level step's memory grow with the run. Here a document costs its 4-byte
    values, one int per band and its location string: 100k documents fit in about 100 MB.
    """

    def __init__(self, num_perm: int, threshold: float) -> None:
        from datasketch import MinHashLSH

        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.num_perm, self.bands, self.rows = num_perm, lsh.b, lsh.r
        self.matrix = np.empty((256, num_perm), dtype=np.uint32)
        self.size = 0
        self.where: list[str] = []
        self.keys: set[str] = set()
        self.tables: list[dict[int, int | list[int]]] = [{} for _ in range(self.bands)]
        # odd multipliers fold a band's values into one 64-bit key (wrapping arithmetic)
        self._fold = np.random.RandomState(_SEED).randint(0, 1 << 62, self.rows, dtype=np.uint64) * 2 + 1

    def _band_keys(self, signature: np.ndarray) -> list[int]:
        bands = signature[: self.bands * self.rows].reshape(self.bands, self.rows).astype(np.uint64)
        return (bands * self._fold).sum(axis=1, dtype=np.uint64).tolist()

    def add(self, key: str, signature: np.ndarray, where: str) -> None:
        if key in self.keys:
            return
        if self.size == len(self.matrix):
            self.matrix = np.concatenate([self.matrix, np.empty_like(self.matrix)])
        row = self.size
        self.matrix[row] = signature
        self.size += 1
        self.where.append(where)
        self.keys.add(key)
        for table, band_key in zip(self.tables, self._band_keys(signature)):
            held = table.get(band_key)
            if held is None:
                table[band_key] = row
            elif isinstance(held, int):
                table[band_key] = [held, row]
            else:
                held.append(row)

    def most_similar(self, signature: np.ndarray) -> tuple[float, str | None]:
        """(estimated Jaccard, location) of the closest indexed signature sharing a band; ties go to the
        earliest indexed, so the answer never depends on set order."""
        candidates: set[int] = set()
        for table, band_key in zip(self.tables, self._band_keys(signature)):
            held = table.get(band_key)
            if held is None:
                continue
            if isinstance(held, int):
                candidates.add(held)
            else:
                candidates.update(held)
        if not candidates:
            return 0.0, None
        rows = np.fromiter(sorted(candidates), dtype=np.intp, count=len(candidates))
        matches = np.count_nonzero(self.matrix[rows] == signature, axis=1)
        best = int(np.argmax(matches))
        return float(matches[best]) / self.num_perm, self.where[rows[best]]


@dataclass
class Candidate:
    """What dedup needs of one record: enough to order, compare and explain, nothing bulky."""

    record_id: str
    key: str  # doc_id, or the record id
    source_path: str
    content_sha256: str
    signature: np.ndarray | None
    rejected: bool
    leaky: bool  # carries page furniture: offered after clean records

    @property
    def order(self) -> tuple:
        return (self.rejected, self.leaky, self.source_path)


class DedupStage(Stage):
    name = "dedup"

    def __init__(self, settings: Settings, known: Iterable[KnownDoc] = ()) -> None:
        super().__init__()
        self.settings = settings
        self.index = SignatureIndex(settings.minhash_permutations, settings.near_duplicate_threshold)
        self.by_hash: dict[str, str] = {}
        for doc in known:
            signature = as_signature(doc.minhash, settings.minhash_permutations) if doc.minhash else None
            self.by_hash.setdefault(doc.content_sha256, doc.where)
            if signature is not None:
                self.index.add(doc.doc_id, signature, doc.where)
            else:
                self.stats.counters["known_from_lake_exact_only"] += 1
            self.stats.counters["known_from_lake"] += 1

    def candidate(self, record: Article) -> Candidate:
        values = record.minhash
        if not values:
            values = minhash_of((record.normalized_text or "").split(), self.settings).hashvalues
            record.minhash = [int(v) for v in values]
        return Candidate(record.record_id, record.doc_id or record.record_id, record.source_path,
                         record.content_sha256 or "", as_signature(values, self.settings.minhash_permutations),
                         record.rejected, bool(record.boilerplate_phrases))

    def verdicts(self, candidates: Iterable[Candidate]) -> Iterator[tuple[Candidate, str, str]]:
        """(candidate, code, detail) for each duplicate. Clean records are offered first, so a clean copy
        is the one kept; records rejected for other reasons are compared but never kept as reference."""
        for item in sorted(candidates, key=lambda c: c.order):
            first = self.by_hash.get(item.content_sha256)
            if first is not None:
                yield item, "exact_duplicate", f"same text as {first}"
                continue
            if item.signature is not None:
                best, best_where = self.index.most_similar(item.signature)
                if best >= self.settings.near_duplicate_threshold:
                    yield item, "near_duplicate", f"{best:.2f} similar (MinHash Jaccard) to {best_where}"
                    continue
            if item.rejected:
                continue
            self.by_hash.setdefault(item.content_sha256, item.source_path)
            if item.signature is not None:
                self.index.add(item.key, item.signature, item.source_path)

    def count(self, code: str) -> None:
        self.stats.rejected += 1
        self.stats.reasons[code] += 1

    def run(self, records: Iterable[Article]) -> Iterator[Article]:
        batch = list(records)
        by_id = {id(r): r for r in batch}
        candidates = {}
        for record in batch:
            if record.content_sha256 is not None:
                candidates[id(record)] = self.candidate(record)
        found = {id(c): (code, detail) for c, code, detail in self.verdicts(candidates.values())}
        for key, candidate in candidates.items():
            if id(candidate) in found:
                code, detail = found[id(candidate)]
                by_id[key].reject(self.name, code, detail)
                self.count(code)
        self.stats.records_in += len(batch)
        self.stats.records_out += len(batch)
        yield from batch
