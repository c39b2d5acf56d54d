"""
### lake_maintenance

Weekly upkeep of the newsflow lake's Delta tables (`articles`, `quarantine` and the `_state` tables):
**compact** small files (each publish writes one file per table and date), then **vacuum** files that no
version of the last `retention_hours` needs. The retention (default 168 h, at least 24 h) is far longer
than any publish, so vacuum can never delete the files of a commit still in flight; time travel reaches
back that far. Same code as `newsflow lake maintain --lake PATH`.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from newsflow.locations import default_lake  # standard library only (parse-time rule)


@dag(
    dag_id="lake_maintenance",
    schedule="@weekly",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["newsflow", "maintenance", "delta"],
    default_args={"owner": "newsflow", "retries": 2, "retry_delay": timedelta(minutes=5)},
    params={
        "lake": Param(default_lake(), type="string", description="Lake root (path or URI)"),
        "conn_id": Param("", type="string", description="Airflow connection for object-store URIs"),
        "retention_hours": Param(168, type="integer", minimum=24, description="Keep files the last N hours need"),
    },
)
def lake_maintenance():
    @task(multiple_outputs=False)  # its dict is one XCom, not one more per key (as in news_ingest)
    def compact_and_vacuum() -> dict:
        from newsflow.lake.maintain import maintain
        from newsflow.locations import location

        context = get_current_context()
        params = context["params"]
        return maintain(location(params["lake"], params.get("conn_id") or None), params["retention_hours"],
                        run_id=context["run_id"])

    compact_and_vacuum()


lake_maintenance()
