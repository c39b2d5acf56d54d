"""Lake maintenance: compact each table's small files, then vacuum files no version in the retention
window needs.

Vacuum only deletes files that are unreferenced by the table's current version *and* older than the
retention. A publish writes its data files before it commits them, so for a moment they are unreferenced:
a retention far longer than any publish (at least ``MIN_RETENTION_HOURS``) is what keeps vacuum from ever
deleting the files of a commit still in flight. Versions older than the retention lose their files: time
travel reaches back that far.
"""

from __future__ import annotations

from typing import Any

from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.storage import StorePath

TABLES = ("articles", "quarantine", "processed", "signatures", "lsh_bands", "source_stats")  # missing ones: skipped
MIN_RETENTION_HOURS = 24


def maintain(root: StorePath, retention_hours: int = 168, run_id: str = "maintenance") -> dict[str, Any]:
    """Compact, then vacuum, every table of the lake; returns what each did."""
    if retention_hours < MIN_RETENTION_HOURS:
        raise ValueError(f"retention_hours {retention_hours} < {MIN_RETENTION_HOURS}: vacuum could delete the "
                         "files of a publish still in flight")
    lake = Lake(root)
    done = {}
    for name in TABLES:
        table = tables.open_table(lake.table(name))
        if table is None:
            continue
        compacted = table.optimize.compact(
            commit_properties=tables.commit_properties(run_id, **{"newsflow.operation": "compact"}))
        table.update_incremental()
        removed = table.vacuum(retention_hours=retention_hours, dry_run=False, enforce_retention_duration=False,
                               commit_properties=tables.commit_properties(run_id, **{"newsflow.operation": "vacuum"}))
        table.update_incremental()
        done[name] = {"files_added": compacted.get("numFilesAdded"), "files_removed": compacted.get("numFilesRemoved"),
                      "vacuumed": len(removed), "version": table.version()}
    return done
