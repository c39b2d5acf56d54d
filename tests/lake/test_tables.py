"""``lake/tables``: a date's replacement that loses a race to another date's commit is committed again."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake.transaction import AddAction

from newsflow.lake import tables

A, B = date(2024, 7, 1), date(2024, 7, 2)


def _rows(day: date, n: int) -> pa.Table:
    return pa.table({"x": pa.array(range(n), pa.int64()), "date": pa.array([day] * n, pa.date32())})


def test_a_date_committed_on_a_stale_version_is_committed_again_on_the_latest(tmp_path):
    root = tmp_path / "table"
    tables.replace_date_streamed(root, _rows(A, 2), A, "run_a")
    tables.replace_date_streamed(root, _rows(B, 2), B, "run_b")
    stale = tables.open_table(root)  # what a run read before another run replaced date B
    tables.replace_date_streamed(root, _rows(B, 3), B, "run_b2")

    name = f"date={A.isoformat()}/part-{uuid.uuid4()}.parquet"
    (root / name).parent.mkdir(exist_ok=True)
    pq.write_table(_rows(A, 5).drop_columns(["date"]), root / name)
    add = AddAction(path=name, size=(root / name).stat().st_size, partition_values={"date": A.isoformat()},
                    modification_time=int(time.time() * 1000), data_change=True, stats=json.dumps({"numRecords": 5}))
    attempts = []
    commit = stale.create_write_transaction

    def counted(*args, **kwargs):
        attempts.append(1)
        return commit(*args, **kwargs)

    stale.create_write_transaction = counted
    tables._commit_date_file(stale, add, _rows(A, 5).schema, A, "run_a2")

    assert len(attempts) == 2, "the first commit should have lost to run_b2's (delta-rs's conflict check)"
    rows = tables.read(root)
    assert pc.sum(pc.equal(rows.column("date"), pa.scalar(A, pa.date32()))).as_py() == 5  # A replaced once
    assert pc.sum(pc.equal(rows.column("date"), pa.scalar(B, pa.date32()))).as_py() == 3  # B's latest kept
