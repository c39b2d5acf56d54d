"""Reruns, backfills, overlapping runs of different dates, and determinism (gates: the pandas stand-in)."""

from __future__ import annotations

import io
import os

import pyarrow.parquet as pq
import pytest

from faults import fastgates
from faults.lakecheck import assert_exactly_once, expected_keys, make_landing, trusted
from helpers import article_html, story_paragraphs
from newsflow.pipeline import RunContext, run_all

META = {"run_id", "ingested_at"}


@pytest.fixture(autouse=True)
def _fast_gates(monkeypatch):
    fastgates.install(monkeypatch)


def _run(landing, lake, day, run_id, **overrides):
    return run_all(RunContext.create(str(landing), str(lake), day, run_id, overrides or None))


def _data_bytes(lake, dataset, day) -> bytes:
    table = pq.read_table(lake / dataset / f"date={day}" / "part-00000.parquet")
    sink = io.BytesIO()
    pq.write_table(table.drop_columns([c for c in table.column_names if c in META]), sink, compression="zstd")
    return sink.getvalue()


def test_same_date_twice_gives_the_same_rows_and_files(tmp_path, seeds):
    landing, lake = make_landing(tmp_path / "landing", seeds), tmp_path / "lake"
    _run(landing, lake, "2024-07-01", "manual__1")
    first = {d: _data_bytes(lake, d, "2024-07-01") for d in ("articles", "quarantine")}
    files = sorted(str(p.relative_to(lake)) for p in lake.rglob("*.parquet") if "_quality" not in p.parts)
    again = _run(landing, lake, "2024-07-01", "manual__2")
    assert again["skipped_already_processed"] == 0
    assert {d: _data_bytes(lake, d, "2024-07-01") for d in first} == first
    assert sorted(str(p.relative_to(lake)) for p in lake.rglob("*.parquet") if "_quality" not in p.parts) == files
    assert_exactly_once(trusted(lake, "2024-07-01"), expected_keys(landing))


def test_same_input_is_byte_identical_whatever_the_batching(tmp_path, seeds):
    landing = make_landing(tmp_path / "landing", seeds)
    for name, size in (("a", 500), ("b", 2)):
        _run(landing, tmp_path / name, "2024-07-01", "manual__same", batch_size=size)
    for dataset in ("articles", "quarantine"):
        assert _data_bytes(tmp_path / "a", dataset, "2024-07-01") == _data_bytes(tmp_path / "b", dataset, "2024-07-01")


def test_backfill_gives_independent_partitions_and_never_republishes(tmp_path, seeds):
    """Several `newsflow run --date` calls over a range, new files arriving between them; then the
    first date again (a backfill rerun) and its partition alone changes run_id."""
    landing, lake = make_landing(tmp_path / "landing", seeds, extra=0), tmp_path / "lake"
    days = ["2024-07-01", "2024-07-02", "2024-07-03"]
    for i, day in enumerate(days):
        if i:
            (landing / f"day{i}.html").write_text(article_html(f"Day {i}", story_paragraphs(400 + i, 8),
                                                               furniture=False, url=f"https://n.example.com/{i}"))
        _run(landing, lake, day, f"backfill__{day}")
    before = {d: trusted(lake, d) for d in days}
    published = [k for d in days for k, ds in before[d]["rows"] if ds == "articles"]
    assert len(published) == len(set(published)), "a file published on two dates"
    assert {k for k, _ in before["2024-07-02"]["rows"]} == {"day1.html"}
    assert {k for k, _ in before["2024-07-03"]["rows"]} == {"day2.html"}
    _run(landing, lake, days[0], "backfill__again")  # rerun the first date after later ones exist
    after = {d: trusted(lake, d) for d in days}
    assert after[days[0]]["rows"] == before[days[0]]["rows"]
    assert after[days[0]]["manifest"]["run_id"] == "backfill__again"
    for day in days[1:]:
        assert after[day]["manifest"] == before[day]["manifest"], "other dates untouched"
    all_rows = [k for d in days for k, _ in after[d]["rows"]]
    assert sorted(all_rows) == sorted(expected_keys(landing)), "every file in exactly one date, once"


def test_two_dates_running_at_the_same_time_do_not_interfere(tmp_path, seeds):
    """Two processes, two dates, one lake (each date its own landing drop), steps interleaved in time."""
    lake = tmp_path / "lake"
    landings = {"2024-07-01": make_landing(tmp_path / "l1", seeds, extra=1),
                "2024-07-02": tmp_path / "l2"}
    (tmp_path / "l2").mkdir()
    for i in range(3):
        (tmp_path / "l2" / f"p{i}.html").write_text(article_html(f"P{i}", story_paragraphs(500 + i, 8),
                                                                 furniture=False, url=f"https://m.example.com/{i}"))
    pids = []
    for day, landing in landings.items():
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _run(landing, lake, day, f"overlap__{day}")
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    assert all(os.waitpid(pid, 0)[1] == 0 for pid in pids)
    for day, landing in landings.items():
        assert_exactly_once(trusted(lake, day), expected_keys(landing))
    assert not (lake / "_staging").exists()


def test_ledger_without_manifest_does_not_hide_files_from_other_dates(tmp_path, seeds):
    """A run of D killed after writing D's ledger but before D's manifest, then D is never rerun: the
    next date must still publish those files (today: they are skipped as 'processed elsewhere')."""
    from faults.crash import run_to_crash

    landing, lake = make_landing(tmp_path / "landing", seeds), tmp_path / "lake"
    n = 1
    while True:  # find the io event just before the manifest is written (the ledger already is)
        probe = tmp_path / f"probe{n}"
        assert run_to_crash(landing, probe, "2024-07-01", "manual__d", "io", n, None)
        if (probe / "_state" / "ledger" / "date=2024-07-01.parquet").exists():
            break
        n += 1
    _run(landing, probe, "2024-07-02", "manual__e")
    state = trusted(probe, "2024-07-02")
    seen = {k for k, _ in state["rows"]}
    missing = expected_keys(landing) - seen
    assert not missing, f"D's orphan ledger hides {len(missing)} files from date E"
