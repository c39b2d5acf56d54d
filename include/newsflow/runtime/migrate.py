"""``newsflow lake migrate``: a lake in the pre-Delta layout (per-date Parquet partitions, ledgers and run
markers) into the Delta tables, idempotently. It lives above the lake and dedup packages: it moves both the
tables and the dedup history.

Per published date (a marker without table versions): its marked files become the date's partition of
``articles`` and ``quarantine`` (predicate overwrites), its ledger becomes its rows of ``_state/processed``
and its dedup history, and its marker is rewritten with the versions. Only when every date is done are
the old files (and unpublished leftovers) moved under ``_legacy/``, out of hive-partitioned readers' way.
A crash anywhere: run it again; dates already migrated are skipped, the rest are replaced, never doubled.

Lakes already on the tables but written before the band index held exact-copy rows (newsflow 8b31d00)
get those rows (``dedup.history.index_exact_keys``); until then their runs look exact copies up in the signatures table.
"""

from __future__ import annotations

import json
import logging
from datetime import date

import pyarrow as pa

from newsflow import storage
from newsflow.columns import PUBLISHED, RECORDS, table_schema
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.settings import Settings
from newsflow.storage import StorePath

LOGGER = logging.getLogger(__name__)


def _old_rows(lake: Lake, dataset: str, files: list[str], day: date) -> pa.Table:
    target = table_schema(dataset)
    parts = []
    for name in files:
        table = storage.read_table(lake.root / name)
        table = table.append_column("date", pa.array([day] * table.num_rows, pa.date32()))
        for field in target:  # columns added since that release: null where nullable, else refuse
            if field.name not in table.column_names:
                if not field.nullable:
                    raise ValueError(f"{name} lacks the required column {field.name}")
                table = table.append_column(field.name, pa.nulls(table.num_rows, field.type))
        parts.append(table.select(target.names).cast(target))
    return pa.concat_tables(parts) if parts else target.empty_table()


def migrate(root: StorePath, settings: Settings | None = None) -> dict[str, list[str]]:
    """Migrate the lake at ``root``; returns what was done (dates migrated, dates skipped, files moved)."""
    from newsflow.dedup.history import index_exact_keys, write_history
    from newsflow.lake.processed import PROCESSED

    settings = settings or Settings()
    lake = Lake(root)
    done: dict[str, list[str]] = {"migrated": [], "already": [], "moved": []}
    for day in lake.published_days():
        marker = json.loads(lake.run_marker(day).read_text())
        if "versions" in marker:
            done["already"].append(day.isoformat())
            continue
        run_id = marker["run_id"]
        versions = {}
        for dataset in RECORDS:  # the pre-Delta layout had no story clusters
            old_rows = _old_rows(lake, dataset, marker["files"][dataset], day)
            versions[dataset] = tables.replace_date(lake.table(dataset), old_rows, day, run_id)
        ledger_path = lake.ledger(day)
        if ledger_path.exists():
            ledger = storage.read_table(ledger_path)
            n = ledger.num_rows
            processed = pa.table({
                **{c: ledger.column(c) for c in ("source_file", "file_sha256", "source_path", "outcome", "doc_id",
                                                 "content_sha256")},
                "run_id": pa.array([run_id] * n, pa.string()), "date": pa.array([day] * n, pa.date32())},
                schema=PROCESSED)
            versions["processed"] = tables.claim(lake.table("processed"), processed, day, run_id)
            versions.update(write_history(lake, ledger, day, run_id, settings))
        marker["files"] = {d: [f"{d}/{f}" for f in tables.data_files(lake.table(d), day)] for d in PUBLISHED}
        marker["versions"] = versions
        marker["migrated_from"] = "parquet partitions + ledgers"
        storage.write_text_atomic(lake.run_marker(day), json.dumps(marker, indent=1, sort_keys=True))
        done["migrated"].append(day.isoformat())
    done["moved"] = _move_legacy_files(lake)
    done["indexed"] = index_exact_keys(lake)  # the band index's own upgrade (dedup/history.py)
    return done


def _move_legacy_files(lake: Lake) -> list[str]:
    """Data files no table version references, and the old ledgers, moved under ``_legacy/``."""
    moved = []
    for dataset in PUBLISHED:
        folder = lake.table(dataset)
        table = tables.open_table(folder)
        if table is None or not folder.exists():
            continue
        referenced = {lake.relative(folder / f) for f in tables.all_data_files(folder)}
        for path in sorted(folder.glob("date=*/*.parquet")):
            name = lake.relative(path)
            if name not in referenced:
                storage.move(path, lake.legacy / name)
                moved.append(name)
    if lake.ledgers.exists():
        for path in sorted(lake.ledgers.glob("*.parquet")):
            name = lake.relative(path)
            storage.move(path, lake.legacy / name)
            moved.append(name)
        storage.remove_if_empty(lake.ledgers)
    return moved
