"""Lake paths: one module builds them all."""

from datetime import date

from newsflow.lake.layout import PART_NAME, Lake, day_of, run_key

DAY = date(2024, 5, 1)


def test_run_keys_and_dates():
    assert run_key("manual__2024-05-01T00:00:00+00:00") == "manual__2024-05-01T00_00_00_00_00"
    assert run_key("::") == "run"
    assert day_of("date=2024-05-01.json") == DAY and day_of("date=2024-05-01") == DAY
    assert day_of("date=2024-13-01") is None and day_of("notes.txt") is None


def test_every_path_of_a_run(tmp_path):
    lake = Lake(tmp_path)
    run = lake.run(DAY, "manual__1")
    assert lake.partition("articles", DAY) == tmp_path / "articles" / "date=2024-05-01"
    assert run.run_marker == tmp_path / "_state" / "published" / "date=2024-05-01.json"
    assert lake.ledger(DAY) == tmp_path / "_state" / "ledger" / "date=2024-05-01.parquet"
    assert run.quality == tmp_path / "_quality" / "date=2024-05-01" / "manual__1"
    assert run.step_file("ingest", 3) == tmp_path / "_staging" / "manual__1" / "batch-00003" / "ingest.parquet"
    assert run.staged_file("quarantine") == run.staging / "out" / "quarantine" / "date=2024-05-01" / PART_NAME
    assert run.gate_name("gate_raw", 2) == "gate_raw.b00002" and run.gate_name("gate_output") == "gate_output"
    assert run.from_quality(lake.partition("articles", DAY) / PART_NAME) == "../../../articles/date=2024-05-01/" + PART_NAME
    assert lake.relative(run.run_marker) == "_state/published/date=2024-05-01.json"


def test_a_run_is_found_by_its_quality_folder_whatever_its_date(tmp_path):
    lake = Lake(tmp_path)
    assert lake.find_run("manual__1") is None
    lake.run(date(2019, 2, 15), "manual__1").quality.mkdir(parents=True)
    found = lake.find_run("manual__1")
    assert found.day == date(2019, 2, 15) and found.run_id == "manual__1"


def test_published_days_come_from_the_markers(tmp_path):
    lake = Lake(tmp_path)
    assert lake.published_days() == []
    for day in (date(2024, 5, 2), DAY):
        lake.run_marker(day).parent.mkdir(parents=True, exist_ok=True)
        lake.run_marker(day).write_text("{}")
    (lake.run_markers / "notes.json").write_text("{}")
    assert lake.published_days() == [DAY, date(2024, 5, 2)]
