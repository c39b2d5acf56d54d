"""`newsflow lake migrate`: a lake written by the pre-Delta code into the tables, and a band index written
before its exact-copy rows into the current layout, idempotently."""

import json
import shutil
from datetime import date
from pathlib import Path

import lakes
import pyarrow.compute as pc

from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.lake.processed import processed_elsewhere
from newsflow.pipeline import RunContext, run_all
from newsflow.runtime.migrate import migrate

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


DELTA_8B31D00 = Path(__file__).parent / "fixtures" / "delta_lake_8b31d00"


def test_a_band_index_without_exact_rows_gets_them_and_finds_the_same_candidates(tmp_path, landing, caplog):
    """A lake written by 8b31d00 (tables, but no exact-copy rows in the band index): exact lookups read the
    signatures table until the migration adds the rows; the candidates are the same before and after."""
    import logging

    import numpy as np
    from helpers import seed_text

    from newsflow.dedup.history import EXACT_BAND, INDEX_FORMAT, known_candidates
    from newsflow.dedup.signature import signature
    from newsflow.settings import Settings
    from newsflow.text.tokens import normalize_text

    lake = Lake(tmp_path / "lake")
    shutil.copytree(DELTA_8B31D00, lake.root)
    settings, later = Settings(), date(2024, 5, 3)
    hashes = tables.read(lake.table("articles")).column("content_sha256").to_pylist()
    near = np.array([signature(normalize_text(seed_text("002")), settings)])

    def candidates():
        exact = known_candidates(lake, later, hashes, np.zeros((0, 128), np.uint32), np.zeros(0, bool), settings)
        similar = known_candidates(lake, later, [], near, np.ones(1, bool), settings)
        return [(d.doc_id, d.content_sha256, d.where) for d in exact], [d.doc_id for d in similar]

    bands_before = tables.read(lake.table("lsh_bands")).sort_by([("band", "ascending"), ("bucket", "ascending")])
    with caplog.at_level(logging.WARNING):
        before = candidates()
    assert "no exact-copy rows" in caplog.text
    assert len(before[0]) == 2 and len(before[1]) == 1

    done = migrate(lake.root)
    assert done == {"migrated": [], "already": ["2024-05-01"], "moved": [], "indexed": ["2024-05-01"]}
    index = tables.open_table(lake.table("lsh_bands"))
    assert tables.properties(index).items() >= INDEX_FORMAT.items()
    rows = tables.read(lake.table("lsh_bands"))
    exact = rows.filter(pc.equal(rows.column("band"), EXACT_BAND))
    assert sorted(exact.column("doc_key").to_pylist()) == sorted(
        tables.read(lake.table("signatures")).column("doc_key").to_pylist())
    kept = rows.filter(pc.not_equal(rows.column("band"), EXACT_BAND)).sort_by([("band", "ascending"),
                                                                              ("bucket", "ascending")])
    kept_columns = kept.select(bands_before.column_names)
    assert kept_columns.equals(bands_before.cast(kept_columns.schema))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert candidates() == before
    assert "no exact-copy rows" not in caplog.text

    assert migrate(lake.root)["indexed"] == []  # idempotent
    later_run = run_all(RunContext.create(str(landing), str(lake.root), "2024-05-04", "manual__4"))
    assert later_run["skipped_already_processed"] == 3
