"""What the ``daily_source_stats`` DAG's task does with its Airflow context (the DAG file stays thin)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from newsflow.analyst.source_stats import build
from newsflow.runtime.partitions import day_of_key


def event_lake(context: Mapping[str, Any], key: str) -> str | None:
    """The lake named by the triggering ``newsflow_articles`` event of partition ``key`` (its newest)."""
    lakes: list[str] = []
    for events in (context.get("triggering_asset_events") or {}).values():
        for event in events:
            extra = getattr(event, "extra", None) or {}
            if extra.get("lake") and getattr(event, "partition_key", key) in (key, None):
                lakes.append(str(extra["lake"]))
    return lakes[-1] if lakes else None


def source_stats_task(context: Mapping[str, Any]) -> dict[str, Any]:
    from newsflow.locations import location
    from newsflow.runtime import lineage

    key = context.get("partition_key")
    if not key:
        raise ValueError("daily_source_stats runs per partition: this run has no partition key")
    params = context["params"]
    lake = location(event_lake(context, key) or params["lake"], params.get("conn_id") or None)
    result = build(lake, day_of_key(key), context["run_id"])
    lineage.report_source_stats(lake, result)
    return result
