"""The date as a partition key (``newsflow.runtime.partitions``): which date a run processes, and that the run
``newsflow run`` makes through ``dag.test()`` carries it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from newsflow.runtime.partitions import day_of_key, keyed_test_run, partition_key, run_day


def test_the_key_is_the_iso_date_and_reads_back():
    assert partition_key(date(2024, 5, 1)) == "2024-05-01"
    assert day_of_key("2024-05-01") == date(2024, 5, 1)
    with pytest.raises(ValueError, match="not a date"):
        day_of_key("2024-05-01T00:00:00")


def test_the_partition_key_wins_over_the_logical_date_and_run_after():
    run = SimpleNamespace(run_after=datetime(2030, 1, 1, tzinfo=UTC))
    backfilled = {"partition_key": "2024-05-03", "logical_date": None, "dag_run": run}
    assert run_day(backfilled) == date(2024, 5, 3)
    keyed_manual = {"partition_key": "2024-05-03", "logical_date": datetime(2024, 5, 9, tzinfo=UTC), "dag_run": run}
    assert run_day(keyed_manual) == date(2024, 5, 3)


def test_a_run_without_a_key_keeps_the_logical_date_then_run_after_in_utc():
    run = SimpleNamespace(run_after=datetime(2030, 1, 1, 23, 30, tzinfo=UTC))
    from zoneinfo import ZoneInfo

    late_in_new_york = datetime(2024, 5, 1, 22, 0, tzinfo=ZoneInfo("America/New_York"))  # 02:00 UTC on the 2nd
    assert run_day({"partition_key": None, "logical_date": late_in_new_york, "dag_run": run}) == date(2024, 5, 2)
    assert run_day({"logical_date": None, "dag_run": run}) == date(2030, 1, 1)


def test_the_run_dag_test_creates_is_keyed_and_the_patch_is_undone():
    import airflow.models.dagrun as dagrun_module

    original = dagrun_module.get_or_create_dagrun
    made = SimpleNamespace(partition_key=None, partition_date=None)
    commits = []
    session = SimpleNamespace(commit=lambda: commits.append(1))
    dagrun_module.get_or_create_dagrun = lambda **kwargs: made
    try:
        with keyed_test_run(date(2024, 5, 1)):
            assert dagrun_module.get_or_create_dagrun(session=session) is made
        assert dagrun_module.get_or_create_dagrun(session=session) is made  # the stand-in is back
    finally:
        dagrun_module.get_or_create_dagrun = original
    assert (made.partition_key, made.partition_date) == ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC))
    assert commits == [1]


def test_date_organised_landing_folders():
    from newsflow.runtime.partitions import landing_for

    assert landing_for("/data/landing/{date}", date(2024, 5, 1)) == "/data/landing/2024-05-01"
    assert landing_for("s3://bucket/news/date={date}/", date(2024, 5, 1)) == "s3://bucket/news/date=2024-05-01/"
    assert landing_for("/data/landing", date(2024, 5, 1)) == "/data/landing"  # every run's folder


def test_newsflow_run_checks_the_dates_own_landing_folder(tmp_path, capsys):
    from newsflow.runtime.cli import main

    (tmp_path / "2024-05-01").mkdir()
    code = main(["run", "--landing", str(tmp_path / "{date}"), "--lake", str(tmp_path / "lake"),
                 "--date", "2024-05-02"])
    assert code == 2
    assert f"landing folder {tmp_path / '2024-05-02'} does not exist" in capsys.readouterr().err
