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

import numpy as np

from newsflow.record import Article
from newsflow.settings import Settings
from newsflow.stages.base import Stage

_SEED = 1
# Signatures are stored in the lake: pin the permutation scheme so they stay comparable.
_SCHEME = "affine32"


@dataclass(frozen=True)
class KnownDoc:
    doc_id: str
    content_sha256: str
    minhash: list[int]
    where: str  # "date=2024-05-01" or a landing path


def shingles(tokens: list[str], size: int) -> list[bytes]:
    if len(tokens) <= size:
        return [" ".join(tokens).encode("utf-8")] if tokens else []
    return [" ".join(tokens[i:i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)]


def minhash_of(tokens: list[str], settings: Settings):
    from datasketch import MinHash

    mh = MinHash(num_perm=settings.minhash_permutations, seed=_SEED, scheme=_SCHEME)
    grams = shingles(tokens, settings.shingle_size)
    if grams:
        mh.update_batch(grams)
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


class DedupStage(Stage):
    name = "dedup"

    def __init__(self, settings: Settings, known: Iterable[KnownDoc] = ()) -> None:
        super().__init__()
        from datasketch import MinHashLSH

        self.settings = settings
        self.lsh = MinHashLSH(threshold=settings.near_duplicate_threshold, num_perm=settings.minhash_permutations)
        self.by_hash: dict[str, str] = {}
        self.signatures: dict[str, tuple[object, str]] = {}
        for doc in known:
            self._remember(doc.doc_id, doc.content_sha256, self._from_values(doc.minhash), doc.where)
            self.stats.counters["known_from_lake"] += 1

    def _from_values(self, values: list[int]):
        from datasketch import MinHash

        return MinHash(num_perm=self.settings.minhash_permutations, seed=_SEED, scheme=_SCHEME,
                       hashvalues=np.asarray(values, dtype=np.uint64))

    def _remember(self, key: str, content_sha256: str, mh, where: str) -> None:
        self.by_hash.setdefault(content_sha256, where)
        if key not in self.signatures:
            self.signatures[key] = (mh, where)
            self.lsh.insert(key, mh)

    def run(self, records: Iterable[Article]) -> Iterator[Article]:
        batch = list(records)
        order = sorted(
            (r for r in batch if r.content_sha256 is not None),
            key=lambda r: (r.rejected, bool(r.boilerplate_phrases), r.source_path),
        )
        for record in order:
            self._check(record)
        stats = self.stats
        for record in batch:
            stats.records_in += 1
            stats.records_out += 1
            if any(r.stage == self.name for r in record.rejects):
                stats.rejected += 1
                for reason in record.rejects:
                    if reason.stage == self.name:
                        stats.reasons[reason.code] += 1
            yield record

    def _check(self, record: Article) -> None:
        if record.minhash:
            mh = self._from_values(record.minhash)
        else:
            mh = minhash_of((record.normalized_text or "").split(), self.settings)
            record.minhash = [int(v) for v in mh.hashvalues]
        where = record.source_path
        first = self.by_hash.get(record.content_sha256 or "")
        if first is not None:
            record.reject(self.name, "exact_duplicate", f"same text as {first}")
            return
        best, best_where = 0.0, None
        for key in self.lsh.query(mh):
            other, other_where = self.signatures[key]
            similarity = mh.jaccard(other)
            if similarity > best:
                best, best_where = similarity, other_where
        if best >= self.settings.near_duplicate_threshold:
            record.reject(self.name, "near_duplicate", f"{best:.2f} similar (MinHash Jaccard) to {best_where}")
            return
        if record.rejected:
            return  # compared, never the copy others are measured against
        self._remember(record.doc_id or record.record_id, record.content_sha256 or "", mh, where)
