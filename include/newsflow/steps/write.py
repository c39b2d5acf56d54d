"""The ``write`` task group, once per run: ``stage_output`` → ``gate_output`` → ``publish``."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

from newsflow import runrecords, storage
from newsflow.runrecords import GateCounts, GateRecord, StageOutputStats, Summary
from newsflow.steplist import DEDUP, GATE_NORMALISED, GATE_OUTPUT, INGEST, LAST_BATCH_STEP, STAGE_OUTPUT
from newsflow.steps.batch import finish_gate
from newsflow.steps.context import RunContext
from newsflow.steps.dedup import verdicts


def stage_output(ctx: RunContext, ingested_at: datetime | None = None) -> StageOutputStats:
    """Stream every batch into one articles file, one quarantine file and the date's ledger; then the date's
    story clusters (``dedup/clusters.py``) into their file."""
    from newsflow.columns import CLUSTERS, RunFacts, rows_table
    from newsflow.dedup.clusters import ClusterRows, memberships
    from newsflow.dedup.history import SIGNED_LEDGER
    from newsflow.lake.commit import parquet_options
    from newsflow.lake.processed import pageless_rows
    from newsflow.lake.staging import read_records

    found = verdicts(ctx)
    clusters = ClusterRows(memberships(storage.read_table(ctx.run.dedup_verdicts)), ctx.run_id)
    facts = RunFacts(ctx.run_id, ingested_at or datetime.now(UTC), ctx.day)
    storage.rmtree(ctx.run.staged_out)
    articles = quarantined = 0
    with_records: set[str] = set()
    files = ctx.run.staged_files()
    options = parquet_options()
    with storage.parquet_writer(files["articles"], _schema("articles"), **options) as articles_out, \
            storage.parquet_writer(files["quarantine"], _schema("quarantine"), **options) as quarantine_out, \
            storage.parquet_writer(ctx.run.staged_ledger, SIGNED_LEDGER, **options) as ledger_out:
        for batch in ctx.batches():
            records = list(read_records(ctx.run.step_file(LAST_BATCH_STEP, batch)))
            for record in records:
                for code, detail in found.get(record.record_id, ()):
                    record.reject(DEDUP, code, detail)
            records.sort(key=lambda r: (r.source_path, r.record_id))
            clusters.add(records)
            published = [r for r in records if not r.rejected]
            quarantined_records = [r for r in records if r.rejected]
            articles_out.write_table(rows_table("articles", published, facts))
            quarantine_out.write_table(rows_table("quarantine", quarantined_records, facts))
            ledger = rows_table("ledger", records, facts, SIGNED_LEDGER)
            ledger_out.write_table(ledger)
            with_records.update(ledger.column("source_file").to_pylist())
            articles += len(published)
            quarantined += len(quarantined_records)
        # An archive none of whose records is a page publishes nothing, yet it was read: a ledger row claims
        # it (outcome NO_PAGES), so other dates skip it like any processed landing file.
        pageless = sorted({(archive, sha) for b in ctx.batches()
                           for archive, sha in ctx.load_stats(INGEST, b)["archives_read"]
                           if archive not in with_records})
        ledger_out.write_table(pageless_rows(pageless))
    cluster_rows = clusters.table(ctx.lake)
    with storage.parquet_writer(files[CLUSTERS], cluster_rows.schema, **options) as clusters_out:
        clusters_out.write_table(cluster_rows)
    return ctx.save_stats(STAGE_OUTPUT, StageOutputStats(step=STAGE_OUTPUT, path=storage.display(ctx.run.staged_out),
                                                         articles=articles, quarantine=quarantined,
                                                         archives_without_pages=len(pageless),
                                                         cluster_members=cluster_rows.num_rows))


def _schema(dataset: str) -> Any:
    from newsflow.columns import SCHEMAS

    return SCHEMAS[dataset]


def _expected_counts(ctx: RunContext) -> tuple[int, int, int]:
    """(ingested, expected articles, expected quarantine) from what each step counted, not what was written."""
    ingested = sum(ctx.load_stats(INGEST, b)["records"] for b in ctx.batches())
    quarantined = sum(ctx.load_stats(GATE_NORMALISED, b).get("quarantined_so_far", 0) for b in ctx.batches())
    quarantined += ctx.load_stats(DEDUP)["newly_quarantined"]
    return ingested, ingested - quarantined, quarantined


def gate_output(ctx: RunContext) -> GateRecord:
    """The staged files against the contract: schema (here: GX sees frames, not Arrow schemas), then GX
    for row counts, unique ids and values, then the quarantine ratio over the whole run, then drift against the
    lake's last published dates (``gates/drift.py``)."""
    from newsflow.columns import SCHEMAS
    from newsflow.gates.drift import check_drift
    from newsflow.gates.policy import is_broken, languages, ratio_failures
    from newsflow.gates.runner import GateReport, validate
    from newsflow.gates.suites import output_checks, output_frame

    files = ctx.run.staged_files()
    mismatched = [f"schema_mismatch: {name} does not match the published contract"
                  for name, path in files.items()
                  if not storage.read_schema(path).equals(SCHEMAS[name], check_metadata=False)]
    ingested, expected_articles, expected_quarantine = _expected_counts(ctx)
    if mismatched:  # the frame below could not even be built
        return finish_gate(ctx, GATE_OUTPUT, GateReport(GATE_OUTPUT, 0), GateCounts(records=ingested), mismatched,
                           None)
    articles = storage.read_table(files["articles"], ["doc_id", "source_path", "word_count", "language",
                                                      "content_sha256"])
    quarantine = storage.read_table(files["quarantine"], ["source_path", "reason_codes"])
    report = validate(ctx.run, GATE_OUTPUT, output_frame(articles, quarantine),
                      output_checks(expected_articles, expected_quarantine, languages(ctx.settings)),
                      id_column="row_key")
    broken = sum(1 for codes in quarantine.column("reason_codes").to_pylist() if is_broken(codes))
    drift = check_drift(ctx)  # the run against the lake's recent dates: its fail verdicts fail this gate
    failures = (report.batch_failures + ratio_failures(broken, ingested, ctx.settings)
                + [f"drift.{failure}" for failure in drift["failures"]])
    counts = GateCounts(records=ingested, articles=articles.num_rows, quarantined=quarantine.num_rows,
                        expected_articles=expected_articles, expected_quarantine=expected_quarantine,
                        drift={"status": drift["status"], "warnings": drift["warnings"], "failures": drift["failures"]})
    return finish_gate(ctx, GATE_OUTPUT, report, counts, failures, None)


