"""Exact (content hash) and near-duplicate (MinHash LSH) detection over a run, and against what the lake
already published.

The comparison runs once over the whole run (the ``dedup`` step), on its column view. Clean records are
offered first, so when a leaky copy and a clean copy of the same story meet, the clean one is kept and
the copy names it in its reason. Records already rejected for other reasons are compared (so every
reason is recorded) but never kept as the reference copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from newsflow.dedup.bands import band_keys, band_split
from newsflow.dedup.signature import as_signature
from newsflow.dedup.view import RunView
from newsflow.settings import Settings
from newsflow.stages.base import StageStats
from newsflow.steplist import DEDUP

STAGE = DEDUP  # the stage name of its rejects: the step's


@dataclass(frozen=True)
class KnownDoc:
    doc_id: str
    content_sha256: str
    minhash: list[int] | np.ndarray | None  # None: exact-duplicate checks only (a signature made another way)
    where: str  # "date=2024-05-01" or a landing path
    day: date | None = None  # the date that published it


@dataclass(frozen=True)
class Match:
    """A duplicate row of the run and the reference it copies: the kept document, which is the first member
    of the story cluster (a reference is never itself a copy, so clusters are stars around it)."""

    row: int  # the duplicate's row in the run's view
    code: str  # exact_duplicate or near_duplicate
    detail: str
    similarity: float  # MinHash Jaccard estimate against the reference; 1.0 for the same text
    reference_doc_id: str | None
    reference_row: int | None  # the reference's row in the run's view; None for a lake document
    reference_day: date | None  # a lake document's date; None for the run's own


def find_duplicates(view: RunView, known: list[KnownDoc], settings: Settings) -> list[tuple[int, str, str]]:
    """(row, code, detail) for each duplicate row of ``view``, in processing order (``find_matches``)."""
    return [(m.row, m.code, m.detail) for m in find_matches(view, known, settings)]


def find_matches(view: RunView, known: list[KnownDoc], settings: Settings) -> list[Match]:
    """Each duplicate row of ``view`` with its reference, in processing order.

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
    keys = band_keys(signatures, bands, rows, at=row_of)
    band_group = np.empty((total, bands), dtype=np.int32)
    band_shared = np.empty((total, bands), dtype=bool)
    for band in range(bands):
        _, inverse, counts = np.unique(keys[:, band], return_inverse=True, return_counts=True)
        band_group[:, band] = inverse
        band_shared[:, band] = (counts[inverse] > 1) & signed
    del keys
    paths = table.column("source_path")

    doc_ids = table.column("doc_id")

    def where(position: int) -> str:
        return known[position].where if position < n_known else paths[int(order[position - n_known])].as_py()

    def match(position: int, code: str, detail: str, reference: int, similarity: float) -> Match:
        if reference < n_known:
            doc = known[reference]
            return Match(int(order[position - n_known]), code, detail, similarity, doc.doc_id, None, doc.day)
        row = int(order[reference - n_known])
        return Match(int(order[position - n_known]), code, detail, similarity, doc_ids[row].as_py(), row, None)

    first_with_hash: dict[int, int] = {}  # only hashes that occur more than once
    kept_in_band: dict[tuple[int, int], list[int]] = {}  # only band groups with more than one member
    found: list[Match] = []
    threshold = settings.near_duplicate_threshold
    for position in range(total):
        shared = band_shared[position]
        if position >= n_known:
            if hash_shared[position] and int(hash_group[position]) in first_with_hash:
                reference = first_with_hash[int(hash_group[position])]
                found.append(match(position, "exact_duplicate", f"same text as {where(reference)}", reference, 1.0))
                continue
            if shared.any():
                candidates = sorted({ref for band in np.flatnonzero(shared)
                                     for ref in kept_in_band.get((int(band), int(band_group[position, band])), ())})
                if candidates:
                    matches = np.count_nonzero(signatures[row_of[candidates]] == signatures[row_of[position]], axis=1)
                    best = int(np.argmax(matches))
                    similarity = float(matches[best]) / num_perm
                    if similarity >= threshold:
                        found.append(match(position, "near_duplicate",
                                           f"{similarity:.2f} similar (MinHash Jaccard) to {where(candidates[best])}",
                                           candidates[best], similarity))
                        continue
            if rejected[position]:
                continue  # compared, never the copy others are measured against
        if hash_shared[position]:
            first_with_hash.setdefault(int(hash_group[position]), position)
        for shared_band in np.flatnonzero(shared):
            kept_in_band.setdefault((int(shared_band), int(band_group[position, shared_band])), []).append(position)
    return found


def _known_signature(doc: KnownDoc, num_perm: int) -> np.ndarray | None:
    return None if doc.minhash is None or len(doc.minhash) == 0 else as_signature(doc.minhash, num_perm)


class Dedup:
    """The run-level dedup step's logic and counts. Not a per-record ``Stage``: it must see the whole run
    at once, so it reads the run's column view and returns verdicts, ``(row, code, detail)``, which the
    write step turns into ``dedup.*`` rejects on those records (nothing is dropped here)."""

    name = STAGE

    def __init__(self, settings: Settings, known: list[KnownDoc] | None = None) -> None:
        self.settings = settings
        self.known = list(known or ())
        self.stats = StageStats(self.name)
        self.stats.counters["known_from_lake"] = len(self.known)
        exact_only = sum(1 for d in self.known if _known_signature(d, settings.minhash_permutations) is None)
        if exact_only:
            self.stats.counters["known_from_lake_exact_only"] = exact_only

    def duplicates(self, view: RunView) -> list[tuple[int, str, str]]:
        return [(m.row, m.code, m.detail) for m in self.matches(view)]

    def matches(self, view: RunView) -> list[Match]:
        found = find_matches(view, self.known, self.settings)
        self.stats.records_in += view.table.num_rows
        self.stats.records_out += view.table.num_rows
        self.stats.rejected += len(found)
        for m in found:
            self.stats.reasons[m.code] += 1
        return found
