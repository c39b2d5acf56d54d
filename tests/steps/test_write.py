"""The write group: the output gate catches what the steps before it got wrong."""

import pyarrow.parquet as pq
import pytest

from newsflow import pipeline
from newsflow.gates import GateFailed
from newsflow.pipeline import RunContext

DAY = "2024-05-01"


def _staged(landing, tmp_path, **overrides):
    ctx = RunContext.create(str(landing), str(tmp_path / "lake"), DAY, "manual__1", overrides or None)
    for batch in pipeline.plan(ctx):
        pipeline.run_batch(ctx, batch)
    pipeline.dedup(ctx)
    pipeline.stage_output(ctx)
    return ctx


def test_output_gate_catches_a_lost_row(landing, tmp_path):
    ctx = _staged(landing, tmp_path)
    staged = ctx.run.staged_file("articles")
    pq.write_table(pq.read_table(staged).slice(0, 1), staged)  # a bug loses one article
    with pytest.raises(GateFailed) as info:
        pipeline.gate_output(ctx)
    assert any(f.startswith("row_count_reconciliation") for f in info.value.failures)
    assert not (tmp_path / "lake" / "articles").exists()


def test_output_gate_catches_a_schema_break(landing, tmp_path):
    ctx = _staged(landing, tmp_path)
    staged = ctx.run.staged_file("articles")
    pq.write_table(pq.read_table(staged).drop_columns(["title"]), staged)
    with pytest.raises(GateFailed) as info:
        pipeline.gate_output(ctx)
    assert any(f.startswith("schema_mismatch") for f in info.value.failures)


def test_publish_refuses_a_run_whose_output_gate_did_not_pass(landing, tmp_path):
    ctx = _staged(landing, tmp_path)
    with pytest.raises(RuntimeError, match="gate_output has not passed"):
        pipeline.publish(ctx)
    assert not ctx.run.run_marker.exists()
