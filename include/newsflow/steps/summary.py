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
        "archive_records": plan.get("archive_records", 0),
        "not_articles": dict(sorted(not_articles.items())),
        "articles": output.get("articles", 0),
        "quarantined": output.get("quarantine", 0),
        "quarantine_reasons": dict(sorted(reasons.items())),
        "quarantined_files": [{"source_path": r["source_path"], "reasons": r["reasons"]} for r in quarantine[:1000]],
        "quality_dir": storage.display(ctx.run.quality),
        "steps": {"plan": plan, "batches": per_batch, "dedup": ctx.load_stats("dedup"),
                  "stage_output": output, "gate_output": ctx.load_stats("gate_output")},
    }
