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
from typing import Any

from newsflow.runrecords import Summary
from newsflow.steplist import BATCH_STEPS
from newsflow.steplist import STEPS as STEP_ORDER
from newsflow.steps.batch import gate_normalised, gate_raw, ingest, normalise
from newsflow.steps.context import RunContext
from newsflow.steps.dedup import dedup
from newsflow.steps.plan import plan
from newsflow.steps.write import gate_output, publish, stage_output

__all__ = ["BATCH_STEPS", "STEPS", "RunContext", "run_all", "run_batch", "run_step"]

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "plan": plan, "ingest": ingest, "gate_raw": gate_raw, "normalise": normalise, "gate_normalised": gate_normalised,
    "dedup": dedup, "stage_output": stage_output, "gate_output": gate_output, "publish": publish,
}
# Task name -> step, in the order of ``steplist.STEPS`` (the DAG's task ids are these names, inside their groups)
STEPS: dict[str, Callable[..., Any]] = {name: _FUNCTIONS[name] for name in STEP_ORDER}
if set(_FUNCTIONS) != set(STEPS):
    raise ImportError(f"steps without a place in steplist.STEPS: {sorted(set(_FUNCTIONS) - set(STEPS))}")


def run_step(name: str, ctx: RunContext, *args: Any) -> Any:
    try:
        step = STEPS[name]
    except KeyError:
        raise ValueError(f"no pipeline step {name!r}; steps: {', '.join(STEPS)}") from None
    return step(ctx, *args)


def run_batch(ctx: RunContext, batch: int) -> None:
    for name in BATCH_STEPS:
        STEPS[name](ctx, batch)


def run_all(ctx: RunContext) -> Summary:
    """Every step in order, in this process: what the DAG does, minus Airflow (tests, benchmarks)."""
    for batch in plan(ctx):
        run_batch(ctx, batch)
    dedup(ctx)
    stage_output(ctx)
    gate_output(ctx)
    return publish(ctx)
