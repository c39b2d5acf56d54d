"""``source_stats``: per source and date, the articles published, their words and median length.

Built by the ``daily_source_stats`` DAG once per ``newsflow_articles`` partition (the date ``news_ingest``
published); a rerun of a date replaces that date's rows in one Delta commit (``lake/tables.py``).
"""

from __future__ import annotations

import statistics
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from newsflow.columns import table_schema
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.storage import display

TABLE = "source_stats"


def figures(articles: pa.Table, day: date) -> pa.Table:
    """One row per source of ``articles`` (columns ``source``, ``word_count``), sorted by source."""
    counts: dict[str, list[int]] = {}
    for source, words in zip(articles.column("source").to_pylist(), articles.column("word_count").to_pylist(),
                             strict=True):
        counts.setdefault(source, []).append(words or 0)
    sources = sorted(counts)
    return pa.Table.from_pydict({
        "source": sources,
        "articles": [len(counts[s]) for s in sources],
        "words": [sum(counts[s]) for s in sources],
        "median_words": [float(statistics.median(counts[s])) for s in sources],
        "date": [day] * len(sources),
    }, schema=table_schema(TABLE))


def build(lake_root: Any, day: date, run_id: str) -> dict[str, Any]:
    """Replace ``day`` in ``<lake>/source_stats`` with the figures of that date's published articles."""
    lake = Lake(lake_root)
    published = tables.read(lake.table("articles"), columns=["source", "word_count"],
                            filter=pc.field("date") == pa.scalar(day, pa.date32()))
    if published is None:
        published = pa.table({"source": pa.array([], pa.string()), "word_count": pa.array([], pa.int32())})
    rows = figures(published, day)
    version = tables.replace_date(lake.table(TABLE), rows, day, run_id)
    return {"table": display(lake.table(TABLE)), "date": day.isoformat(), "version": version,
            "sources": rows.num_rows, "articles": sum(rows.column("articles").to_pylist()),
            "words": sum(rows.column("words").to_pylist())}
