"""The lake's Delta tables (delta-rs): the only module that reads or commits them.

| table | partitioned by | one row per |
|---|---|---|
| ``articles``, ``quarantine`` | ``date`` | published article / rejected record (the column contract + ``date``) |
| ``story_clusters`` | ``date`` | member of a story cluster (``dedup/clusters.py``) |
| ``_state/processed`` | | landing record a date processed: who owns each landing file |
| ``_state/signatures`` | ``date`` | published document: content hash and MinHash signature |
| ``_state/lsh_bands`` | ``date`` | (published document, LSH band): the band's bucket key |

A date is replaced by one commit per table (the date's file written by pyarrow's streaming writer and
committed with the removes of the date's previous files; ``replace_date``, delta-rs's own predicate
overwrite, is left to the migration of old lakes and to tests): readers of a table see
the previous version of the date or the new one, never half and never both. Every commit carries the run
id in its commit info, so a table's history says which run wrote which version.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pyarrow as pa

from newsflow import storage
from newsflow.storage import StorePath

LOGGER = logging.getLogger(__name__)
PARTITION = "date"
# Concurrent writers to _state/processed retry a conflicting MERGE this many times (jittered backoff).
CLAIM_ATTEMPTS = 40


def _uri(path: StorePath) -> tuple[str, dict[str, str] | None]:
    return storage.delta_location(path)


def open_table(path: StorePath, version: int | None = None) -> Any:
    """The table at ``path`` (its latest version, or ``version``), or None when there is none yet."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    uri, options = _uri(path)
    # Opened straight away, not after ``is_deltatable``: that check lists the log a second time, one more
    # round trip per open on an object store (about 30 opens a run). A missing version still raises.
    try:
        return DeltaTable(uri, version=version, storage_options=options)
    except TableNotFoundError:
        return None


def ensure_table(path: StorePath, schema: pa.Schema, partition_by: list[str] | None = None,
                 configuration: dict[str, str] | None = None) -> Any:
    """The table at ``path``, created empty when missing (two creators racing: one wins, both go on);
    ``configuration``: table properties a new table starts with."""
    from deltalake import DeltaTable
    from deltalake.exceptions import CommitFailedError, DeltaError

    table = open_table(path)
    if table is not None:
        return table
    uri, options = _uri(path)
    try:
        return DeltaTable.create(uri, schema, mode="ignore", partition_by=partition_by, configuration=configuration,
                                 raise_if_key_not_exists=False, storage_options=options)
    except (CommitFailedError, DeltaError):
        table = open_table(path)
        if table is None:
            raise
        return table


def commit_properties(run_id: str, **extra: object) -> Any:
    from deltalake import CommitProperties

    return CommitProperties(custom_metadata={"newsflow.run_id": run_id, **{k: str(v) for k, v in extra.items()}},
                            max_commit_retries=CLAIM_ATTEMPTS)


def _writer_properties(row_group_rows: int | None = None, plain_columns: list[str] | None = None) -> Any:
    from deltalake import ColumnProperties, WriterProperties

    plain = {c: ColumnProperties(dictionary_enabled=False) for c in plain_columns or ()}
    return WriterProperties(compression="ZSTD", max_row_group_size=row_group_rows, column_properties=plain or None)


def replace_date(path: StorePath, data: pa.Table | pa.RecordBatchReader, day: date, run_id: str,
                 row_group_rows: int | None = None, configuration: dict[str, str] | None = None,
                 plain_columns: list[str] | None = None) -> int:
    """Replace partition ``date = day`` of the table with ``data`` in one commit; returns the version.

    Idempotent: retrying after a crash anywhere replaces the date again, never adds it twice.
    ``row_group_rows``: small row groups over sorted data let key lookups skip most of a file.
    ``configuration``: the table's properties if this creates it. ``plain_columns``: columns of hash values
    written without a dictionary (it never pays on them, and decoding through it is slower).
    """
    from deltalake import write_deltalake

    table = ensure_table(path, data.schema, [PARTITION], configuration)
    # schema_mode="merge": a lake written before a column was added takes it (older rows read as null)
    write_deltalake(table, data, mode="overwrite", predicate=f"{PARTITION} = '{day.isoformat()}'",
                    schema_mode="merge", partition_by=[PARTITION],
                    writer_properties=_writer_properties(row_group_rows, plain_columns),
                    commit_properties=commit_properties(run_id, date=day.isoformat()))
    table.update_incremental()
    return int(table.version())


