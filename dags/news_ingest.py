"""
### news_ingest

Turns raw news pages in a **landing** folder into an analyst-ready Parquet **lake**.

`plan` splits the landing folder into batches of `batch_size` pages (landing files, or the records of
`.warc`/`.warc.gz` archives: one archive is split by record offsets); for each batch, mapped over the
workers: `ingest` (read + decode) → `gate_raw` → `normalise` (HTML → clean text + metadata, token rule,
MinHash) → `gate_normalised`; then once per run: `dedup` (exact + near duplicates across batches and
against the lake) → `write` (stage Parquet, gate_output, publish atomically).

Every gate is a Great Expectations suite. Rows that fail a row-level expectation go to
`quarantine/` with the stage and every reason; a batch-level failure (schema, reconciliation,
quarantine ratio above `max_quarantine_ratio`) fails the gate task and publishes nothing.
GX results and Data Docs for each run: `<lake>/_quality/date=<day>/<run>/`.

Params: `landing` and `lake` (paths, `file://` or object-store URIs such as `s3://bucket/prefix`; `{date}`
in `landing` is the run's date, for landing folders organised by date),
`conn_id` (the Airflow connection for those URIs; empty: the provider's default credentials),
`batch_size`, `max_quarantine_ratio`, `drift_enforce` (off: drift `fail` verdicts only warn); `alert_conn_id` (an `smtp` or `http` Airflow connection: a failed task,
or a date published with drift warnings, is sent there; empty: no alert) and `alert_to` (SMTP recipients).
On object stores, trust a date only through its manifest
`<lake>/_state/published/date=D.json` (written last).

Partitions: scheduled daily by a `CronPartitionTimetable` keyed by the date (`YYYY-MM-DD`); every run
(scheduled, `airflow backfill create`, `newsflow run --date`) carries its date as the partition key and
processes that date; the `newsflow_articles` event carries the same key. A run triggered without a key
processes its logical date (or its run-after time), in UTC (`newsflow/runtime/partitions.py`).
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import Asset, BaseNotifier, CronPartitionTimetable, Param, dag, get_current_context, task, task_group

# Analysts' DAGs schedule on this (PartitionedAssetTimetable): each event carries the date as its partition key.
ARTICLES = Asset(name="newsflow_articles", uri="newsflow://lake/articles")

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_LANDING = os.environ.get("NEWSFLOW_LANDING", os.path.join(_REPO, "seeds"))
DEFAULT_LAKE = os.environ.get("NEWSFLOW_LAKE", os.path.join(_REPO, "lake"))


def _run_context():
    """The pipeline's run context from Airflow's: params, run id, partition date."""
    from newsflow.pipeline import RunContext
    from newsflow.runtime.airflow_local import location
    from newsflow.runtime.partitions import landing_for, run_day

    context = get_current_context()
    params = context["params"]
    conn_id = params.get("conn_id") or None
    day = run_day(context)
    overrides = {"max_quarantine_ratio": params.get("max_quarantine_ratio"), "batch_size": params.get("batch_size"),
                 "drift_enforce": params.get("drift_enforce")}
    landing = landing_for(params["landing"], day)  # "{date}" in it: the run's date (date-organised landing)
    return RunContext.create(location(landing, conn_id), location(params["lake"], conn_id), day,
                             context["run_id"], overrides)


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
        "landing": Param(DEFAULT_LANDING, type="string", description="Landing folder to ingest (path or URI)"),
        "lake": Param(DEFAULT_LAKE, type="string", description="Lake root to publish into (path or URI)"),
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
    },
)
def news_ingest():
    # Each step's dict is one XCom (return_value). Airflow would infer multiple_outputs from `-> dict` and
    # also push every key as its own XCom: copies of the same values, 76 more metadata-DB writes in a
    # 1-batch run (2.2 s of a profiled 3-page newsflow run here), more with every mapped batch.
    @task
    def plan() -> list[int]:
        return _step("plan")

    @task_group(group_id="batch")
    def process_batch(batch: int):
        @task(multiple_outputs=False)
        def ingest(batch: int) -> dict:
            return _step("ingest", batch)

        @task(multiple_outputs=False)
        def gate_raw(batch: int) -> dict:
            return _step("gate_raw", batch)

        @task(multiple_outputs=False)
        def normalise(batch: int) -> dict:
            return _step("normalise", batch)

        @task(multiple_outputs=False)
        def gate_normalised(batch: int) -> dict:
            return _step("gate_normalised", batch)

        ingest(batch) >> gate_raw(batch) >> normalise(batch) >> gate_normalised(batch)

    @task(multiple_outputs=False)
    def dedup() -> dict:
        return _step("dedup")

    @task_group(group_id="write")
    def write_group():
        @task(multiple_outputs=False)
        def stage_output() -> dict:
            return _step("stage_output")

        @task(multiple_outputs=False)
        def gate_output() -> dict:
            return _step("gate_output")

        @task(outlets=[ARTICLES], on_success_callback=Alert("drift_warning"), multiple_outputs=False)
        def publish() -> dict:
            summary = _step("publish")
            event = get_current_context()["outlet_events"][ARTICLES]
            event.extra = {
                "lake": summary["lake"], "date": summary["date"], "versions": summary["versions"],
                "articles": summary["articles"], "quarantined": summary["quarantined"],
            }
            event.add_partitions(summary["date"])  # the run's key; also for runs triggered without one
            return {k: summary[k] for k in ("run_id", "date", "lake", "ingested", "articles", "quarantined",
                                            "quarantine_reasons", "versions", "partitions", "manifest",
                                            "quality_dir")}

        stage_output() >> gate_output() >> publish()

    process_batch.expand(batch=plan()) >> dedup() >> write_group()


news_ingest()
