"""`newsflow lake migrate`: a lake written by the pre-Delta code into the tables, idempotently."""

import json
import shutil
from datetime import date
from pathlib import Path

import lakes
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.lake.ledger import processed_elsewhere
from newsflow.lake.migrate import migrate
from newsflow.pipeline import RunContext, run_all

LEGACY = Path(__file__).parent / "fixtures" / "legacy_lake"


def test_a_legacy_lake_becomes_tables_with_the_same_rows(tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(LEGACY, lake)
    import pyarrow.parquet as pq

    before = {(d, day): pq.read_table(LEGACY / d / f"date={day}" / "part-00000.parquet")
              for d in ("articles", "quarantine") for day in ("2024-05-01", "2024-05-02")}
    done = migrate(lake)
    assert done["migrated"] == ["2024-05-01", "2024-05-02"] and done["already"] == []
    for (dataset, day), table in before.items():
        migrated = lakes.read(lake, dataset, day)
        assert migrated.select(table.column_names).equals(table.sort_by("source_path"))
        added = set(migrated.column_names) - set(table.column_names) - {"date"}  # columns newer than the lake
        assert added and all(migrated.column(c).null_count == migrated.num_rows for c in added)
    marker = json.loads((lake / "_state" / "published" / "date=2024-05-02.json").read_text())
    assert set(marker["versions"]) == {"articles", "quarantine", "processed", "signatures", "lsh_bands"}
    # the old files are out of the way of globbing readers; the ledgers' facts are in _state/processed
    assert not list(lake.glob("*/date=*/part-00000.parquet")) and not (lake / "_state" / "ledger").exists()
    assert (lake / "_legacy" / "articles" / "date=2024-05-01" / "part-00000.parquet").exists()
    assert len(processed_elsewhere(Lake(lake), date(2024, 5, 3))) == 4

    again = migrate(lake)  # idempotent
    assert again == {"migrated": [], "already": ["2024-05-01", "2024-05-02"], "moved": [], "indexed": []}
    assert tables.version(Lake(lake).table("articles")) == marker["versions"]["articles"]


def test_a_migrated_lake_goes_on_like_a_new_one(tmp_path, landing):
    lake = tmp_path / "lake"
    shutil.copytree(LEGACY, lake)
    migrate(lake)
    summary = run_all(RunContext.create(str(landing), str(lake), "2024-05-03", "manual__3"))
    assert summary["ingested"] == 0 and summary["skipped_already_processed"] == 3
    rerun = run_all(RunContext.create(str(landing), str(lake), "2024-05-01", "manual__again"))
    assert (rerun["articles"], rerun["quarantined"]) == (2, 1)
    assert lakes.read(lake, "articles", "2024-05-01").num_rows == 2
