"""The run's counts: what ``publish`` completes into the summary (``runrecords.Summary``: printed, stored as
``summary.json``, handed to the report)."""

from __future__ import annotations

from collections import Counter

from newsflow import storage
from newsflow.runrecords import BatchStats, QuarantinedFile, RunCounts, SummarySteps
from newsflow.steplist import DEDUP, GATE_NORMALISED, GATE_OUTPUT, GATE_RAW, INGEST, NORMALISE, PLAN, STAGE_OUTPUT
from newsflow.steps.context import RunContext


def run_counts(ctx: RunContext) -> RunCounts:
    batches = ctx.batches()
    per_batch = {f"{b:05d}": BatchStats(ingest=ctx.load_stats(INGEST, b), gate_raw=ctx.load_stats(GATE_RAW, b),
                                        normalise=ctx.load_stats(NORMALISE, b),
                                        gate_normalised=ctx.load_stats(GATE_NORMALISED, b)) for b in batches}
    quarantine = storage.read_table(ctx.run.staged_file("quarantine"),
                                    ["source_path", "reason_codes", "reasons"]).to_pylist()
    reasons: Counter[str] = Counter(code for row in quarantine for code in row["reason_codes"])
    not_articles: Counter[str] = Counter()
    for stats in per_batch.values():
        not_articles.update(stats["ingest"]["not_articles"])
    output = ctx.load_stats(STAGE_OUTPUT)
    plan = ctx.load_stats(PLAN)
    return RunCounts(
        run_id=ctx.run_id,
        date=ctx.day.isoformat(),
        landing=storage.display(ctx.landing),
        lake=storage.display(ctx.lake_root),
        batches=len(batches),
        ingested=sum(s["ingest"]["records"] for s in per_batch.values()),
        skipped_already_processed=sum(s["ingest"]["skipped_already_processed"] for s in per_batch.values()),
        archives=plan["archives"],
        archive_records=plan["archive_records"],
        not_articles=dict(sorted(not_articles.items())),
        articles=output["articles"],
        quarantined=output["quarantine"],
        quarantine_reasons=dict(sorted(reasons.items())),
        quarantined_files=[QuarantinedFile(source_path=r["source_path"], reasons=r["reasons"])
                           for r in quarantine[:1000]],
        quality_dir=storage.display(ctx.run.quality),
        steps=SummarySteps(plan=plan, batches=per_batch, dedup=ctx.load_stats(DEDUP), stage_output=output,
                           gate_output=ctx.load_stats(GATE_OUTPUT)),
    )
