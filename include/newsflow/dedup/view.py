"""What dedup reads of a run: a column view of the staged records, never record objects.

The pipeline reads it from the batches' staging files (``read_run_view``); tests build the same view
from in-memory records (``view_of_records``) through the same table code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from newsflow import storage
from newsflow.dedup.signature import signature_column
from newsflow.record import Article

if TYPE_CHECKING:
    import pyarrow as pa

# the staged columns dedup needs
STAGED_COLUMNS = ["record_id", "doc_id", "source_path", "content_sha256", "minhash", "rejects", "boilerplate_phrases"]


@dataclass
class RunView:
    """What dedup reads of a run, column-wise: Arrow string columns and one signature matrix, no record
    objects, so a 100k-record run costs tens of MB (row ``i`` of ``signatures`` belongs to row ``i``).

    Columns: record_id, doc_id, source_path, content_sha256 (strings), rejected, leaky (booleans: already
    quarantined; carries page furniture), signed (the signature row is real).
    """

    table: pa.Table
    signatures: np.ndarray  # (rows, num_perm) uint32


def _view_part(table: Any) -> tuple[pa.Table, pa.Table]:
    """One staged table's dedup columns; records never normalised (no content hash) have nothing to compare."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = table.filter(pc.is_valid(table.column("content_sha256")))
    return table, pa.table({
        "record_id": table.column("record_id"), "doc_id": table.column("doc_id"),
        "source_path": table.column("source_path"),
        "content_sha256": table.column("content_sha256"),
        "rejected": pc.greater(pc.fill_null(pc.list_value_length(table.column("rejects")), 0), 0),
        "leaky": pc.greater(pc.fill_null(pc.list_value_length(table.column("boilerplate_phrases")), 0), 0),
    })


def _schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([("record_id", pa.string()), ("doc_id", pa.string()), ("source_path", pa.string()),
                      ("content_sha256", pa.string()), ("rejected", pa.bool_()), ("leaky", pa.bool_()),
                      ("signed", pa.bool_())])


def read_run_view(paths: list[Any], num_perm: int) -> RunView:
    """The view of every staged batch file, read column-wise: signatures land in one preallocated uint32
    matrix, strings stay in Arrow buffers (memory flat in the number of batches)."""
    import pyarrow as pa

    from newsflow.lake.staging import row_count

    signatures = np.zeros((sum(row_count(p) for p in paths), num_perm), dtype=np.uint32)
    parts, filled = [], 0
    for path in paths:
        table, part = _view_part(storage.read_table(path, STAGED_COLUMNS))
        matrix, signed = signature_column(table.column("minhash"), num_perm)
        signatures[filled:filled + table.num_rows] = matrix
        parts.append(part.append_column("signed", pa.array(signed, pa.bool_())))
        filled += table.num_rows
    schema = _schema()
    table = pa.concat_tables([t.cast(schema) for t in parts]) if parts else schema.empty_table()
    return RunView(table, signatures[:filled])


def view_of_records(records: list[Article], num_perm: int) -> RunView:
    """The same view of in-memory records (tests, small runs), through the staging table."""
    import pyarrow as pa

    from newsflow.lake.staging import records_table

    table, part = _view_part(records_table(records).select(STAGED_COLUMNS))
    matrix, signed = signature_column(table.column("minhash"), num_perm)
    return RunView(part.append_column("signed", pa.array(signed, pa.bool_())).cast(_schema()), matrix)