def publish(ctx: RunContext) -> Summary:
    """Commit the run (``lake/commit.py``), then its summary, report and the lake health page."""
    from newsflow.dedup.history import write_run_history
    from newsflow.lake.commit import commit_run
    from newsflow.report import write_run_report
    from newsflow.report.health import write_health_page
    from newsflow.steps.summary import run_counts

    if not ctx.run.stats_file(GATE_OUTPUT).exists() or not ctx.load_stats(GATE_OUTPUT)["success"]:
        raise RuntimeError(f"cannot publish: gate_output has not passed for run {ctx.run_id}")
    counts = run_counts(ctx)
    marker = commit_run(ctx.run, counts["articles"], counts["quarantined"],
                        partial(write_run_history, ctx.run, settings=ctx.settings))
    # records another date claimed first (a concurrent run over the same landing folder) are its to publish
    summary = Summary(**counts, versions=marker["versions"],
                      partitions={name: [storage.display(ctx.lake_root / f) for f in files]
                                  for name, files in marker["files"].items()},
                      manifest=storage.display(ctx.run.run_marker), status="published")
    summary["articles"], summary["quarantined"] = marker["articles"], marker["quarantined"]
    summary["skipped_already_processed"] += marker["skipped_at_publish"]
    runrecords.write(ctx.run.summary, summary)
    write_run_report(ctx.run, summary)  # report.html + report.json beside summary.json
    write_health_page(ctx.lake, ctx.settings)  # <lake>/_quality/health.html, this date included
    storage.rmtree(ctx.run.staging)
    storage.remove_if_empty(ctx.lake.staging_root)  # only when no other run is staging
    return summary