def replace_date_streamed(path: StorePath, data: pa.Table | pa.RecordBatchReader, day: date, run_id: str,
                          row_group_rows: int | None = None, configuration: dict[str, str] | None = None,
                          plain_columns: list[str] | None = None) -> int:
    """``replace_date`` in bounded memory: pyarrow's streaming writer writes the date's one data file (a batch
    at a time), then one commit adds it and removes the date's previous files. delta-rs's own writer held about
    3.4 times the data in memory while it wrote (docs/performance.md), so every table a run writes goes this way.
    ``row_group_rows``, ``configuration``, ``plain_columns``: as for ``replace_date``.

    Crash-safe like ``replace_date``: until the commit's log entry exists, the new file is named by no
    version (readers never see it; vacuum removes it); a retry writes a new file and commits again."""
    import json
    import uuid

    from deltalake.transaction import AddAction

    table = ensure_table(path, data.schema, [PARTITION], configuration)
    folder = f"{PARTITION}={day.isoformat()}"
    name = f"part-00000-{uuid.uuid4()}-c000.zstd.parquet"
    columns = [f.name for f in data.schema if f.name != PARTITION]  # hive-style: the partition is the folder
    file_schema = pa.schema([data.schema.field(n) for n in columns])
    plain = set(plain_columns or ())
    batches = data.to_batches(max_chunksize=row_group_rows or 1 << 20) if isinstance(data, pa.Table) else data
    rows = 0
    target = path / folder / name
    storage.remove_unfinished(path / folder)  # a crashed attempt's half-written file, never committed
    with storage.parquet_writer(target, file_schema, compression="zstd", write_statistics=True,
                                use_dictionary=[n for n in columns if n not in plain]) as writer:
        for batch in batches:  # each batch is one row group (at most ``row_group_rows`` rows)
            if not batch.num_rows:
                continue
            writer.write_batch(pa.RecordBatch.from_arrays([batch.column(n) for n in columns], schema=file_schema),
                               row_group_size=row_group_rows)
            rows += batch.num_rows
    # The writer's and reader's buffers went back to Arrow's allocator, which keeps them for reuse (~70 MB
    # after a 500 MB file); what runs next in this process (the history's numpy arrays, delta-rs's commits)
    # cannot use them, so they are returned to the system.
    pa.default_memory_pool().release_unused()
    add = AddAction(path=f"{folder}/{name}", size=target.stat().st_size, partition_values={PARTITION: day.isoformat()},
                    modification_time=int(time.time() * 1000), data_change=True,
                    stats=json.dumps({"numRecords": rows}))
    _commit_date_file(table, add, data.schema, day, run_id)
    return int(table.version())


def _commit_date_file(table: Any, add: Any, schema: pa.Schema, day: date, run_id: str) -> None:
    """One commit: ``add`` in, the date's other files out. Another run's commit to the table (another date's
    replacement) between our read of the log and our commit can fail the conflict check ("a concurrent
    transaction deleted data this operation read"), which delta-rs's own retries do not resolve: the commit
    is then made again on the table's latest version, whose file list includes that commit."""
    from deltalake.exceptions import CommitFailedError

    for attempt in range(CLAIM_ATTEMPTS):
        try:
            table.create_write_transaction([add], mode="overwrite", schema=schema, partition_by=[PARTITION],
                                           partition_filters=[(PARTITION, "=", day.isoformat())],
                                           commit_properties=commit_properties(run_id, date=day.isoformat()))
            table.update_incremental()
            return
        except CommitFailedError as exc:
            LOGGER.info("commit of %s to %s lost a race (%s); committing again on the latest version",
                        day, table.table_uri, exc)
            time.sleep(random.uniform(0.05, 0.2) * (1 + attempt % 5))
            table.update_incremental()
    raise RuntimeError(f"could not commit {day} to {table.table_uri} after {CLAIM_ATTEMPTS} attempts")


