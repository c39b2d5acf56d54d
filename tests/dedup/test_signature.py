"""MinHash signatures: array math equal to datasketch's, estimates that track the true Jaccard."""

from helpers import seed_text

from newsflow.settings import Settings


def test_signatures_estimate_shingle_jaccard():
    """The array-computed shingle hashes must behave as a hash: the estimate tracks the true Jaccard."""
    import random

    import numpy as np

    from newsflow.dedup.signature import shingle_hashes, signature

    settings = Settings()
    rng = random.Random(7)
    vocab = [f"w{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(600)]
    base = [rng.choice(vocab) for _ in range(800)]
    for edits in (0, 40, 200, 800):
        other = list(base)
        for i in rng.sample(range(len(other)), edits):
            other[i] = rng.choice(vocab)
        size = settings.shingle_size
        grams = lambda toks, size=size: {tuple(toks[i:i + size]) for i in range(len(toks) - size + 1)}  # noqa: E731
        true = len(grams(base) & grams(other)) / len(grams(base) | grams(other))
        # MinHash's estimate: the share of positions where the two signatures agree
        estimate = float(np.mean(signature(" ".join(base), settings) == signature(" ".join(other), settings)))
        assert abs(estimate - true) < 0.12, (edits, true, estimate)
    assert shingle_hashes(base, 5).tolist() == shingle_hashes(list(base), 5).tolist()
    assert len(set(shingle_hashes(base, 5).tolist())) == len(grams(base))  # no collisions among ~800
    assert shingle_hashes(["only", "two"], 5).size == 1 and shingle_hashes([], 5).size == 0


def test_array_signature_equals_datasketch_on_the_same_shingles():
    """Our numpy signing is datasketch's affine32 MinHash, computed on one array: same values."""
    from datasketch import MinHash

    from newsflow.dedup.signature import DATASKETCH_SCHEME, SEED, shingle_hashes, signature, token_hashes

    settings = Settings()
    text = " ".join(seed_text("002").lower().split())
    text = " ".join(t for t in text.replace(".", " ").replace(",", " ").split() if t.isalpha() and t.isascii())
    reference = MinHash(num_perm=settings.minhash_permutations, seed=SEED, scheme=DATASKETCH_SCHEME,
                        hashfunc=lambda v: v)
    reference.update_batch(shingle_hashes(text, settings.shingle_size).tolist())
    assert signature(text, settings).tolist() == reference.hashvalues.tolist()
    # token hashes: one per token, equal tokens equal, independent of position
    hashes = token_hashes("trade war trade talks war").tolist()
    assert len(hashes) == 5 and hashes[0] == hashes[2] and hashes[1] == hashes[4] and len(set(hashes)) == 3
    assert token_hashes("").size == 0
    assert signature("", settings).tolist() == [0xFFFFFFFF] * settings.minhash_permutations


def test_a_stored_signature_column_reads_back_row_for_row_whatever_its_chunks():
    """Chunked and sliced columns, missing and wrong-length rows: each row as ``as_signature`` reads it
    alone (the column reader copies chunk by chunk instead of through one big index array)."""
    import numpy as np
    import pyarrow as pa

    from newsflow.dedup.signature import as_signature, signature_column

    num_perm = 4
    rows = [[1, 2, 3, 4], None, [5, 6, 7], [], [8, 9, 10, 11], [12, 13, 14, 15], [0xFFFFFFFF, 0, 1, 2]]
    whole = pa.array(rows, pa.list_(pa.uint64()))
    chunked = pa.chunked_array([whole.slice(0, 2), whole.slice(2, 3), whole.slice(5)])
    for column in (whole, chunked, pa.chunked_array([whole.slice(4)])):
        values = column.to_pylist()
        matrix, signed = signature_column(column, num_perm)
        expected = [as_signature(v, num_perm) if v else None for v in values]
        assert signed.tolist() == [e is not None for e in expected]
        for got, want in zip(matrix, expected, strict=True):
            assert got.tolist() == (want.tolist() if want is not None else [0] * num_perm)
        assert matrix.dtype == np.uint32
    foreign = pa.chunked_array([whole.slice(0, 1), pa.array([[1 << 40, 1, 2, 3]], pa.list_(pa.uint64()))])
    assert not signature_column(foreign, num_perm)[1].any(), "64-bit values anywhere: another scheme's column"


def test_permutations_and_band_splits_are_datasketchs():
    """The permutations drawn without datasketch, and the band splits kept in a table, are what datasketch
    itself gives (the run no longer imports it for them)."""
    from datasketch import MinHash, MinHashLSH

    from newsflow.dedup.bands import _KNOWN_SPLITS, band_split
    from newsflow.dedup.signature import DATASKETCH_SCHEME, SEED, _permutations

    for num_perm in (16, 64, 128, 256):
        reference = MinHash(num_perm=num_perm, seed=SEED, scheme=DATASKETCH_SCHEME).permutations
        assert _permutations(num_perm).dtype == reference.dtype
        assert _permutations(num_perm).tolist() == reference.tolist()
    for (num_perm, threshold), split in _KNOWN_SPLITS.items():
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        assert split == (lsh.b, lsh.r) == band_split(num_perm, threshold)
    lsh = MinHashLSH(threshold=0.65, num_perm=96)
    assert band_split(96, 0.65) == (lsh.b, lsh.r)  # not in the table: datasketch's answer
