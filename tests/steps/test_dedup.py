"""The run-level dedup step over staged batch files."""

import json

import pyarrow.parquet as pq
from helpers import story_paragraphs

from newsflow import pipeline
from newsflow.lake.staging import write_records
from newsflow.normalise.stage import NormaliseStage, SignStage
from newsflow.record import Article
from newsflow.settings import Settings


def _doc(path: str, text: str) -> Article:
    rec = Article(record_id=path, source_path=path, landing_name="l", kind="txt", size_bytes=len(text), sha256=path)
    rec.decoded = text
    NormaliseStage(Settings()).process(rec)
    SignStage(Settings()).process(rec)
    return rec


def test_run_level_step_reads_batches_column_wise(tmp_path):
    """Records never normalised are skipped, a record without a signature still gets exact checks,
    duplicates across batches are found and named."""
    ctx = pipeline.RunContext.create(tmp_path / "landing", tmp_path / "lake", "2024-05-01", "t1")
    ctx.run.staging.mkdir(parents=True)
    ctx.run.plan.write_text(json.dumps({"batch_size": 2, "files": 5, "batches": 2}))
    story = "\n\n".join(story_paragraphs(3))
    first, unsigned = _doc("a/first.txt", story), _doc("b/unsigned.txt", "\n\n".join(story_paragraphs(4)))
    unsigned.minhash = []
    broken = Article(record_id="c/broken.bin", source_path="c/broken.bin", landing_name="l", kind="txt",
                     size_bytes=3, sha256="x")
    broken.reject("ingest", "binary_content", "not text")
    again, unsigned_again = _doc("d/again.txt", story), _doc("e/unsigned_again.txt", unsigned.text)
    write_records(ctx.run.step_file("gate_normalised", 0), [first, unsigned, broken])
    write_records(ctx.run.step_file("gate_normalised", 1), [again, unsigned_again])
    stats = pipeline.dedup(ctx)
    verdicts = {r["record_id"]: (r["code"], r["detail"]) for r in pq.read_table(ctx.run.dedup_verdicts).to_pylist()}
    assert verdicts == {"d/again.txt": ("exact_duplicate", "same text as a/first.txt"),
                        "e/unsigned_again.txt": ("exact_duplicate", "same text as b/unsigned.txt")}
    assert stats["records"] == 4 and stats["newly_quarantined"] == 2
