"""
### daily_source_stats

An analysts' table kept by the partitioned asset: each `newsflow_articles` event that `news_ingest`'s
`publish` emits carries its date as the partition key, and this DAG runs once for that partition
(`PartitionedAssetTimetable`, key mapped unchanged). It replaces that date in the Delta table
`<lake>/source_stats` with one row per source: `articles`, `words` (sum of `word_count`) and
`median_words` (docs/analysts.md). The lake is the one the event names (its `lake` extra), else the
`lake` param. Rerunning a partition replaces its rows, never adds them twice.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, IdentityMapper, Param, PartitionedAssetTimetable, dag, get_current_context, task

# standard library only (the parse-time rule, tests/dags/)
from newsflow.locations import ARTICLES_ASSET_NAME, ARTICLES_ASSET_URI, default_lake

# The asset news_ingest publishes, per date (dags/news_ingest.py builds it from the same owner).
ARTICLES = Asset(name=ARTICLES_ASSET_NAME, uri=ARTICLES_ASSET_URI)


@dag(
    dag_id="daily_source_stats",
    schedule=PartitionedAssetTimetable(assets=ARTICLES, default_partition_mapper=IdentityMapper()),
    start_date=pendulum.datetime(2000, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["newsflow", "analysts", "delta"],
    default_args={"owner": "newsflow", "retries": 2, "retry_delay": timedelta(seconds=30)},
    params={"lake": Param(default_lake(), type="string", description="Lake root when the event names none"),
            "conn_id": Param("", type="string", description="Airflow connection for object-store URIs")},
)
def daily_source_stats():
    @task(multiple_outputs=False)  # one XCom, as in news_ingest
    def source_stats() -> dict:
        from newsflow.analyst.dag import source_stats_task

        return source_stats_task(get_current_context())

    source_stats()


daily_source_stats()
