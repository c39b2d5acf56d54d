"""The pipeline's steps, in order: the one list the DAG, ``pipeline.STEPS``, the report, the gates and the
stats files derive from. Each step is a task of the same name in ``dags/news_ingest.py``, inside its task
group (``task_id``); ``tests/dags/`` checks the DAG against this module.

Standard library only: the DAG file imports it at parse time.
"""

from __future__ import annotations

from typing import Final, Literal

PLAN: Final = "plan"
INGEST: Final = "ingest"
GATE_RAW: Final = "gate_raw"
NORMALISE: Final = "normalise"
GATE_NORMALISED: Final = "gate_normalised"
DEDUP: Final = "dedup"
STAGE_OUTPUT: Final = "stage_output"
GATE_OUTPUT: Final = "gate_output"
PUBLISH: Final = "publish"

Step = Literal["plan", "ingest", "gate_raw", "normalise", "gate_normalised", "dedup", "stage_output",
               "gate_output", "publish"]
Gate = Literal["gate_raw", "gate_normalised", "gate_output"]

BATCH_GROUP, WRITE_GROUP = "batch", "write"
BATCH_STEPS: Final = (INGEST, GATE_RAW, NORMALISE, GATE_NORMALISED)  # mapped: once per batch, in this order
WRITE_STEPS: Final = (STAGE_OUTPUT, GATE_OUTPUT, PUBLISH)  # once per run, after dedup
STEPS: Final[tuple[Step, ...]] = (PLAN, *BATCH_STEPS, DEDUP, *WRITE_STEPS)
GATES: Final[tuple[Gate, ...]] = (GATE_RAW, GATE_NORMALISED, GATE_OUTPUT)
# the batch file the run-wide steps read: the last per-batch step's (every batch gated)
LAST_BATCH_STEP: Final = BATCH_STEPS[-1]
# where a record can first be rejected (``Reject.stage``, the quarantine table's ``stage`` column), in order
REJECTING_STEPS: Final = (INGEST, GATE_RAW, NORMALISE, GATE_NORMALISED, DEDUP, GATE_OUTPUT)


def task_id(step: str) -> str:
    """The step's task id in the DAG: its name inside its task group (``batch.ingest``, ``write.publish``)."""
    if step in BATCH_STEPS:
        return f"{BATCH_GROUP}.{step}"
    if step in WRITE_STEPS:
        return f"{WRITE_GROUP}.{step}"
    if step in STEPS:
        return step
    raise ValueError(f"no pipeline step {step!r}; steps: {', '.join(STEPS)}")


TASK_IDS: Final = tuple(task_id(step) for step in STEPS)
