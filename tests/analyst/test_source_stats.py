"""The analysts' ``source_stats`` table (``newsflow.analyst``), built from a lake the pipeline published."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import lakes
import pyarrow as pa
import pytest

from newsflow.analyst.dag import event_lake, source_stats_task
from newsflow.analyst.source_stats import build, figures
from newsflow.lake import tables
from newsflow.lake.layout import Lake

DAY = date.fromisoformat(lakes.DAY)


def test_figures_per_source():
    rows = pa.table({"source": ["b.com", "a.com", "b.com", "b.com"],
                     "word_count": pa.array([10, 7, 30, 20], pa.int32())})
    out = figures(rows, DAY).to_pylist()
    assert out == [
        {"source": "a.com", "articles": 1, "words": 7, "median_words": 7.0, "date": DAY},
        {"source": "b.com", "articles": 3, "words": 60, "median_words": 20.0, "date": DAY},
    ]


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    lake, summary = lakes.seed_lake(tmp_path_factory.mktemp("stats"))
    assert summary is not None
    return lake


def test_built_from_the_dates_articles_and_a_rerun_replaces_the_date(lake):
    articles = lakes.read(lake, "articles")
    first = build(lake, DAY, "run-1")
    assert first["articles"] == articles.num_rows == 2
    assert first["words"] == sum(articles.column("word_count").to_pylist())
    table = Lake(lake).table("source_stats")
    assert table == lake / "source_stats"
    rows = tables.read(table).to_pylist()
    assert [(r["source"], r["articles"], r["date"]) for r in rows] == [("seeds", 2, DAY)]

    again = build(lake, DAY, "run-2")
    assert again["version"] == first["version"] + 1
    assert tables.read(table).to_pylist() == rows  # replaced, not appended

    other = build(lake, date(2024, 5, 2), "run-3")  # a date with nothing published: no rows, others kept
    assert other["sources"] == 0 and tables.read(table).to_pylist() == rows


def test_the_task_reads_the_partition_and_the_lake_of_the_event(lake, tmp_path):
    event = SimpleNamespace(extra={"lake": str(lake), "date": lakes.DAY}, partition_key=lakes.DAY)
    context = {"partition_key": lakes.DAY, "run_id": "consumer-1", "params": {"lake": str(tmp_path / "elsewhere")},
               "triggering_asset_events": {"newsflow_articles": [event]}}
    assert event_lake(context, lakes.DAY) == str(lake)
    assert source_stats_task(context)["articles"] == 2
    with pytest.raises(ValueError, match="no partition key"):
        source_stats_task({**context, "partition_key": None})


def test_lake_maintenance_compacts_the_table_too(lake):
    from newsflow.lake.maintain import maintain

    build(lake, DAY, "run-a")
    build(lake, DAY, "run-b")
    assert "source_stats" in maintain(lake, 168)
