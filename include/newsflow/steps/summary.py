"""The run summary: what ``publish`` prints, stores as ``summary.json`` and hands the report."""

from __future__ import annotations

from newsflow import storage
from newsflow.steps.batch import BATCH_STEPS
from newsflow.steps.context import RunContext


def run_summary(ctx: RunContext) -> dict:
    batches = ctx.batches()
    per_batch = {f"{b:05d}": {step: ctx.load_stats(step, b) for step in BATCH_STEPS} for b in batches}
    quarantine = storage.read_table(ctx.run.staged_file("quarantine"),
                                    ["source_path", "reason_codes", "reasons"]).to_pylist()
    reasons: dict[str, int] = {}
    for row in quarantine:
        for code in row["reason_codes"]:
            reasons[code] = reasons.get(code, 0) + 1
    output = ctx.load_stats("stage_output")
    not_articles: dict[str, int] = {}
    for stats in per_batch.values():
        for kind, n in stats["ingest"].get("not_articles", {}).items():
            not_articles[kind] = not_articles.get(kind, 0) + n
    plan = ctx.load_stats("plan")
    return {
        "run_id": ctx.run_id,
        "date": ctx.day.isoformat(),
        "landing": storage.display(ctx.landing),
        "lake": storage.display(ctx.lake_root),
        "batches": len(batches),
        "ingested": sum(s["ingest"].get("records", 0) for s in per_batch.values()),
        "skipped_already_processed": sum(s["ingest"].get("skipped_already_processed", 0) for s in per_batch.values()),
        # WARC archives: records that are not pages (requests, metadata, redirects, images, ...), by kind
        "archives": plan.get("archives", 0),
        # CC-NEWS archives are framed by the workers, not the plan: their records are counted at ingest
        "archive_records": plan.get("archive_records", 0)
        or sum(s["ingest"].get("archive_records", 0) for s in per_batch.values()),
        "not_articles": dict(sorted(not_articles.items())),
        "articles": output.get("articles", 0),
        "quarantined": output.get("quarantine", 0),
        "quarantine_reasons": dict(sorted(reasons.items())),
        "quarantined_files": [{"source_path": r["source_path"], "reasons": r["reasons"]} for r in quarantine[:1000]],
        "quality_dir": storage.display(ctx.run.quality),
        **({"ccnews": ccnews_summary(plan, per_batch)} if "ccnews" in plan else {}),
        "steps": {"plan": plan, "batches": per_batch, "dedup": ctx.load_stats("dedup"),
                  "stage_output": output, "gate_output": ctx.load_stats("gate_output")},
    }


def ccnews_summary(plan: dict, per_batch: dict) -> dict:
    """A CC-NEWS day: archives listed, read and skipped, bytes read and the rate, retries, filtered records."""
    reads = [stats["ingest"]["ccnews"] for stats in per_batch.values() if "ccnews" in stats.get("ingest", {})]
    filtered: dict[str, int] = {}
    for read in reads:
        for reason, n in read.get("filtered", {}).items():
            filtered[reason] = filtered.get(reason, 0) + n
    bytes_read = sum(r["bytes_read"] for r in reads)
    seconds = sum(r["seconds"] for r in reads)
    stream_seconds = sum(r.get("stream_seconds", 0.0) for r in reads)
    skipped = sum(s["ingest"].get("skipped_already_processed", 0) for s in per_batch.values())
    return {"day": plan["ccnews"]["day"], "base": plan["ccnews"]["base"], "listing": plan["ccnews"]["listing"],
            "archives_listed": len(plan["ccnews"]["archives"]), "archives_read": sum(r["archives"] for r in reads),
            "archives_skipped": skipped, "records": sum(r["records"] for r in reads), "bytes_read": bytes_read,
            "read_seconds": round(seconds, 3), "stream_seconds": round(stream_seconds, 3),
            "mb_per_second": round(bytes_read / 1e6 / stream_seconds, 3) if stream_seconds else None,
            "retries": sum(r["retries"] for r in reads), "filtered": dict(sorted(filtered.items()))}
