"""The records a run writes about itself, typed: the one owner of their fields.

Every step leaves a stats file (``RunPaths.stats_file``), every gate a report (``<gate>.report.json``),
``publish`` the run marker (``_state/published/date=D.json``) and the summary (``summary.json``), ``report/``
the run report (``report.json``), the DAG's notifier an alert payload. They are JSON on disk, with the keys
below (existing lakes and the UI read them: a key is renamed only with a reader for the old one). Written and
read through this module, so a renamed field fails the type check instead of a report silently.

The run marker's key in the summary and the report is ``manifest`` (its name before the code called it the
run marker): kept, since it is on disk in every lake.
"""

import json
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict, cast

from newsflow import storage
from newsflow.steplist import GATE_OUTPUT, Gate

JSON = Any  # a value as json.loads gives it
# (no ``from __future__ import annotations`` here: TypedDict reads ``NotRequired`` off evaluated annotations, and
# ``__required_keys__`` must be right at run time, where tests compare the files on disk with these types)


# -- stats files: one per step (and batch) -----------------------------------------------------------------------

class StageCounts(TypedDict):
    """What one ``Stage`` counted (``StageStats.as_dict``)."""

    name: str
    records_in: int
    records_out: int
    rejected: int
    seconds: float
    counters: dict[str, int]
    reasons: dict[str, int]


class CcnewsPlan(TypedDict):
    """The CC-NEWS day a plan listed (``landing=ccnews``)."""

    base: str
    listing: str  # the month's warc.paths.gz, relative to base
    day: str
    archives: list[str]  # the day's archives, relative to base


class PlanStats(TypedDict):
    step: str
    files: int
    archives: int
    archive_records: int
    batches: int
    batch_size: int
    ccnews: NotRequired[CcnewsPlan]


class CcnewsRead(TypedDict):
    """One ingest task's CC-NEWS figures, summed over its archives (``ingest.ccnews.ReadStats``)."""

    archives: int
    records: int
    filtered: dict[str, int]  # records a host filter dropped, by reason: counted, never quarantined
    stream_seconds: float  # reading, framing and parsing the archives, not extraction
    bytes_read: int
    seconds: float
    retries: int
    waited_seconds: float
    failures: list[str]  # the first 20 transient failures, each retried


class CcnewsDay(TypedDict):
    """A CC-NEWS day in the summary and report: archives listed, read and skipped, bytes and rate, retries."""

    day: str
    base: str
    listing: str
    archives_listed: int
    archives_read: int
    archives_skipped: int
    records: int
    bytes_read: int
    read_seconds: float
    stream_seconds: float
    mb_per_second: float | None
    retries: int
    filtered: dict[str, int]


class IngestStats(TypedDict):
    step: str
    batch: int
    files: int
    archive_parts: int
    archive_records: int
    records: int
    not_articles: dict[str, int]  # WARC records that are not pages, by kind
    archives_read: list[list[str]]  # [archive, sha256] of every archive the batch read
    skipped_already_processed: int
    skipped: list[str]  # the first 100 of them
    stage: StageCounts
    ccnews: NotRequired[CcnewsRead]


class NormaliseStats(TypedDict):
    step: str
    batch: int
    records: int
    stage: StageCounts
    sign: StageCounts


class DedupStats(TypedDict):
    step: str
    records: int
    verdicts: int
    newly_quarantined: int
    stage: StageCounts


class StageOutputStats(TypedDict):
    step: str
    path: str
    articles: int
    quarantine: int
    archives_without_pages: int
    cluster_members: NotRequired[int]  # rows of the story_clusters file (runs before it have none)


class Expectation(TypedDict):
    """One expectation's verdict in a gate report (``gates/runner.py``)."""

    expectation: str
    column: str | None
    code: str
    level: str  # "row", "batch" or "warn"
    success: bool
    unexpected_count: int | None
    observed_value: JSON


class DriftVerdict(TypedDict):
    """The drift gate's verdict as ``gate_output`` keeps it (the whole section: ``RunPaths.drift_report``)."""

    status: str
    warnings: list[str]
    failures: list[str]


class GateCounts(TypedDict):
    """What a gate counted besides GX's verdicts (``gates/policy.py``, ``steps/write.gate_output``)."""

    records: int  # records the gate judged (row gates: the batch; gate_output: the run's ingested records)
    # row gates (gate_raw, gate_normalised)
    quarantined_so_far: NotRequired[int]
    quarantine_ratio: NotRequired[float]
    # gate_output
    articles: NotRequired[int]
    quarantined: NotRequired[int]
    expected_articles: NotRequired[int]
    expected_quarantine: NotRequired[int]
    drift: NotRequired[DriftVerdict]
    # gate_drift
    warnings: NotRequired[list[str]]


