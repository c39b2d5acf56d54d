"""The run's counts: what ``publish`` completes into the summary (``runrecords.Summary``: printed, stored as
``summary.json``, handed to the report)."""

from __future__ import annotations

from collections import Counter

from newsflow import storage
from newsflow.runrecords import BatchStats, CcnewsDay, CcnewsPlan, QuarantinedFile, RunCounts, SummarySteps
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
    counts = RunCounts(
        run_id=ctx.run_id,
        date=ctx.day.isoformat(),
        landing=storage.display(ctx.landing),
        lake=storage.display(ctx.lake_root),
        batches=len(batches),
        ingested=sum(s["ingest"]["records"] for s in per_batch.values()),
        skipped_already_processed=sum(s["ingest"]["skipped_already_processed"] for s in per_batch.values()),
        archives=plan["archives"],
        # CC-NEWS archives are framed by the workers, not the plan: their records are counted at ingest
        archive_records=plan["archive_records"] or sum(s["ingest"]["archive_records"] for s in per_batch.values()),
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
    if "ccnews" in plan:
        counts["ccnews"] = ccnews_day(plan["ccnews"], per_batch)
    return counts


def ccnews_day(plan: CcnewsPlan, per_batch: dict[str, BatchStats]) -> CcnewsDay:
    """A CC-NEWS day: archives listed, read and skipped, bytes read and the rate, retries, filtered records."""
    reads = [stats["ingest"]["ccnews"] for stats in per_batch.values() if "ccnews" in stats["ingest"]]
    filtered: Counter[str] = Counter()
    for read in reads:
        filtered.update(read["filtered"])
    bytes_read = sum(r["bytes_read"] for r in reads)
    stream_seconds = sum(r["stream_seconds"] for r in reads)
    return CcnewsDay(day=plan["day"], base=plan["base"], listing=plan["listing"],
                     archives_listed=len(plan["archives"]), archives_read=sum(r["archives"] for r in reads),
                     archives_skipped=sum(s["ingest"]["skipped_already_processed"] for s in per_batch.values()),
                     records=sum(r["records"] for r in reads), bytes_read=bytes_read,
                     read_seconds=round(sum(r["seconds"] for r in reads), 3),
                     stream_seconds=round(stream_seconds, 3),
                     mb_per_second=round(bytes_read / 1e6 / stream_seconds, 3) if stream_seconds else None,
                     retries=sum(r["retries"] for r in reads), filtered=dict(sorted(filtered.items())))
