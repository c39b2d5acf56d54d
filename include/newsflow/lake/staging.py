"""Records between tasks: one Parquet file per step in the run's staging folder (schema: ``columns.STAGING``).

Tasks hand each other paths (small XCom), never the records themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa

from newsflow import storage
from newsflow.columns import RECORD_FIELDS, STAGING
from newsflow.record import Article, Reject
from newsflow.storage import StorePath

# Records written (and read back) per row group. A staged record holds its whole decoded page (~200 kB, as a
# Python str up to 4 bytes a character): at 256 a worker's ingest peaked +410 MB over its start, at 64
# +180 MB, and no step got slower (docs/performance.md).
_BATCH_ROWS = 64
# Staging files live for one run and hold whole decoded pages: lz4 without dictionary pages writes and
# reads 3-4x faster than zstd with them (dictionaries never pay on page-sized strings), at 1.4x the bytes.
_WRITE_OPTIONS = {"compression": "lz4", "use_dictionary": False}
# Read with every light read: what a record cannot be built without.
_REQUIRED = ("record_id", "source_path", "landing_name", "kind", "size_bytes", "sha256")
_LIST_FIELDS = ("authors", "boilerplate_phrases", "minhash", "rejects")


def records_table(records: list[Article], drop: tuple[str, ...] = ()) -> pa.Table:
    """Records as a staging table; ``drop`` empties columns later steps no longer need."""
    # Column lists and from_pydict: 4x faster than a dict per row and from_pylist, and a shallow read
    # of each field (dataclasses.asdict deep-copied every list and string).
    columns = {name: ([None] * len(records) if name in drop else [getattr(r, name) for r in records])
               for name in RECORD_FIELDS if name != "rejects"}
    columns["rejects"] = [[{"stage": x.stage, "code": x.code, "detail": x.detail} for x in r.rejects]
                          for r in records]
    return pa.Table.from_pydict(columns, schema=STAGING)


def write_records(path: StorePath, records: Iterable[Article], drop: tuple[str, ...] = ()) -> int:
    """Stream records to ``path`` (it appears only when complete). Returns the count."""
    count = 0
    with storage.parquet_writer(path, STAGING, **_WRITE_OPTIONS) as writer:
        batch: list[Article] = []
        for record in records:
            batch.append(record)
            count += 1
            if len(batch) >= _BATCH_ROWS:
                writer.write_table(records_table(batch, drop))
                batch = []
        if batch or count == 0:
            writer.write_table(records_table(batch, drop))
    return count


def read_records(path: StorePath, columns: tuple[str, ...] | None = None) -> Iterator[Article]:
    """Stream records back, one row group at a time (only ``columns`` when given: light reads)."""
    parquet = storage.parquet_file(path)
    wanted = None if columns is None else sorted(set(columns) | set(_REQUIRED), key=STAGING.names.index)
    for index in range(parquet.num_row_groups):
        for row in parquet.read_row_group(index, columns=wanted).to_pylist():
            if "rejects" in row:
                row["rejects"] = [Reject(**r) for r in row["rejects"] or []]
            for name in _LIST_FIELDS:
                if name in row and row[name] is None:
                    row[name] = []
            yield Article(**row)


def row_count(path: StorePath) -> int:
    return int(storage.parquet_file(path).metadata.num_rows)
