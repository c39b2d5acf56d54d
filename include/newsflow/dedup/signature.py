"""MinHash signatures of normalised texts: how they are made, and how stored ones are read back.

Signatures are computed per batch (``normalise``'s ``SignStage``, in parallel on the workers) and stored
in staging files and the lake's ledgers, with the name of how they are made (``SIGNATURE_SCHEME``) beside
them, so signatures made another way are never compared with these.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from newsflow.settings import Settings
from newsflow.storage import StorePath

SEED = 1
# Signatures are stored in the lake's ledgers: the name of how they are made is stored beside them
# (``SIGNATURE_SCHEME``), so signatures made another way are never compared with these.
DATASKETCH_SCHEME = "affine32"
SIGNATURE_SCHEME = "poly64-tokens/fold-shingles/affine32/seed1"
# Odd 64-bit multiplier (the golden ratio's): folds a shingle's token hashes into one value.
_FOLD = np.uint64(0x9E3779B97F4A7C15)

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
    """datasketch's affine32 permutations for our seed: (2, num_perm) uint32 (a odd, b), drawn as its
    ``MinHash._init_permutations`` draws them (equal, tested). Not through datasketch itself: importing it
    imports its LSH and with it scipy.integrate, 0.5-1 CPU s of every worker's start for three lines."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer (what datasketch applies before affine32 permutations)."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * np.uint32(0x85EBCA6B)
        values = values ^ (values >> np.uint32(13))
        values = values * np.uint32(0xC2B2AE35)
        mixed: np.ndarray = values ^ (values >> np.uint32(16))
        return mixed


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
        smallest: np.ndarray = (mixed * a + b).min(axis=0)
        return smallest


def as_signature(values: Any, num_perm: int) -> np.ndarray | None:
    """A stored signature (uint64 list from Parquet) as a uint32 array; None when it is not one of ours
    (wrong length, or values beyond the affine32 scheme's 32 bits)."""
    array = np.asarray(values, dtype=np.uint64)
    if array.shape != (num_perm,) or (array.size and int(array.max()) > 0xFFFFFFFF):
        return None
    return array.astype(np.uint32)


def signature_column(column: Any, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """A stored list<uint64> signature column (staging file or ledger) as a (rows, num_perm) uint32
    matrix and a mask of the rows holding one of ours (``as_signature``'s rule, on whole arrays)."""
    import pyarrow as pa

    return _read_signatures(column.chunks if isinstance(column, pa.ChunkedArray) else [column], len(column), num_perm)


def signature_file(path: StorePath, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """``signature_column`` of a Parquet file's ``minhash`` column, read a row group at a time: the 64-bit
    lists (~1 kB a row) are never all in memory, only the uint32 matrix they fill."""
    from newsflow import storage

    parquet = storage.parquet_file(path)
    groups = (parquet.read_row_group(g, ["minhash"], use_threads=False).column("minhash").combine_chunks()
              for g in range(parquet.num_row_groups))
    return _read_signatures(groups, parquet.metadata.num_rows, num_perm)


def _read_signatures(chunks: Any, rows: int, num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Fill one uint32 matrix chunk by chunk: no 64-bit copy of the column, no index array the size of its
    values (both were ~100 MB at 100k rows)."""
    import pyarrow.compute as pc

    matrix = np.zeros((rows, num_perm), dtype=np.uint32)
    signed = np.zeros(rows, dtype=bool)
    foreign = False  # values beyond 32 bits anywhere: another scheme's signatures
    filled = 0
    for chunk in chunks:
        lengths = pc.fill_null(pc.list_value_length(chunk), 0).to_numpy()
        values = chunk.flatten().to_numpy(zero_copy_only=False)  # the chunk's values, its slice respected
        if values.size and int(values.max()) > 0xFFFFFFFF:
            foreign = True
        ok = lengths == num_perm
        signed[filled:filled + len(chunk)] = ok
        if ok.all():
            matrix[filled:filled + len(chunk)] = values.reshape(len(chunk), num_perm)
        else:
            starts = np.cumsum(lengths) - lengths
            for row in np.flatnonzero(ok):
                matrix[filled + row] = values[starts[row]:starts[row] + num_perm]
        filled += len(chunk)
    if foreign:
        signed[:] = False
    return matrix, signed