def dataset(table: Any) -> Any:
    """An open table's files as a pyarrow dataset, read through a native (C++) filesystem.

    delta-rs's ``to_pyarrow_dataset()`` (and ``to_pyarrow_table()``, built on it) reads through a Python
    filesystem (``PyFileSystem`` over its ``DeltaStorageHandler``) with pre-buffering on: Arrow's I/O
    threads call back into Python, and one still doing so when the interpreter finalises aborts the
    process ("terminate called without an active exception", exit 134) after its work is done. Arrow's own
    local and S3 filesystems need no interpreter, so a process that read through them exits 0
    (tests/lake/test_reader_exit.py; docs/analysts.md)."""
    native = _native_filesystem(table)
    return table.to_pyarrow_dataset() if native is None else table.to_pyarrow_dataset(filesystem=native)


def _native_filesystem(table: Any) -> Any:
    """Arrow's filesystem rooted at the table (local or S3), or None for a store it has no client for."""
    import pyarrow.fs as pa_fs

    uri = table.table_uri
    options = table._storage_options or {}  # what open_table passed: storage.delta_location's keys
    if uri.startswith("file://") or "://" not in uri:
        root = uri.removeprefix("file://")
        return pa_fs.SubTreeFileSystem(root, pa_fs.LocalFileSystem())
    if uri.startswith(("s3://", "s3a://")):
        endpoint = options.get("AWS_ENDPOINT_URL") or ""
        scheme, _, host = endpoint.partition("://")
        s3 = pa_fs.S3FileSystem(access_key=options.get("AWS_ACCESS_KEY_ID"),
                                secret_key=options.get("AWS_SECRET_ACCESS_KEY"),
                                session_token=options.get("AWS_SESSION_TOKEN"),
                                region=options.get("AWS_REGION") or "us-east-1",
                                endpoint_override=host or None, scheme=scheme or "https")
        return pa_fs.SubTreeFileSystem(uri.split("://", 1)[1].rstrip("/"), s3)
    return None


def read(path: StorePath | None = None, *, version: int | None = None, columns: list[str] | None = None,
         filter: Any = None, table: Any = None) -> Any:
    """The table's rows (``filter``: a pyarrow compute expression, pushed down to files and row groups);
    None when the table does not exist. ``table``: the table already open (``path`` is then ignored)."""
    table = table if table is not None else open_table(path, version)
    if table is None:
        return None
    files = dataset(table)
    if filter is None:
        return files.to_table(columns=columns)
    try:  # pushed down: files and row groups whose statistics rule the filter out are not read; little
        # read-ahead, so memory stays near one batch per file whatever the table's length
        return files.to_table(columns=columns, filter=filter, batch_readahead=1, fragment_readahead=2)
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
        # pyarrow cannot compare a string filter with a file delta-rs wrote with string_view columns:
        # filter after the scan (lookups on hot paths filter on integer keys, which always push down).
        # Only the asked columns and those the filter names are read: never a whole table's text.
        named = set(re.findall(r"\w+", str(filter)))
        needed = None if columns is None else [n for n in files.schema.names if n in set(columns) or n in named]
        rows = files.to_table(columns=needed).filter(filter)
        return rows.select(columns) if columns else rows


def properties(table: Any) -> dict[str, str]:
    """An open table's properties (its metadata's configuration)."""
    return dict(table.metadata().configuration or {})


def set_properties(path: StorePath, values: dict[str, str], run_id: str) -> int:
    """Set table properties (one commit); returns the version."""
    table = open_table(path)
    table.alter.set_table_properties(values, raise_if_not_exists=False, commit_properties=commit_properties(run_id))
    table.update_incremental()
    return int(table.version())


