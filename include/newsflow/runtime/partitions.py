"""The date as an Airflow partition key (Airflow 3.2+ partitioned Dag runs and asset events).

``news_ingest`` is scheduled by a ``CronPartitionTimetable`` whose key is the date (``KEY_FORMAT``); every
run (scheduled, backfilled, ``newsflow run --date``) carries it, the date the pipeline processes is read
back from it, and the ``newsflow_articles`` event of ``publish`` carries the same key, so consumers
scheduled by a ``PartitionedAssetTimetable`` run once per date.

Runs without a key (a manual trigger from the UI or the REST API that sets only a logical date) keep the
previous rule: the logical date, else the run-after time, in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

# strftime format of the timetable's keys: the partition date, ISO, as the lake's date=D folders name it
KEY_FORMAT = "%Y-%m-%d"
DATE_FIELD = "{date}"  # in a landing location: the partition date (landing folders organised by date)
CRON = "0 0 * * *"  # one partition per UTC day; the run at D 00:00 processes date D (as before)


def partition_key(day: date) -> str:
    return day.strftime(KEY_FORMAT)


def day_of_key(key: str) -> date:
    """The date a partition key names; ``ValueError`` for a key this DAG never makes."""
    try:
        return datetime.strptime(key, KEY_FORMAT).date()
    except ValueError as exc:
        raise ValueError(f"partition key {key!r} is not a date ({KEY_FORMAT})") from exc


def landing_for(landing: str, day: date) -> str:
    """The landing location of ``day`` when landing folders are organised by date: ``{date}`` in the
    ``landing`` param (or ``--landing``) is the partition date, ``YYYY-MM-DD`` (``/data/landing/{date}``,
    ``s3://bucket/news/date={date}``); a location without it is every run's."""
    return landing.replace(DATE_FIELD, day.isoformat())


def run_day(context: Mapping[str, Any]) -> date:
    """The date a run processes, from its Airflow task context: its partition key, else its logical date,
    else its run-after time (UTC)."""
    key = context.get("partition_key")
    if key:
        return day_of_key(key)
    moment: datetime = context.get("logical_date") or context["dag_run"].run_after
    return moment.astimezone(UTC).date()


@contextmanager
def keyed_test_run(day: date) -> Iterator[None]:
    """Within it, the run ``dag.test()`` creates carries ``day`` as its partition key and date.

    ``dag.test()`` (Airflow 3.3) takes a logical date but no partition key: the run it creates is keyed
    here, before its first task starts (tasks read the key from the run through the Execution API, and the
    asset events of the run inherit it)."""
    import airflow.models.dagrun as dagrun_module

    create = dagrun_module.get_or_create_dagrun

    def create_keyed(**kwargs: Any) -> Any:
        run = create(**kwargs)
        run.partition_key = partition_key(day)
        run.partition_date = datetime(day.year, day.month, day.day, tzinfo=UTC)
        kwargs["session"].commit()
        return run

    dagrun_module.get_or_create_dagrun = create_keyed  # dag.test() imports it from the module when called
    try:
        yield
    finally:
        dagrun_module.get_or_create_dagrun = create
