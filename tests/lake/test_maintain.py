"""Lake maintenance: compaction keeps every row; vacuum never runs with a retention shorter than a publish."""

import pytest

import lakes
from helpers import story_paragraphs
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.lake.maintain import maintain
from newsflow.pipeline import RunContext, run_all


def test_compaction_keeps_the_rows_and_fresh_files_survive_vacuum(landing, tmp_path):
    lake = tmp_path / "lake"
    for day in ("2024-05-01", "2024-05-02"):
        (landing / f"extra-{day}.txt").write_text("\n\n".join(story_paragraphs(int(day[-1]))))
        run_all(RunContext.create(str(landing), str(lake), day, f"manual__{day}"))
    before = {day: lakes.read(lake, "articles", day) for day in ("2024-05-01", "2024-05-02")}
    done = maintain(lake, retention_hours=24)
    assert done["articles"]["vacuumed"] == 0, "files of the last 24 hours are kept"
    assert done["articles"]["version"] >= 2
    for day, table in before.items():
        assert lakes.read(lake, "articles", day).equals(table)
    assert tables.read(Lake(lake).table("articles"), version=1) is not None, "time travel still works"


def test_a_retention_shorter_than_a_publish_is_refused(tmp_path):
    with pytest.raises(ValueError, match="in flight"):
        maintain(tmp_path, retention_hours=1)