def files_by_date(table: Any, filter: Any = None) -> Iterator[tuple[date | None, Any]]:
    """(date, file) for each data file of an open table that ``filter`` (on ``date`` or the columns' file
    statistics) does not rule out; ``file`` is a ``pyarrow.parquet.ParquetFile`` (read it with
    ``file.read(columns=[...], use_threads=False)``), for lookups that read one column of every file and the
    rest of the files that matched. Files as written: no schema evolution (for tables whose schema is fixed).

    Read through ParquetFile without pre-buffering: half the time of the dataset fragment's reader (one
    small column a file; measured on 30 files, 22 ms against 40, on delta-rs's Python filesystem)."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    for fragment in dataset(table).get_fragments(filter=filter):
        yield (ds.get_partition_keys(fragment.partition_expression).get(PARTITION),
               pq.ParquetFile(fragment.path, filesystem=fragment.filesystem, pre_buffer=False))


def partition_days(table: Any) -> list[date]:
    """The dates an open table holds at its version, from its file list (no data read)."""
    return sorted({day for day, _ in files_by_date(table) if day is not None})


def version(path: StorePath) -> int | None:
    table = open_table(path)
    return None if table is None else table.version()


def data_files(path: StorePath, day: date) -> list[str]:
    """The data files of one date at the table's latest version, relative to the table root."""
    table = open_table(path)
    if table is None:
        return []
    return sorted(_relative(path, table, table.file_uris(file_pruning_predicate=f"{PARTITION} = '{day.isoformat()}'")))


def _relative(path: StorePath, table: Any, uris: list[str]) -> list[str]:
    """File URIs as delta-rs returns them, relative to the table root."""
    given = {table.table_uri.rstrip("/"), _uri(path)[0].rstrip("/")}
    roots = sorted(given | {r.removeprefix("file://") for r in given}, key=len, reverse=True)
    relative = []
    for uri in uris:
        root = next((r for r in roots if uri.startswith(r + "/")), None)
        relative.append(uri[len(root) + 1:] if root else uri)
    return relative


def all_data_files(path: StorePath) -> list[str]:
    """Every data file any version still in the log references, relative to the table root (what vacuum
    must keep for time travel; what a migration must not move)."""
    table = open_table(path)
    if table is None:
        return []
    found: set[str] = set()
    for number in range(table.version() + 1):
        try:
            older = open_table(path, number)
        except Exception:  # a version whose log entry was cleaned up
            continue
        found.update(_relative(path, older, older.file_uris()))
    return sorted(found)


def claim(path: StorePath, rows: pa.Table, day: date, run_id: str) -> int:
    """Record ``day``'s processed landing records in ``_state/processed``; returns the version committed.

    A MERGE on (source_path, file_sha256): records no other date holds are inserted, this date's own rows
    are replaced (a rerun), rows another date holds are left to it. delta-rs refuses to commit a MERGE whose
    snapshot another commit changed meanwhile ("a concurrent transaction added new data"), so two runs
    claiming at once are serialised: the loser re-reads and merges again, and sees the winner's rows.
    """
    from deltalake.exceptions import CommitFailedError

    table = ensure_table(path, rows.schema)
    last_error: Exception | None = None
    for attempt in range(CLAIM_ATTEMPTS):
        table.update_incremental()
        try:
            (table.merge(rows, predicate="t.source_path = s.source_path AND t.file_sha256 = s.file_sha256",
                         source_alias="s", target_alias="t", merge_schema=False,
                         commit_properties=commit_properties(run_id, date=day.isoformat()))
             .when_matched_update_all(predicate=f"t.{PARTITION} = s.{PARTITION}")
             .when_not_matched_insert_all()
             .when_not_matched_by_source_delete(predicate=f"t.{PARTITION} = '{day.isoformat()}'")
             .execute())
            table.update_incremental()
            return int(table.version())
        except CommitFailedError as exc:  # another run committed first: merge again on its rows
            last_error = exc
            time.sleep(random.uniform(0.05, 0.2) * (1 + attempt % 5))
    raise RuntimeError(f"could not claim {day} in {storage.display(path)} after {CLAIM_ATTEMPTS} attempts") \
        from last_error
