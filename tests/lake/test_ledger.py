"""The lake's ledgers: what other dates processed and published, and their signature scheme."""

from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq

from newsflow.dedup.signature import SIGNATURE_SCHEME
from newsflow.lake.layout import Lake
from newsflow.lake.ledger import processed_elsewhere, published_elsewhere, signature_scheme
from newsflow.pipeline import RunContext, run_all


def test_ledgers_carry_their_signature_scheme_and_foreign_ones_are_not_compared(landing, tmp_path):
    lake = tmp_path / "lake"
    run_all(RunContext.create(str(landing), str(lake), "2024-05-01", "manual__1"))
    ledger = Lake(lake).ledger(date(2024, 5, 1))
    assert signature_scheme(ledger) == SIGNATURE_SCHEME
    known = published_elsewhere(Lake(lake), date(2024, 5, 2), 128)
    assert len(known) == 2 and all(doc.minhash is not None and len(doc.minhash) == 128 for doc in known)
    # a ledger written by an older release (no scheme recorded): exact-duplicate checks only
    table = pq.read_table(ledger)
    pq.write_table(table.replace_schema_metadata(None).cast(pa.schema(list(table.schema))), ledger)
    assert signature_scheme(ledger) is None
    known = published_elsewhere(Lake(lake), date(2024, 5, 2), 128)
    assert len(known) == 2 and all(doc.minhash is None for doc in known)


def test_a_ledger_counts_only_once_its_date_is_published(landing, tmp_path):
    """A run killed between writing its ledger and its manifest must not hide its files from other dates."""
    lake = tmp_path / "lake"
    run_all(RunContext.create(str(landing), str(lake), "2024-05-01", "manual__1"))
    assert len(processed_elsewhere(Lake(lake), date(2024, 5, 2))) == 3
    assert processed_elsewhere(Lake(lake), date(2024, 5, 1)) == set(), "a date's own ledger is ignored on rerun"
    Lake(lake).manifest(date(2024, 5, 1)).unlink()
    assert processed_elsewhere(Lake(lake), date(2024, 5, 2)) == set()
    assert published_elsewhere(Lake(lake), date(2024, 5, 2), 128) == []
