"""``newsflow lake migrate``: a lake in the pre-Delta layout (per-date Parquet partitions, ledgers and
publish markers) into the Delta tables, idempotently.

Per published date (a marker without table versions): its marked files become the date's partition of
``articles`` and ``quarantine`` (predicate overwrites), its ledger becomes its rows of ``_state/processed``
and its dedup history, and its marker is rewritten with the versions. Only when every date is done are
the old files (and unpublished leftovers) moved under ``_legacy/``, out of hive-partitioned readers' way.
A crash anywhere: run it again; dates already migrated are skipped, the rest are replaced, never doubled.

Lakes already on the tables but written before the band index held exact-copy rows (newsflow 8b31d00)
get those rows (``index_exact_keys``); until then their runs look exact copies up in the signatures table.
"""

from __future__ import annotations

import json
import logging

import pyarrow as pa

from newsflow import storage
from newsflow.columns import PUBLISHED, table_schema
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.settings import Settings

LOGGER = logging.getLogger(__name__)


def _old_rows(lake: Lake, dataset: str, files: list[str], day) -> pa.Table:
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


def migrate(root, settings: Settings | None = None) -> dict:
    """Migrate the lake at ``root``; returns what was done (dates migrated, dates skipped, files moved)."""
    from newsflow.lake.ledger import PROCESSED, write_history

    settings = settings or Settings()
    lake = Lake(root)
    done: dict[str, list] = {"migrated": [], "already": [], "moved": []}
    for day in lake.published_days():
        marker = json.loads(lake.run_marker(day).read_text())
        if "versions" in marker:
            done["already"].append(day.isoformat())
            continue
        run_id = marker["run_id"]
        versions = {}
        for dataset in PUBLISHED:
            versions[dataset] = tables.replace_date(lake.table(dataset),
                                                    _old_rows(lake, dataset, marker["files"][dataset], day), day, run_id)
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
    done["indexed"] = index_exact_keys(lake)
    return done


def index_exact_keys(lake: Lake, run_id: str = "newsflow-lake-migrate") -> list[str]:
    """A band index written before it held exact-copy rows (newsflow 8b31d00): each date's exact rows are
    made from its signature rows and the date replaced (its band rows plus those, one commit), then the
    table is marked (``ledger.INDEX_FORMAT``) and lookups use them. Returns the dates rewritten; none when
    the index is marked already. A crash part way: run it again (the table is marked last; dates are
    replaced, never appended to)."""
    import pyarrow.compute as pc

    from newsflow.lake.ledger import BANDS, EXACT_BAND, INDEX_FORMAT, INDEX_PLAIN_COLUMNS, exact_rows

    index = tables.open_table(lake.table("lsh_bands"))
    if index is not None and tables.properties(index).items() >= INDEX_FORMAT.items():
        return []
    signatures = tables.open_table(lake.table("signatures"))
    if signatures is None:  # nothing published: the first publish creates the index marked
        return []
    done = []
    for day in tables.partition_days(signatures):
        same_day = pc.field("date") == pa.scalar(day, pa.date32())
        keys = tables.read(table=signatures, columns=["hash_key", "doc_key", "date"], filter=same_day)
        bands = (BANDS.empty_table() if index is None else
                 tables.read(table=index, columns=BANDS.names, filter=same_day & (pc.field("band") != EXACT_BAND)))
        rows = pa.concat_tables([exact_rows(keys), bands.select(BANDS.names).cast(BANDS)])
        tables.replace_date(lake.table("lsh_bands"), rows.sort_by([("band", "ascending"), ("bucket", "ascending")]),
                            day, run_id, configuration=INDEX_FORMAT, plain_columns=INDEX_PLAIN_COLUMNS)
        done.append(day.isoformat())
    tables.set_properties(lake.table("lsh_bands"), INDEX_FORMAT, run_id)
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
