"""
### news_ingest

Turns raw news pages in a **landing** folder into an analyst-ready **lake** of Delta tables.

`plan` splits the landing folder into batches of `batch_size` pages (landing files, or the records of
`.warc`/`.warc.gz` archives: one archive is split by record offsets); for each batch, mapped over the
workers: `ingest` (read + decode) → `gate_raw` → `normalise` (HTML → clean text + metadata, token rule,
MinHash) → `gate_normalised`; then once per run: `dedup` (exact + near duplicates across batches and
against the lake) → `write` (`stage_output`: the run's Parquet files; `gate_output`; `publish`: one Delta
commit per table, then the run marker).

Every gate is a Great Expectations suite. Rows that fail a row-level expectation go to
`quarantine/` with the stage and every reason; a batch-level failure (schema, reconciliation,
quarantine ratio above `max_quarantine_ratio`) fails the gate task and publishes nothing.
GX results and Data Docs for each run: `<lake>/_quality/date=<day>/<run>/`.

Params: `landing` and `lake` (paths, `file://` or object-store URIs such as `s3://bucket/prefix`; `{date}`
in `landing` is the run's date, for landing folders organised by date; `landing` `ccnews` reads Common Crawl's
CC-NEWS archives of the run's date in place from `ccnews_base`, with the `hosts_allow` / `hosts_deny` /
`allowed_languages` filters: docs/ccnews.md),
`conn_id` (the Airflow connection for those URIs; empty: the provider's default credentials),
`batch_size`, `max_quarantine_ratio`, `drift_enforce` (off: drift `fail` verdicts only warn); `alert_conn_id`
(an `smtp` or `http` Airflow connection: a failed task, or a date published with drift warnings, is sent there;
empty: no alert) and `alert_to` (SMTP recipients). Trust a date only through its run marker
`<lake>/_state/published/date=D.json` (written last).

Partitions: scheduled daily by a `CronPartitionTimetable` keyed by the date (`YYYY-MM-DD`); every run
(scheduled, `airflow backfill create`, `newsflow run --date`) carries its date as the partition key and
processes that date; the `newsflow_articles` event carries the same key. A run triggered without a key
processes its logical date (or its run-after time), in UTC (`newsflow/runtime/partitions.py`).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import (
    Asset,
    BaseNotifier,
    CronPartitionTimetable,
    Param,
    chain,
    dag,
    get_current_context,
    task,
    task_group,
)

# standard library only (the parse-time rule, tests/dags/)
from newsflow.locations import ARTICLES_ASSET_NAME, ARTICLES_ASSET_URI, default_lake, default_landing
from newsflow.steplist import BATCH_GROUP, BATCH_STEPS, DEDUP, PLAN, PUBLISH, WRITE_GROUP, WRITE_STEPS

# Analysts' DAGs schedule on this (PartitionedAssetTimetable): each event carries the date as its partition key.
ARTICLES = Asset(name=ARTICLES_ASSET_NAME, uri=ARTICLES_ASSET_URI)


def _run_context():
    """The pipeline's run context from Airflow's: params, run id, partition date."""
    from newsflow.ingest.hosts import split_list
    from newsflow.locations import location
    from newsflow.pipeline import RunContext
    from newsflow.runtime.partitions import landing_for, run_day

    context = get_current_context()
    params = context["params"]
    conn_id = params.get("conn_id") or None
    day = run_day(context)
    overrides = {"max_quarantine_ratio": params.get("max_quarantine_ratio"), "batch_size": params.get("batch_size"),
                 "drift_enforce": params.get("drift_enforce")}
    overrides |= {key: split_list(params.get(key)) or None
                  for key in ("hosts_allow", "hosts_deny", "allowed_languages")}
    if params["landing"] == "ccnews":  # Common Crawl's CC-NEWS archives of the run's date, read in place
        from newsflow.ingest import ccnews

        landing = ccnews.landing_for(params.get("ccnews_base"), conn_id)
    else:  # "{date}" in it: the run's date (date-organised landing)
        landing = location(landing_for(params["landing"], day), conn_id)
    return RunContext.create(landing, location(params["lake"], conn_id), day, context["run_id"], overrides)


class Alert(BaseNotifier):
    """Sends newsflow's alert of ``kind`` through the connection the ``alert_conn_id`` param names
    (``newsflow.runtime.alerts``); nothing when the param is empty."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def notify(self, context) -> None:
        from newsflow.runtime.alerts import send

        send(self.kind, context)


