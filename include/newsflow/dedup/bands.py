"""LSH banding of MinHash signatures: how many bands for a similarity threshold, and each band's key. The
one scheme both the run's own comparison (``find.py``) and the lake's band index (``history.py``) use."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from newsflow.dedup.signature import SEED

# ``band_split``'s answers for the usual settings, as datasketch 2's ``MinHashLSH`` gives them (tested against
# it): the dedup step then never imports datasketch, whose LSH imports scipy.integrate (0.5-1 CPU s a process).
_KNOWN_SPLITS: dict[tuple[int, float], tuple[int, int]] = {
    (64, 0.5): (14, 4), (64, 0.6): (10, 6), (64, 0.7): (8, 8), (64, 0.75): (7, 9), (64, 0.8): (5, 11),
    (64, 0.85): (4, 15), (64, 0.9): (3, 21),
    (128, 0.5): (25, 5), (128, 0.6): (18, 7), (128, 0.7): (14, 9), (128, 0.75): (11, 11), (128, 0.8): (9, 13),
    (128, 0.85): (8, 16), (128, 0.9): (5, 25),
    (256, 0.5): (42, 6), (256, 0.6): (32, 8), (256, 0.7): (25, 10), (256, 0.75): (21, 12), (256, 0.8): (17, 15),
    (256, 0.85): (13, 19), (256, 0.9): (9, 28),
}


@lru_cache(maxsize=8)
def band_split(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows per band) for the threshold: datasketch's own optimisation of LSH's S-curve (numerical
    integration, about 15 ms a call: cached, the dedup step asks several times); known answers from
    ``_KNOWN_SPLITS``."""
    if (num_perm, threshold) in _KNOWN_SPLITS:
        return _KNOWN_SPLITS[num_perm, threshold]
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def band_keys(signatures: np.ndarray, bands: int, rows: int, at: np.ndarray | None = None) -> np.ndarray:
    """(n, bands) uint64: each band's values folded into one key with odd multipliers (wrapping). ``at``:
    only these rows of ``signatures``, in this order (no copy of the selected rows' whole signatures)."""
    fold = np.random.RandomState(SEED).randint(0, 1 << 62, rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    keys = np.empty((len(signatures) if at is None else len(at), bands), dtype=np.uint64)
    for band in range(bands):  # one band at a time: a 64-bit copy of the whole matrix would double its memory
        columns = slice(band * rows, (band + 1) * rows)
        values = signatures[:, columns] if at is None else signatures[at, columns]
        keys[:, band] = (values.astype(np.uint64) * fold).sum(axis=1, dtype=np.uint64)
    return keys
