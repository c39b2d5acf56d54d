"""Lakes built from the seeds, for report, analyst and UI tests (importable as ``lakes``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from paths import SEEDS

DAY = "2024-05-01"
RUN_ID = "manual__2024-05-01T00:00:00+00:00"


def seed_lake(root: Path, *, day: str = DAY, run_id: str = RUN_ID,
              overrides: dict | None = None) -> tuple[Path, dict | None]:
    """Run the whole pipeline in-process (``run_all``) on a copy of seeds/ into ``root/lake``.

    Returns (lake, summary); summary is None when a gate failed (the caller asked for it with ``overrides``).
    """
    from newsflow.gates import GateFailed
    from newsflow.pipeline import RunContext, run_all

    landing = root / "seeds"  # the folder name is the source of plain-text files: "seeds", as in make run
    if not landing.exists():
        shutil.copytree(SEEDS, landing)
    lake = root / "lake"
    ctx = RunContext.create(str(landing), str(lake), day, run_id, overrides)
    try:
        return lake, run_all(ctx)
    except GateFailed:
        return lake, None


def read(lake, dataset: str, day: str | None = DAY, version: int | None = None):
    """A table's rows (one date's, by default) through the Delta table, sorted by source path; None when the
    table does not exist."""
    from datetime import date

    import pyarrow.compute as pc

    from newsflow.lake import tables
    from newsflow.lake.layout import Lake

    where = None if day is None else pc.field("date") == date.fromisoformat(day)
    table = tables.read(Lake(Path(lake)).table(dataset), version=version, filter=where)
    return None if table is None else table.sort_by([("source_path", "ascending")])
