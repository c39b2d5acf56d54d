"""A process that reads a lake table exits 0 (issue 26, from the platform).

delta-rs's default pyarrow dataset reads through a Python filesystem with pre-buffering: Arrow's I/O threads
call back into the interpreter, and one still doing so at exit aborts the process (exit 134), hangs it or
crashes it after its work is done; a reader that stops early (``head``) fails every time. ``lake/tables.py``
reads through Arrow's own filesystem instead. Each run is a fresh interpreter, as each Airflow task, the CLI
and the API server's workers are."""

from __future__ import annotations

import datetime
import subprocess
import sys
import textwrap

import pytest

READER = textwrap.dedent("""
    import sys
    import pyarrow.compute as pc
    from newsflow.lake import tables

    import pathlib
    path = pathlib.Path(sys.argv[1])
    rows = tables.read(path, columns=["n"], filter=pc.field("n") < 10)   # pushed-down filter
    whole = tables.read(path)                                              # a whole table
    table = tables.open_table(path)
    files = [(day, file.read(columns=["n"], use_threads=False).num_rows)   # one column of every file
             for day, file in tables.files_by_date(table)]
    head = tables.dataset(table).head(5)                                   # a reader that stops early
    print(rows.num_rows, whole.num_rows, len(files), head.num_rows)
""")


@pytest.fixture(scope="module")
def table_path(tmp_path_factory):
    import pyarrow as pa
    from deltalake import write_deltalake

    path = tmp_path_factory.mktemp("exit") / "articles"
    for day in range(1, 9):  # several files: several I/O tasks in flight
        rows = 20_000
        write_deltalake(str(path), pa.table({"n": list(range(rows)), "text": ["x" * 200] * rows,
                                             "date": [datetime.date(2024, 1, day)] * rows}),
                        mode="append", partition_by=["date"])
    return path


@pytest.mark.parametrize("run", range(4))
def test_a_fresh_process_that_reads_tables_exits_0(table_path, run, tmp_path):
    script = tmp_path / "reader.py"
    script.write_text(READER, encoding="utf-8")
    try:
        done = subprocess.run([sys.executable, str(script), str(table_path)], capture_output=True, text=True,
                              timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the reader hung at exit")
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-2000:]}"
    assert done.stdout.split() == ["80", "160000", "8", "5"]
