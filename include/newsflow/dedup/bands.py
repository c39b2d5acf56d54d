"""LSH banding of MinHash signatures: how many bands for a similarity threshold, and each band's key. The
one scheme both the run's own comparison (``find.py``) and the lake's band index (``history.py``) use."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from newsflow.dedup.signature import SEED


@lru_cache(maxsize=8)
def band_split(num_perm: int, threshold: float) -> tuple[int, int]:
    """(bands, rows per band) for the threshold: datasketch's own optimisation of LSH's S-curve (numerical
    integration, about 15 ms a call: cached, the dedup step asks several times)."""
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
