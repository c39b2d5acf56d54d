from helpers import seed_text, story_paragraphs
from newsflow.dedup.minhash import DedupStage, KnownDoc
from newsflow.normalise import NormaliseStage
from newsflow.quality.boilerplate import find_boilerplate
from newsflow.record import Article
from newsflow.settings import Settings


def _doc(path: str, text: str) -> Article:
    rec = Article(record_id=path, source_path=path, landing_name="l", kind="txt", size_bytes=len(text), sha256=path)
    rec.decoded = text
    NormaliseStage(Settings()).process(rec)
    return rec


def test_leaky_copy_is_near_duplicate_of_clean_original_whatever_the_order():
    leaky = _doc("a_leaky.txt", seed_text("001"))  # sorts first, but carries furniture
    clean = _doc("b_clean.txt", seed_text("000"))
    assert find_boilerplate(leaky.normalized_text.split())
    stage = DedupStage(Settings())
    out = list(stage.run([leaky, clean]))
    assert not out[1].rejected
    (reason,) = out[0].rejects
    assert reason.code == "near_duplicate" and "b_clean.txt" in reason.detail
    assert stage.stats.as_dict()["reasons"] == {"near_duplicate": 1}


def test_exact_and_distinct():
    text = "\n\n".join(story_paragraphs(1))
    a, b, c = _doc("a.txt", text), _doc("b.txt", text), _doc("c.txt", "\n\n".join(story_paragraphs(2)))
    out = list(DedupStage(Settings()).run([a, b, c]))
    assert [[x.code for x in r.rejects] for r in out] == [[], ["exact_duplicate"], []]


def test_against_the_lake():
    original = _doc("old.txt", seed_text("002"))
    stage = DedupStage(Settings())
    list(stage.run([original]))
    known = KnownDoc(original.doc_id, original.content_sha256, original.minhash, "old.txt (date=2019-01-01)")
    again = _doc("new.txt", seed_text("002"))
    out = list(DedupStage(Settings(), [known]).run([again]))
    assert out[0].rejects[0].code == "exact_duplicate" and "date=2019-01-01" in out[0].rejects[0].detail


def test_signatures_estimate_shingle_jaccard():
    """The array-computed shingle hashes must behave as a hash: the estimate tracks the true Jaccard."""
    import random

    from newsflow.dedup.minhash import minhash_of, shingle_hashes

    settings = Settings()
    rng = random.Random(7)
    vocab = [f"w{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(600)]
    base = [rng.choice(vocab) for _ in range(800)]
    for edits in (0, 40, 200, 800):
        other = list(base)
        for i in rng.sample(range(len(other)), edits):
            other[i] = rng.choice(vocab)
        size = settings.shingle_size
        grams = lambda toks: {tuple(toks[i:i + size]) for i in range(len(toks) - size + 1)}  # noqa: E731
        true = len(grams(base) & grams(other)) / len(grams(base) | grams(other))
        estimate = minhash_of(base, settings).jaccard(minhash_of(other, settings))
        assert abs(estimate - true) < 0.12, (edits, true, estimate)
    assert shingle_hashes(base, 5).tolist() == shingle_hashes(list(base), 5).tolist()
    assert len(set(shingle_hashes(base, 5).tolist())) == len(grams(base))  # no collisions among ~800
    assert shingle_hashes(["only", "two"], 5).size == 1 and shingle_hashes([], 5).size == 0


def test_lake_signatures_of_another_scheme_are_used_for_exact_checks_only():
    original = _doc("old.txt", seed_text("002"))
    list(DedupStage(Settings()).run([original]))
    foreign = KnownDoc(original.doc_id, original.content_sha256, None, "old.txt (date=2019-01-01)")
    near = _doc("near.txt", seed_text("002") + "\n\nOne more closing line was added by the wire service.")
    same = _doc("same.txt", seed_text("002"))
    stage = DedupStage(Settings(), [foreign])
    out = list(stage.run([near, same]))
    assert [[x.code for x in r.rejects] for r in out] == [[], ["exact_duplicate"]]
    assert stage.stats.as_dict()["counters"]["known_from_lake_exact_only"] == 1


def test_run_level_step_reads_batches_column_wise(tmp_path):
    """pipeline.dedup over staged batches: records never normalised are skipped, a record without a
    signature still gets exact checks, duplicates across batches are found and named."""
    import json

    import pyarrow.parquet as pq

    from newsflow import pipeline
    from newsflow.lake.staging import write_records

    ctx = pipeline.RunContext.create(tmp_path / "landing", tmp_path / "lake", "2024-05-01", "t1")
    ctx.staging.mkdir(parents=True)
    (ctx.staging / "plan.json").write_text(json.dumps({"batch_size": 2, "files": 5, "batches": [[], []]}))
    story = "\n\n".join(story_paragraphs(3))
    first, unsigned = _doc("a/first.txt", story), _doc("b/unsigned.txt", "\n\n".join(story_paragraphs(4)))
    unsigned.minhash = []
    broken = Article(record_id="c/broken.bin", source_path="c/broken.bin", landing_name="l", kind="txt",
                     size_bytes=3, sha256="x")
    broken.reject("ingest", "binary_content", "not text")
    again, unsigned_again = _doc("d/again.txt", story), _doc("e/unsigned_again.txt", unsigned.text)
    write_records(ctx.file("gate_normalised", 0), [first, unsigned, broken])
    write_records(ctx.file("gate_normalised", 1), [again, unsigned_again])
    stats = pipeline.dedup(ctx)
    verdicts = {r["record_id"]: (r["code"], r["detail"]) for r in pq.read_table(ctx.staging / "dedup.parquet").to_pylist()}
    assert verdicts == {"d/again.txt": ("exact_duplicate", "same text as a/first.txt"),
                        "e/unsigned_again.txt": ("exact_duplicate", "same text as b/unsigned.txt")}
    assert stats["records"] == 4 and stats["newly_quarantined"] == 2


def test_array_signature_equals_datasketch_on_the_same_shingles():
    """Our numpy signing is datasketch's affine32 MinHash, computed on one array: same values."""
    from datasketch import MinHash

    from newsflow.dedup.minhash import _SCHEME, _SEED, shingle_hashes, signature, token_hashes

    settings = Settings()
    text = " ".join(seed_text("002").lower().split())
    text = " ".join(t for t in text.replace(".", " ").replace(",", " ").split() if t.isalpha() and t.isascii())
    reference = MinHash(num_perm=settings.minhash_permutations, seed=_SEED, scheme=_SCHEME, hashfunc=lambda v: v)
    reference.update_batch(shingle_hashes(text, settings.shingle_size).tolist())
    assert signature(text, settings).tolist() == reference.hashvalues.tolist()
    # token hashes: one per token, equal tokens equal, independent of position
    hashes = token_hashes("trade war trade talks war").tolist()
    assert len(hashes) == 5 and hashes[0] == hashes[2] and hashes[1] == hashes[4] and len(set(hashes)) == 3
    assert token_hashes("").size == 0 and signature("", settings).tolist() == [0xFFFFFFFF] * settings.minhash_permutations
