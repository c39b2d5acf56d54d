"""The per-batch steps: a stage crash is the task's own reject and counts against the ratio gate."""

import pytest

from newsflow import pipeline
from newsflow.gates import GateFailed
from newsflow.lake.staging import read_records
from newsflow.pipeline import RunContext


def _crash(*_args, **_kwargs):
    raise RuntimeError("signing blew up")


def test_a_crash_while_signing_is_a_normalise_reject(landing, tmp_path, monkeypatch):
    import newsflow.normalise.stage as stage

    monkeypatch.setattr(stage, "signature", _crash)
    ctx = RunContext.create(str(landing), str(tmp_path / "lake"), "2024-05-01", "manual__1")
    (batch,) = pipeline.run_step("plan", ctx)
    for name in ("ingest", "gate_raw", "normalise"):
        pipeline.run_step(name, ctx, batch)
    records = list(read_records(ctx.run.step_file("normalise", batch)))
    assert [[x.key for x in r.rejects] for r in records] == [["normalise.stage_error"]] * 3
    assert ctx.load_stats("normalise", batch)["sign"]["reasons"] == {"stage_error": 3}


def test_a_crash_while_signing_fails_the_ratio_gate(landing, tmp_path, monkeypatch):
    """Before: the crash was recorded as dedup.stage_error, which the ratio rule ignores, so a batch
    whose every record failed to sign passed its gate."""
    import newsflow.normalise.stage as stage

    monkeypatch.setattr(stage, "signature", _crash)
    ctx = RunContext.create(str(landing), str(tmp_path / "lake"), "2024-05-01", "manual__1",
                            {"max_quarantine_ratio": 0.5})
    (batch,) = pipeline.run_step("plan", ctx)
    for name in ("ingest", "gate_raw", "normalise"):
        pipeline.run_step(name, ctx, batch)
    with pytest.raises(GateFailed) as info:
        pipeline.run_step("gate_normalised", ctx, batch)
    assert info.value.failures[0].startswith("quarantine_ratio: 3/3")


def test_an_unknown_step_name_is_a_clear_error(tmp_path):
    ctx = RunContext.create(str(tmp_path), str(tmp_path / "lake"), "2024-05-01", "manual__1")
    with pytest.raises(ValueError, match="no pipeline step 'ingset'"):
        pipeline.run_step("ingset", ctx, 0)


def test_a_text_whose_language_is_not_detected_is_quarantined_not_a_crash(landing, tmp_path):
    """Before: GX's in-set check let a null language through, and writing the output then failed on the
    articles table's non-null language column."""
    (landing / "numbers.txt").write_text("A separate story for 2024-05-01. " * 30)
    summary = pipeline.run_all(RunContext.create(str(landing), str(tmp_path / "lake"), "2024-05-01", "manual__1"))
    assert summary["quarantine_reasons"]["gate_normalised.unknown_language"] == 1
    (row,) = [f for f in summary["quarantined_files"] if f["source_path"] == "numbers.txt"]
    assert row["reasons"] == ["gate_normalised.unknown_language: language not detected: None"]