class GateRecord(GateCounts):
    """A gate's report file and its stats file (the same record): GX's verdicts plus the gate's counts."""

    gate: str
    batch: int | None
    success: bool
    rows: int  # rows GX saw
    rows_failed: int
    batch_failures: list[str]
    expectations: list[Expectation]
    results_path: str | None
    docs_path: str | None


StepStats = PlanStats | IngestStats | NormaliseStats | DedupStats | StageOutputStats | GateRecord


# -- publish: the run marker and the summary -------------------------------------------------------------------

class RunMarker(TypedDict):
    """``_state/published/date=D.json``, written last: a date is published when this names its run."""

    date: str
    run_id: str
    versions: dict[str, int]  # table -> the version this run committed
    files: dict[str, list[str]]  # dataset -> lake-relative data files of the date
    articles: int
    quarantined: int
    skipped_at_publish: int  # records another date claimed first


class QuarantinedFile(TypedDict):
    source_path: str
    reasons: list[str]


class BatchStats(TypedDict):
    ingest: IngestStats
    gate_raw: GateRecord
    normalise: NormaliseStats
    gate_normalised: GateRecord


class SummarySteps(TypedDict):
    plan: PlanStats
    batches: dict[str, BatchStats]
    dedup: DedupStats
    stage_output: StageOutputStats
    gate_output: GateRecord


class RunCounts(TypedDict):
    """What the run counted before it published (``steps/summary.py``)."""

    run_id: str
    date: str
    landing: str
    lake: str
    batches: int
    ingested: int
    skipped_already_processed: int
    archives: int  # WARC archives read, their records, and those records that are not pages, by kind
    archive_records: int
    not_articles: dict[str, int]
    articles: int
    quarantined: int
    quarantine_reasons: dict[str, int]
    quarantined_files: list[QuarantinedFile]  # the first 1,000
    quality_dir: str
    steps: SummarySteps
    ccnews: NotRequired[CcnewsDay]


class Summary(RunCounts):
    """``summary.json``: the counts, corrected by what the commit found, and where it all went."""

    versions: dict[str, int]
    partitions: dict[str, list[str]]  # dataset -> data files (displayed: paths or URIs)
    manifest: str  # the run marker (displayed)
    status: str  # "published"


class PublishedFacts(TypedDict):
    """What ``write.publish`` hands on (its XCom): the summary without the per-step detail."""

    run_id: str
    date: str
    lake: str
    ingested: int
    articles: int
    quarantined: int
    quarantine_reasons: dict[str, int]
    versions: dict[str, int]
    partitions: dict[str, list[str]]
    manifest: str
    quality_dir: str


class AssetExtra(TypedDict):
    """The extra of each ``newsflow_articles`` Asset event (analysts' DAGs read it)."""

    lake: str
    date: str
    versions: dict[str, int]
    articles: int
    quarantined: int


def published_facts(summary: Summary) -> PublishedFacts:
    return PublishedFacts(run_id=summary["run_id"], date=summary["date"], lake=summary["lake"],
                          ingested=summary["ingested"], articles=summary["articles"],
                          quarantined=summary["quarantined"], quarantine_reasons=summary["quarantine_reasons"],
                          versions=summary["versions"], partitions=summary["partitions"],
                          manifest=summary["manifest"], quality_dir=summary["quality_dir"])


def asset_extra(summary: Summary) -> AssetExtra:
    return AssetExtra(lake=summary["lake"], date=summary["date"], versions=summary["versions"],
                      articles=summary["articles"], quarantined=summary["quarantined"])


# -- the run report (report.json; report/model.py builds it) ----------------------------------------------------

class ReportCounts(TypedDict):
    ingested: int
    articles: int | None  # None: the run did not publish
    quarantined: int
    skipped_already_processed: int


# records into and out of a step (``in`` is a keyword: the functional form)
StepFlow = TypedDict("StepFlow", {"step": str, "label": str, "in": int, "out": int, "quarantined": int})


class DataDocsLink(TypedDict):
    name: str
    path: str  # relative to the quality folder


class GateSummary(TypedDict):
    """One gate of the run, its batches merged: expectations summed, failures listed."""

    gate: str
    success: bool
    records: int
    rows_failed: int
    quarantined_so_far: int
    batch_failures: list[str]
    expectations: list[Expectation]
    failed_expectations: list[Expectation]
    batches: int
    data_docs: list[DataDocsLink]
    quarantine_ratio: float | None


