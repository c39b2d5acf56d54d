"""Reruns, backfills, overlapping runs of different dates, and determinism (gates: the pandas stand-in)."""

from __future__ import annotations

import io

import lakes
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


def _run_in_child(landing, lake, day, run_id) -> None:
    fastgates.install()
    _run(landing, lake, day, run_id)


def _at_the_same_time(runs: list[tuple]) -> None:
    """Each (landing, lake, day, run_id) in its own process, all started together, from the tests' fork
    server (``children.py``)."""
    import children

    context = children.context()
    runners = [context.Process(target=_run_in_child, args=tuple(map(str, run[:2])) + run[2:]) for run in runs]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert [r.exitcode for r in runners] == [0] * len(runners)


def _data_bytes(lake, dataset, day) -> bytes:
    table = lakes.read(lake, dataset, day).drop_columns(["date"])
    sink = io.BytesIO()
    pq.write_table(table.drop_columns([c for c in table.column_names if c in META]), sink, compression="zstd")
    return sink.getvalue()


def test_same_date_twice_gives_the_same_rows_and_files(tmp_path, seeds):
    landing, lake = make_landing(tmp_path / "landing", seeds), tmp_path / "lake"
    _run(landing, lake, "2024-07-01", "manual__1")
    first = {d: _data_bytes(lake, d, "2024-07-01") for d in ("articles", "quarantine")}
    files = trusted(lake, "2024-07-01")["manifest"]["files"]
    again = _run(landing, lake, "2024-07-01", "manual__2")
    assert again["skipped_already_processed"] == 0
    assert {d: _data_bytes(lake, d, "2024-07-01") for d in first} == first
    now = trusted(lake, "2024-07-01")["manifest"]["files"]
    assert {d: len(f) for d, f in now.items()} == {d: len(f) for d, f in files.items()}, "the date is replaced"
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
    _at_the_same_time([(landing, lake, day, f"overlap__{day}") for day, landing in landings.items()])
    for day, landing in landings.items():
        assert_exactly_once(trusted(lake, day), expected_keys(landing))
    assert not (lake / "_staging").exists()


def test_a_rerun_of_one_date_while_another_date_publishes_leaves_both_correct(tmp_path, seeds):
    """Date D is published; then D is rerun while date E (its own landing drop) runs, in two processes:
    D's rows are the same as before (data, not run ids), E's are its own, each exactly once."""
    lake = tmp_path / "lake"
    d_landing = make_landing(tmp_path / "d", seeds, extra=1)
    e_landing = tmp_path / "e"
    e_landing.mkdir()
    for i in range(4):
        (e_landing / f"e{i}.html").write_text(article_html(f"E{i}", story_paragraphs(700 + i, 8), furniture=False,
                                                           url=f"https://e.example.com/{i}"))
    _run(d_landing, lake, "2024-07-01", "first__d")
    before = _data_bytes(lake, "articles", "2024-07-01")
    _at_the_same_time([(d_landing, lake, "2024-07-01", "rerun__d"), (e_landing, lake, "2024-07-02", "first__e")])
    assert _data_bytes(lake, "articles", "2024-07-01") == before
    for day, landing, run_id in (("2024-07-01", d_landing, "rerun__d"), ("2024-07-02", e_landing, "first__e")):
        state = trusted(lake, day)
        assert state["manifest"]["run_id"] == run_id
        assert_exactly_once(state, expected_keys(landing))


def test_two_dates_over_one_landing_folder_at_the_same_time_publish_each_file_once(tmp_path, seeds):
    """Two processes, two dates, the SAME landing folder, started together: both read every file; their
    claims in _state/processed are serialised, so each file is published by exactly one of them."""
    landing, lake = make_landing(tmp_path / "landing", seeds), tmp_path / "lake"
    days = ["2024-07-01", "2024-07-02"]
    _at_the_same_time([(landing, lake, day, f"same__{day}") for day in days])
    states = [trusted(lake, day) for day in days]
    rows = sum((s["rows"] for s in states), start=type(states[0]["rows"])())
    assert_exactly_once({"rows": rows}, expected_keys(landing))


def test_an_unfinished_publish_holds_its_files_until_its_date_is_rerun(tmp_path, seeds):
    """D killed inside publish after claiming its files: another date E does not publish them (they may
    still be D's: its publish task retries); rerunning D publishes them, once."""
    from faults.crash import run_to_crash

    landing = make_landing(tmp_path / "landing", seeds)
    n = 1
    while True:  # the first crash point after D's claim committed
        probe = tmp_path / f"probe{n}"
        assert run_to_crash(landing, probe, "2024-07-01", "manual__d", "io", n, None)
        if (probe / "_state" / "processed" / "_delta_log").exists():
            break
        n += 1
    assert trusted(probe, "2024-07-01") is None
    later = _run(landing, probe, "2024-07-02", "manual__e")
    assert later["articles"] == 0 and later["skipped_already_processed"] == len(expected_keys(landing)) - 1
    _run(landing, probe, "2024-07-01", "manual__d_again")
    assert_exactly_once(trusted(probe, "2024-07-01"), expected_keys(landing))
