"""Publish a run's staged partitions: the lake's commit protocol.

The date's manifest (``_state/published/date=D.json``) is removed first and written last; in between
each dataset's partition is replaced (``storage.replace_folder``: a folder swap on local disks, run-named
files then deletes on object stores) and the date's ledger is replaced. A reader that trusts the manifest
sees the previous state or nothing, never half; a rerun of the same date replaces exactly that date.
"""

from __future__ import annotations

import json

from newsflow import storage
from newsflow.columns import PUBLISHED
from newsflow.lake.layout import RunPaths


def parquet_options() -> dict:
    """Fixed writer options for published files (no pandas metadata, zstd): same rows, same bytes."""
    return {"compression": "zstd", "write_statistics": True, "use_dictionary": True}


def publish(run: RunPaths, counts: dict) -> dict:
    """Move the run's staged partitions and ledger into the lake, then write the manifest; returns it."""
    lake = run.lake
    if run.manifest.exists():
        run.manifest.unlink()  # the date is unpublished while its files change
    files = {dataset: sorted(lake.relative(p) for p in storage.replace_folder(
                 run.staged_partition(dataset), lake.partition(dataset, run.day), run.key))
             for dataset in PUBLISHED}
    storage.copy_atomic(run.staged_ledger, lake.ledger(run.day))
    manifest = {"date": run.day.isoformat(), "run_id": run.run_id, "files": files, **counts}
    storage.write_text_atomic(run.manifest, json.dumps(manifest, indent=1, sort_keys=True))
    return manifest
