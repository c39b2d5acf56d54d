"""The ``write`` task group, once per run: ``stage_output`` → ``gate_output`` → ``publish``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from newsflow import storage
from newsflow.steps.batch import finish_gate
from newsflow.steps.context import RunContext
from newsflow.steps.dedup import STAGED, verdicts


def stage_output(ctx: RunContext, ingested_at: datetime | None = None) -> dict:
    """Stream every batch into one articles file, one quarantine file and the date's ledger."""
    from newsflow.columns import RunFacts, rows_table
    from newsflow.dedup.find import STAGE as DEDUP
    from newsflow.lake.ledger import LEDGER, pageless_rows
    from newsflow.lake.publish import parquet_options
    from newsflow.lake.staging import read_records

    found = verdicts(ctx)
    facts = RunFacts(ctx.run_id, ingested_at or datetime.now(UTC), ctx.day)
    storage.rmtree(ctx.run.staged_out)
    counts = {"articles": 0, "quarantine": 0}
    with_records: set[str] = set()
    files = ctx.run.staged_files()
    options = parquet_options()
    with storage.parquet_writer(files["articles"], _schema("articles"), **options) as articles_out, \
            storage.parquet_writer(files["quarantine"], _schema("quarantine"), **options) as quarantine_out, \
            storage.parquet_writer(ctx.run.staged_ledger, LEDGER, **options) as ledger_out:
        for batch in ctx.batches():
            records = list(read_records(ctx.run.step_file(STAGED, batch)))
            for record in records:
                for code, detail in found.get(record.record_id, ()):
                    record.reject(DEDUP, code, detail)
            records.sort(key=lambda r: (r.source_path, r.record_id))
            published = [r for r in records if not r.rejected]
            quarantined = [r for r in records if r.rejected]
            articles_out.write_table(rows_table("articles", published, facts))
            quarantine_out.write_table(rows_table("quarantine", quarantined, facts))
            ledger = rows_table("ledger", records, facts, LEDGER)
            ledger_out.write_table(ledger)
            with_records.update(ledger.column("source_file").to_pylist())
            counts["articles"] += len(published)
            counts["quarantine"] += len(quarantined)
        # An archive none of whose records is a page publishes nothing, yet it was read: a ledger row claims
        # it (outcome NO_PAGES), so other dates skip it like any processed landing file.
        pageless = sorted({(archive, sha) for b in ctx.batches()
                           for archive, sha in ctx.load_stats("ingest", b).get("archives_read", [])
                           if archive not in with_records})
        ledger_out.write_table(pageless_rows(pageless))
        counts["archives_without_pages"] = len(pageless)
    return ctx.save_stats("stage_output", {"step": "stage_output", "path": storage.display(ctx.run.staged_out),
                                           **counts})


def _schema(dataset: str):
    from newsflow.columns import SCHEMAS

    return SCHEMAS[dataset]


def _expected_counts(ctx: RunContext) -> tuple[int, int, int]:
    """(ingested, expected articles, expected quarantine) from what each step counted, not what was written."""
    ingested = sum(ctx.load_stats("ingest", b).get("records", 0) for b in ctx.batches())
    quarantined = sum(ctx.load_stats("gate_normalised", b).get("quarantined_so_far", 0) for b in ctx.batches())
    quarantined += ctx.load_stats("dedup").get("newly_quarantined", 0)
    return ingested, ingested - quarantined, quarantined


def gate_output(ctx: RunContext) -> dict:
    """The staged files against the contract: schema (here: GX sees frames, not Arrow schemas), then GX
    for row counts, unique ids and values, then the quarantine ratio over the whole run, then drift against the
    lake's last published dates (``gates/drift.py``)."""
    from newsflow.columns import SCHEMAS
    from newsflow.gates.drift import check_drift
    from newsflow.gates.policy import is_broken, languages, ratio_failures
    from newsflow.gates.runner import GateReport, validate
    from newsflow.gates.suites import OUTPUT, output_checks, output_frame

    files = ctx.run.staged_files()
    mismatched = [f"schema_mismatch: {name} does not match the published contract"
                  for name, path in files.items()
                  if not storage.read_schema(path).equals(SCHEMAS[name], check_metadata=False)]
    if mismatched:  # the frame below could not even be built
        return finish_gate(ctx, OUTPUT, GateReport(OUTPUT, 0), {}, mismatched, None)
    articles = storage.read_table(files["articles"], ["doc_id", "source_path", "word_count", "language",
                                                      "content_sha256"])
    quarantine = storage.read_table(files["quarantine"], ["source_path", "reason_codes"])
    ingested, expected_articles, expected_quarantine = _expected_counts(ctx)
    report = validate(ctx.run, OUTPUT, output_frame(articles, quarantine),
                      output_checks(expected_articles, expected_quarantine, languages(ctx.settings)),
                      id_column="row_key")
    broken = sum(1 for codes in quarantine.column("reason_codes").to_pylist() if is_broken(codes))
    drift = check_drift(ctx)  # the run against the lake's recent dates: its fail verdicts fail this gate
    failures = (report.batch_failures + ratio_failures(broken, ingested, ctx.settings)
                + [f"drift.{failure}" for failure in drift["failures"]])
    counts = {"records": ingested, "articles": articles.num_rows, "quarantined": quarantine.num_rows,
              "expected_articles": expected_articles, "expected_quarantine": expected_quarantine,
              "drift": {k: drift[k] for k in ("status", "warnings", "failures")}}
    return finish_gate(ctx, OUTPUT, report, counts, failures, None)


def publish(ctx: RunContext) -> dict:
    from newsflow.lake.publish import publish as commit
    from newsflow.report import write_run_report
    from newsflow.report.health import write_health_page
    from newsflow.steps.summary import run_summary

    if not ctx.load_stats("gate_output").get("success"):
        raise RuntimeError(f"cannot publish: gate_output has not passed for run {ctx.run_id}")
    summary = run_summary(ctx)
    run_marker = commit(ctx.run, {"articles": summary["articles"], "quarantined": summary["quarantined"]},
                      ctx.settings)
    # records another date claimed first (a concurrent run over the same landing folder) are its to publish
    summary["articles"], summary["quarantined"] = run_marker["articles"], run_marker["quarantined"]
    summary["skipped_already_processed"] += run_marker["skipped_at_publish"]
    summary["versions"] = run_marker["versions"]
    summary["partitions"] = {name: [storage.display(ctx.lake_root / f) for f in files]
                             for name, files in run_marker["files"].items()}
    summary["manifest"] = storage.display(ctx.run.run_marker)
    summary["status"] = "published"
    storage.write_text_atomic(ctx.run.summary, json.dumps(summary, indent=1, sort_keys=True, default=str))
    write_run_report(ctx.run, summary)  # report.html + report.json beside summary.json
    write_health_page(ctx.lake, ctx.settings)  # <lake>/_quality/health.html, this date included
    storage.rmtree(ctx.run.staging)
    storage.remove_if_empty(ctx.lake.staging_root)  # only when no other run is staging
    return summary
