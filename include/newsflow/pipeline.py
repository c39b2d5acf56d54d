"""The front door: the DAG's tasks by name, and ``run_all`` (every step in this process).

``plan`` splits the landing folder into batches; ``ingest``, ``gate_raw``, ``normalise`` and
``gate_normalised`` run once per batch (mapped tasks, spread over workers; ``steps/batch.py``);
``dedup`` (``steps/dedup.py``), ``stage_output``, ``gate_output`` and ``publish`` (``steps/write.py``) run
once per run. Each step reads the previous step's staging file, writes its own plus a small stats JSON,
and returns a small dict (what XCom carries). Airflow only wires them; tests and benchmarks call them
directly.
"""

from __future__ import annotations

from collections.abc import Callable

from newsflow.steps.batch import BATCH_STEPS, gate_normalised, gate_raw, ingest, normalise
from newsflow.steps.context import RunContext
from newsflow.steps.dedup import dedup
from newsflow.steps.plan import plan
from newsflow.steps.write import gate_output, publish, stage_output

__all__ = ["BATCH_STEPS", "STEPS", "RunContext", "run_all", "run_batch", "run_step"]

# Task name -> step. The DAG's task ids are these names (inside their task groups); a test checks it.
STEPS: dict[str, Callable] = {
    "plan": plan,
    "ingest": ingest, "gate_raw": gate_raw, "normalise": normalise, "gate_normalised": gate_normalised,
    "dedup": dedup,
    "stage_output": stage_output, "gate_output": gate_output, "publish": publish,
}


def run_step(name: str, ctx: RunContext, *args):
    try:
        step = STEPS[name]
    except KeyError:
        raise ValueError(f"no pipeline step {name!r}; steps: {', '.join(STEPS)}") from None
    return step(ctx, *args)


def run_batch(ctx: RunContext, batch: int) -> None:
    for name in BATCH_STEPS:
        STEPS[name](ctx, batch)


def run_all(ctx: RunContext) -> dict:
    """Every step in order, in this process: what the DAG does, minus Airflow (tests, benchmarks)."""
    for batch in plan(ctx):
        run_batch(ctx, batch)
    dedup(ctx)
    stage_output(ctx)
    gate_output(ctx)
    return publish(ctx)