def _step(name: str, *args):
    """Run the pipeline step named like the task; a broken batch fails at once (retrying cannot fix data)."""
    from airflow.sdk.exceptions import AirflowFailException

    from newsflow.gates import GateFailed
    from newsflow.pipeline import run_step
    from newsflow.runtime import lineage

    ctx = _run_context()
    try:
        return run_step(name, ctx, *args)
    except GateFailed as exc:
        raise AirflowFailException(f"{exc.gate}: " + " | ".join(exc.failures)) from exc
    except FileNotFoundError as exc:
        raise AirflowFailException(str(exc)) from exc
    finally:  # OpenLineage: what the step read and wrote, a gate's verdicts (nothing unless the provider is on)
        lineage.report(name, ctx, *args)


@dag(
    dag_id="news_ingest",
    # one partition per UTC day, keyed "YYYY-MM-DD" (= newsflow.runtime.partitions.CRON / KEY_FORMAT, tested)
    schedule=CronPartitionTimetable("0 0 * * *", timezone="UTC", key_format="%Y-%m-%d"),
    start_date=pendulum.datetime(2000, 1, 1, tz="UTC"),  # early: backfills and --date runs of old archives
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["newsflow", "ingestion", "great-expectations"],
    default_args={"owner": "newsflow", "retries": 2, "retry_delay": timedelta(seconds=30),
                  "on_failure_callback": Alert("failure")},
    params={
        "landing": Param(default_landing(), type="string", description="Landing folder to ingest (path or URI)"),
        "lake": Param(default_lake(), type="string", description="Lake root to publish into (path or URI)"),
        "conn_id": Param("", type="string", description="Airflow connection for object-store URIs"),
        "batch_size": Param(1000, type="integer", minimum=1,  # = Settings.batch_size (tested)
                            description="Pages (landing files or WARC records) per mapped batch, spread over workers"),
        "max_quarantine_ratio": Param(0.8, type="number", minimum=0, maximum=1,
                                      description="Fail the run when a larger share is quarantined"),
        "drift_enforce": Param(True, type="boolean",
                               description="Fail the run on a drift 'fail' verdict (off: report it as a warning)"),
        "alert_conn_id": Param("", type="string",
                               description="Airflow connection (smtp or http) for alerts: failed tasks, drift "
                                           "warnings; empty: none sent"),
        "alert_to": Param("", type="string", description="Alert recipients for an smtp connection, comma separated"),
        "ccnews_base": Param("", type="string",
                             description="landing=ccnews: where CC-NEWS is read (https://..., s3://commoncrawl/ with "
                                         "conn_id, or a mirror); empty: Common Crawl's HTTPS endpoint"),
        "hosts_allow": Param("", type="string",
                             description="landing=ccnews: only these sites (registered domains; comma separated, or "
                                         "@/path/to/file); empty: every host"),
        "hosts_deny": Param("", type="string",
                            description="landing=ccnews: never these sites (as hosts_allow; deny wins)"),
        "allowed_languages": Param("", type="string",
                                   description="ISO 639-1 codes to publish, comma separated (others are "
                                               "quarantined as today); empty: any"),
    },
)
def news_ingest():
    # One task per pipeline step, named like it (newsflow.steplist). Each step's dict is one XCom
    # (return_value): Airflow would infer multiple_outputs from `-> dict` and also push every key as its own
    # XCom: copies of the same values, 76 more metadata-DB writes in a 1-batch run (2.2 s of a profiled 3-page
    # newsflow run here), more with every mapped batch.
    def step_task(name: str):
        def run_step(*args):
            return _step(name, *args)

        return task(task_id=name, multiple_outputs=False)(run_step)

    @task(task_id=PUBLISH, outlets=[ARTICLES], on_success_callback=Alert("drift_warning"), multiple_outputs=False)
    def publish() -> dict:
        from newsflow.runrecords import asset_extra, published_facts

        summary = _step(PUBLISH)
        event = get_current_context()["outlet_events"][ARTICLES]
        event.extra = asset_extra(summary)
        event.add_partitions(summary["date"])  # the run's key; also for runs triggered without one
        return published_facts(summary)

    @task_group(group_id=BATCH_GROUP)
    def process_batch(batch: int):
        chain(*(step_task(name)(batch) for name in BATCH_STEPS))

    @task_group(group_id=WRITE_GROUP)
    def write_group():
        chain(*(step_task(name)() if name != PUBLISH else publish() for name in WRITE_STEPS))

    process_batch.expand(batch=step_task(PLAN)()) >> step_task(DEDUP)() >> write_group()


news_ingest()