class ReasonExample(TypedDict):
    source_path: str | None
    detail: str


class ReasonCount(TypedDict):
    code: str
    count: int
    examples: list[ReasonExample]


class ArchiveCounts(TypedDict):
    archives: int
    records: int
    not_articles: dict[str, int]
    ccnews: NotRequired[CcnewsDay]


class LargestCluster(TypedDict):
    """One story cluster of a date (``dedup/clusters.summarise``): its size and its first member."""

    cluster_id: str
    members: int
    outlets: int  # distinct sources
    first_source: str | None
    first_url: str | None
    first_published_at: str | None  # ISO 8601, UTC
    first_date: str | None  # the first member's date when the cluster started on another date


class ClusterSummary(TypedDict):
    """A date's story clusters (the ``story_clusters`` table): counts and the largest."""

    clusters: int
    members: int  # rows: copies, first members, and first members of other dates repeated
    copies: int
    started_earlier: int  # clusters whose first member is another date's
    largest: list[LargestCluster]


class Report(TypedDict):
    """``report.json``: the run's quality report (``SCHEMA_VERSION`` in ``report/model.py``)."""

    schema_version: int
    run_id: str
    run_key: str
    date: str
    status: str  # "published", "superseded", "failed" or "incomplete"
    failed_gates: list[str]
    headlines: list[str]
    lake: str
    quality_dir: str
    counts: ReportCounts
    steps: list[StepFlow]
    archives: ArchiveCounts
    quarantine_reasons: list[ReasonCount]
    gates: list[GateSummary]
    partitions: dict[str, list[str]]  # displayed paths or URIs
    partition_files: dict[str, list[str]]  # lake-relative: links that survive moving the lake
    manifest: str | None  # the run marker (displayed), when published
    versions: dict[str, int]
    word_count: dict[str, Any]
    published_per_day: list[dict[str, Any]]
    lake_partitions: list[dict[str, Any]]
    drift: JSON  # the drift gate's section (gates/drift.py), None before it ran
    clusters: ClusterSummary | None  # the run's story clusters as committed; None when it did not publish


# -- the alert ---------------------------------------------------------------------------------------------------

class AlertMessage(TypedDict):
    """What an alert says (``runtime/alerts.py``): the mail's content, or the webhook's JSON with ``text``."""

    kind: str
    subject: str
    lines: list[str]
    dag_id: str
    run_id: str
    task_id: str
    date: str
    lake: str
    report: str | None  # the run's report.html (displayed)


# -- reading and writing -----------------------------------------------------------------------------------------

def write(path: Any, record: Mapping[str, Any]) -> None:
    """A record as sorted, indented JSON, written atomically (local or object store)."""
    storage.write_text_atomic(path, json.dumps(record, indent=1, sort_keys=True, default=str))


def read(path: Any) -> JSON:
    return json.loads(storage.read_text(path))


def read_gate(path: Any) -> GateRecord:
    return cast(GateRecord, read(path))


def read_run_marker(path: Any) -> RunMarker:
    return cast(RunMarker, read(path))


def read_summary(path: Any) -> Summary:
    return cast(Summary, read(path))


def gate_output_verdict(value: JSON) -> DriftVerdict | None:
    """The drift verdict in ``gate_output``'s return value (an XCom the alert reads), if any."""
    if not isinstance(value, dict) or value.get("gate") != GATE_OUTPUT:
        return None
    return cast(GateRecord, value).get("drift")


__all__ = [
    "AlertMessage",
    "ArchiveCounts",
    "AssetExtra",
    "BatchStats",
    "CcnewsDay",
    "CcnewsPlan",
    "CcnewsRead",
    "ClusterSummary",
    "DataDocsLink",
    "DedupStats",
    "DriftVerdict",
    "Expectation",
    "Gate",
    "GateCounts",
    "GateRecord",
    "GateSummary",
    "IngestStats",
    "LargestCluster",
    "NormaliseStats",
    "PlanStats",
    "PublishedFacts",
    "ReasonCount",
    "ReasonExample",
    "Report",
    "ReportCounts",
    "RunCounts",
    "RunMarker",
    "StageCounts",
    "StageOutputStats",
    "StepFlow",
    "StepStats",
    "Summary",
    "SummarySteps",
    "asset_extra",
    "gate_output_verdict",
    "published_facts",
    "read",
    "read_gate",
    "read_run_marker",

    "read_summary",
    "write",
]
