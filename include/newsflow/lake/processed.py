"""What the lake knows of landing records: which ones each date processed (``_state/processed``), so a run
skips what another date holds, and the staged ledger a run hands its publish (one row per record)."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from newsflow.columns import schema
from newsflow.lake import tables
from newsflow.lake.layout import Lake

# the staged ledger: one row per record of the run (the processed rows, plus signatures for the dedup history)
LEDGER = schema("ledger")
PROCESSED = schema("processed")
# The outcome of a WARC archive that was read but held no page (only requests, metadata, redirects, ...): one
# ledger row for the archive itself, so ``_state/processed`` says a date processed it.
NO_PAGES = "no_pages"


def other_dates(day: date) -> pc.Expression:
    return pc.field("date") != pa.scalar(day, pa.date32())


def processed_elsewhere(lake: Lake, day: date) -> set[tuple[str, str]]:
    """(landing file, sha256) pairs that other dates processed."""
    table = tables.read(lake.table("processed"), columns=["source_file", "file_sha256"], filter=other_dates(day))
    if table is None:
        return set()
    return set(zip(table.column("source_file").to_pylist(), table.column("file_sha256").to_pylist()))


def pageless_rows(archives: list[tuple[str, str]]) -> pa.Table:
    """Staged-ledger rows claiming archives that held no page: (archive, sha256) each."""
    n = len(archives)
    return pa.table({"source_file": [a for a, _ in archives], "file_sha256": [s for _, s in archives],
                     "source_path": [a for a, _ in archives], "outcome": [NO_PAGES] * n, "doc_id": pa.nulls(n),
                     "content_sha256": pa.nulls(n), "minhash": pa.nulls(n)}, schema=LEDGER)


def owned_elsewhere(lake: Lake, day: date, files: pa.ChunkedArray, paths: pa.ChunkedArray,
                    shas: pa.ChunkedArray) -> set[str]:
    """Which of these records (``source_file``, ``source_path``, ``file_sha256``, row for row) another date
    holds in ``_state/processed`` (after this date's claim). Keyed like the claim: a landing file with new
    content under a known path is this date's to publish. The table is asked for other dates' rows of the
    run's landing files (a few values: a 100k-record archive is one file), never for every record's path."""
    if not len(paths):
        return set()
    held = tables.read(lake.table("processed"), columns=["source_path", "file_sha256"],
                       filter=other_dates(day) & pc.field("source_file").isin(pc.unique(files)))
    if held is None or not held.num_rows:
        return set()
    held_pairs = set(zip(held.column("source_path").to_pylist(), held.column("file_sha256").to_pylist()))
    candidates = pc.is_in(paths, value_set=held.column("source_path").combine_chunks())
    mine = pa.table({"source_path": paths, "file_sha256": shas}).filter(candidates)
    return {path for path, sha in zip(mine.column("source_path").to_pylist(), mine.column("file_sha256").to_pylist())
            if (path, sha) in held_pairs}
