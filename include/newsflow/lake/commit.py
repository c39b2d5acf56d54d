"""Commit a run's staged output (what the ``publish`` step does to the lake): the commit protocol, on Delta
tables.

1. **Claim** the run's landing records in ``_state/processed`` (one MERGE, serialised against other
   runs by delta-rs's conflict check). Records another date holds are not this run's to publish: they are
   left out below and counted as skipped (already processed).
2. **Commit** ``articles``, then ``quarantine``: each a predicate overwrite of ``date = D`` (one commit per
   table). Between the two commits a reader of both tables sees the new articles beside the date's
   previous quarantine rows; each table on its own is always whole.
   Then ``story_clusters`` (the date's duplicates as data, ``dedup/clusters.py``), the same way: a reader
   may briefly see the new articles beside the date's previous clusters.
3. **History**: the published documents' signatures and LSH band keys (dedup against later dates).
4. **Mark done**: ``_state/published/date=D.json`` names the versions written, the counts and the date's
   data files. It is written last: a date whose marker names this run is complete.

Every step replaces the date, never appends to it, so retrying a publish after a crash anywhere finishes
the job and never doubles rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from newsflow import runrecords, storage
from newsflow.columns import PUBLISHED, table_schema
from newsflow.lake import tables
from newsflow.lake.layout import RunPaths
from newsflow.runrecords import RunMarker
from datetime import date
from newsflow.storage import StorePath

if TYPE_CHECKING:
    import numpy as np


def parquet_options() -> dict[str, Any]:
    """Fixed writer options for staged output files (no pandas metadata, zstd): same rows, same bytes."""
    return {"compression": "zstd", "write_statistics": True, "use_dictionary": True}


def _with_date(path: StorePath, dataset: str, day: date, drop: set[str]) -> pa.RecordBatchReader:
    """The staged file's rows, minus records in ``drop``, with the partition column: streamed."""
    target = table_schema(dataset)
    day_scalar = pa.scalar(day, pa.date32())

    def batches() -> Iterator[pa.RecordBatch]:
        # One row group per reader call, one thread, small batches. A reader over the whole file pre-buffers
        # every row group it has read and keeps them until it is done: the date's whole file in memory
        # (+490 MB at 85k articles).
        parquet = storage.parquet_file(path)
        for group in range(parquet.num_row_groups):
            for batch in parquet.iter_batches(batch_size=512, row_groups=[group], use_threads=False):
                if drop:
                    batch = batch.filter(pc.invert(pc.is_in(batch.column("source_path"), pa.array(sorted(drop)))))
                yield pa.RecordBatch.from_arrays(list(batch.columns) + [pa.repeat(day_scalar, batch.num_rows)],
                                                 schema=target)

    return pa.RecordBatchReader.from_batches(target, batches())


# Writes the date's dedup history (``dedup/history.write_run_history``): given the staged ledger's rows this
# run publishes (without signatures) and the mask that chose them (None: every row); returns versions written.
HistoryWriter = Callable[[pa.Table, "np.ndarray | None"], dict[str, int]]


def commit_run(run: RunPaths, articles: int, quarantined: int, write_history: HistoryWriter) -> RunMarker:
    """Commit the run's staged partitions (steps above; ``articles`` and ``quarantined``: the staged counts);
    returns the run marker."""
    from newsflow.lake.processed import LEDGER, PROCESSED, owned_elsewhere

    lake, day = run.lake, run.day
    if run.run_marker.exists():
        run.run_marker.unlink()  # the date is not done while its tables change
    # the ledger without its signatures: they are read into one uint32 matrix for the history, a row group at
    # a time (as 64-bit lists they are the bulk of the file, ~1 kB a record)
    ledger = storage.read_table(run.staged_ledger, [name for name in LEDGER.names if name != "minhash"])
    processed = pa.table({
        **{name: ledger.column(name) for name in ("source_file", "file_sha256", "source_path", "outcome",
                                                  "doc_id", "content_sha256")},
        "run_id": pa.repeat(pa.scalar(run.run_id, pa.string()), ledger.num_rows),
        "date": pa.repeat(pa.scalar(day, pa.date32()), ledger.num_rows)}, schema=PROCESSED)
    versions = {"processed": tables.claim(lake.table("processed"), processed, day, run.run_id)}
    del processed
    others = owned_elsewhere(lake, day, ledger.column("source_file"), ledger.column("source_path"),
                             ledger.column("file_sha256"))
    for dataset in PUBLISHED:
        versions[dataset] = tables.replace_date_streamed(lake.table(dataset),
                                                         _with_date(run.staged_file(dataset), dataset, day, others),
                                                         day, run.run_id)
    mine = pc.invert(pc.is_in(ledger.column("source_path"), pa.array(sorted(others), pa.string())))
    keep = mine.to_numpy(zero_copy_only=False) if others else None
    versions.update(write_history(ledger.filter(mine), keep))
    skipped = ledger.filter(pc.invert(mine))
    outcomes = skipped.column("outcome").to_pylist()
    files = {dataset: [f"{dataset}/{f}" for f in tables.data_files(lake.table(dataset), day)] for dataset in PUBLISHED}
    marker = RunMarker(date=day.isoformat(), run_id=run.run_id, versions=versions, files=files,
                       articles=articles - outcomes.count("published"),
                       quarantined=quarantined - outcomes.count("quarantined"), skipped_at_publish=len(others))
    runrecords.write(run.run_marker, marker)
    return marker
