"""The ``plan`` task: split the landing folder into batches (the mapped tasks' inputs)."""

from __future__ import annotations

import json

from newsflow import storage
from newsflow.steps.context import RunContext


def plan(ctx: RunContext) -> list[int]:
    """Batches of ``batch_size`` landing files; always at least one (maybe empty)."""
    from newsflow.ingest.landing import discover

    if not ctx.landing.is_dir():
        raise FileNotFoundError(f"landing folder {storage.display(ctx.landing)} does not exist")
    storage.rmtree(ctx.run.staging)  # a rerun or retry starts this run's staging afresh
    ctx.run.quality.mkdir(parents=True, exist_ok=True)  # the UI finds a run by its quality folder
    files = [f.to_json(ctx.landing) for f in discover(ctx.landing)]
    size = max(1, ctx.settings.batch_size)
    batches = [files[i:i + size] for i in range(0, len(files), size)] or [[]]
    storage.write_text_atomic(ctx.run.plan, json.dumps({"batch_size": size, "files": len(files),
                                                        "batches": batches}))
    ctx.save_stats("plan", {"step": "plan", "files": len(files), "batches": len(batches), "batch_size": size})
    return list(range(len(batches)))
