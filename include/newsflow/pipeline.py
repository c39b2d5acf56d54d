"""The pipeline's steps as plain functions, one per DAG task.

Each step reads the previous step's staging file, runs its stage(s), writes
its own staging file and a small stats JSON, and returns a small dict (what
XCom carries). Airflow only wires them; tests and benchmarks call them directly.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path

from newsflow.gates import GateFailed
from newsflow.lake.layout import Lake, run_key
from newsflow.lake.staging import read_records, write_records
from newsflow.record import Article
from newsflow.settings import Settings, load_settings

LOGGER = logging.getLogger(__name__)

STEPS = ("ingest", "gate_raw", "normalise", "dedup", "gate_normalised", "stage_output", "gate_output", "publish")


@dataclass
class RunContext:
    landing: Path
    lake_root: Path
    day: date
    run_id: str
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def create(cls, landing: str, lake: str, day: date | str, run_id: str, overrides: dict | None = None) -> "RunContext":
        if isinstance(day, str):
            day = date.fromisoformat(day)
        return cls(Path(landing).expanduser().resolve(), Path(lake).expanduser().resolve(), day, run_id,
                   load_settings(overrides))

    @property
    def lake(self) -> Lake:
        return Lake(self.lake_root)

    @property
    def key(self) -> str:
        return run_key(self.run_id)

    @property
    def staging(self) -> Path:
        return self.lake.staging(self.key)

    @property
    def quality(self) -> Path:
        return self.lake.quality(self.day, self.key)

    @property
    def reference_time(self) -> datetime:
        """'Now' for date checks: the end of the run's day, never the wall clock (reruns reproduce)."""
        return datetime.combine(self.day, time.max, tzinfo=timezone.utc)

    def file(self, step: str) -> Path:
        return self.staging / f"{step}.parquet"

    def save_stats(self, step: str, stats: dict) -> dict:
        self.staging.mkdir(parents=True, exist_ok=True)
        (self.staging / f"{step}.stats.json").write_text(json.dumps(stats, indent=1, sort_keys=True, default=str))
        return stats

    def load_stats(self, step: str) -> dict:
        path = self.staging / f"{step}.stats.json"
        return json.loads(path.read_text()) if path.exists() else {}


def _languages(settings: Settings) -> list[str]:
    from newsflow.text.language import known_languages

    return sorted(settings.allowed_languages or known_languages())


# -- ingest -------------------------------------------------------------------------------------------------

def ingest(ctx: RunContext) -> dict:
    from newsflow.ingest.landing import read_landing
    from newsflow.lake.state import processed_elsewhere
    from newsflow.normalise import DecodeStage

    if not ctx.landing.is_dir():
        raise FileNotFoundError(f"landing folder {ctx.landing} does not exist")
    if ctx.staging.exists():
        shutil.rmtree(ctx.staging)  # a retry starts this run's staging afresh
    skipped: list[str] = []
    decode = DecodeStage()
    records = read_landing(ctx.landing, ctx.landing.name, ctx.settings, processed_elsewhere(ctx.lake, ctx.day), skipped)
    count = write_records(ctx.file("ingest"), decode.run(records), drop=("raw",))
    stats = decode.stats.as_dict()
    return ctx.save_stats("ingest", {"step": "ingest", "path": str(ctx.file("ingest")), "records": count,
                                     "skipped_already_processed": len(skipped), "skipped": skipped[:100],
                                     "stage": stats})


# -- gates --------------------------------------------------------------------------------------------------

def _row_detail(record: Article, code: str, detail: str) -> str:
    """The gate's generic detail, made specific where the record knows more."""
    if code == "boilerplate_phrase" and record.boilerplate_phrases:
        return "leaked page furniture: " + "; ".join(f"'{p}'" for p in record.boilerplate_phrases[:6])
    if code == "published_in_future" and record.published_at:
        return f"{detail}: {record.published_at.isoformat()}"
    if code == "unparseable_date":
        return f"{detail}: {record.published_raw!r}"
    if code == "text_length":
        return f"{detail}: {len(record.text or '')} chars"
    if code == "unknown_language":
        return f"{detail}: {record.language!r}"
    return detail


def _apply_gate(ctx: RunContext, gate: str, records: list[Article], report) -> dict:
    for record in records:
        for code, detail in report.row_reasons.get(record.record_id, ()):
            record.reject(gate, code, _row_detail(record, code, detail))
    total = len(records)
    rejected = sum(1 for r in records if r.rejected)
    # Re-delivered copies are not a sign of a broken batch: only other reasons count towards the ratio.
    broken = sum(1 for r in records if r.rejected and any(x.stage != "dedup" for x in r.rejects))
    ratio = broken / total if total else 0.0
    failures = list(report.batch_failures)
    if ratio > ctx.settings.max_quarantine_ratio:
        failures.append(f"quarantine_ratio: {broken}/{total} = {ratio:.2f} > max_quarantine_ratio "
                        f"{ctx.settings.max_quarantine_ratio}")
    result = report.as_dict() | {"records": total, "quarantined_so_far": rejected, "quarantine_ratio": round(ratio, 4),
                                 "success": not failures, "batch_failures": failures}
    (ctx.quality / f"{gate}.report.json").write_text(json.dumps(result, indent=1, sort_keys=True, default=str))
    ctx.save_stats(gate, result)
    if failures:
        raise GateFailed(gate, failures)
    return result


def gate_raw(ctx: RunContext) -> dict:
    from newsflow.gates.gx_runner import run_gate
    from newsflow.gates.suites import RAW, raw_checks, raw_frame

    records = list(read_records(ctx.file("ingest")))
    report = run_gate(RAW, raw_frame(records), raw_checks(ctx.settings), ctx.quality)
    result = _apply_gate(ctx, RAW, records, report)
    write_records(ctx.file(RAW), records)
    return result | {"path": str(ctx.file(RAW))}


def gate_normalised(ctx: RunContext) -> dict:
    from newsflow.gates.gx_runner import run_gate
    from newsflow.gates.suites import NORMALISED, normalised_checks, normalised_frame

    records = list(read_records(ctx.file("dedup")))
    # Only records that reached normalisation with text are checked; the rest already carry their reasons.
    checked = [r for r in records if r.text is not None]
    checks = normalised_checks(ctx.settings, ctx.reference_time, _languages(ctx.settings))
    report = run_gate(NORMALISED, normalised_frame(checked), checks, ctx.quality)
    result = _apply_gate(ctx, NORMALISED, records, report)
    write_records(ctx.file(NORMALISED), records)
    return result | {"path": str(ctx.file(NORMALISED))}


# -- normalise and dedup ------------------------------------------------------------------------------------

def normalise(ctx: RunContext) -> dict:
    from newsflow.normalise import NormaliseStage

    stage = NormaliseStage(ctx.settings)
    count = write_records(ctx.file("normalise"), stage.run(read_records(ctx.file("gate_raw"))))
    return ctx.save_stats("normalise", {"step": "normalise", "path": str(ctx.file("normalise")), "records": count,
                                        "stage": stage.stats.as_dict()})


def dedup(ctx: RunContext) -> dict:
    from newsflow.dedup.minhash import DedupStage
    from newsflow.lake.state import published_elsewhere

    stage = DedupStage(ctx.settings, published_elsewhere(ctx.lake, ctx.day))
    count = write_records(ctx.file("dedup"), stage.run(read_records(ctx.file("normalise"))))
    return ctx.save_stats("dedup", {"step": "dedup", "path": str(ctx.file("dedup")), "records": count,
                                    "stage": stage.stats.as_dict()})


# -- output -------------------------------------------------------------------------------------------------

def stage_output(ctx: RunContext, ingested_at: datetime | None = None) -> dict:
    from newsflow.lake.output import PART_NAME, build_tables, write_table

    records = list(read_records(ctx.file("gate_normalised")))
    ingested_at = ingested_at or datetime.now(timezone.utc)
    articles, quarantine, ledger = build_tables(records, ctx.run_id, ingested_at)
    out = ctx.staging / "out"
    if out.exists():
        shutil.rmtree(out)
    part = f"date={ctx.day.isoformat()}"
    write_table(articles, out / "articles" / part / PART_NAME)
    write_table(quarantine, out / "quarantine" / part / PART_NAME)
    write_table(ledger, out / "ledger.parquet")
    return ctx.save_stats("stage_output", {"step": "stage_output", "path": str(out),
                                           "articles": articles.num_rows, "quarantine": quarantine.num_rows})


def gate_output(ctx: RunContext) -> dict:
    import pyarrow.parquet as pq

    from newsflow.gates.gx_runner import run_gate
    from newsflow.gates.suites import OUTPUT, output_checks, output_frame
    from newsflow.lake.output import PART_NAME
    from newsflow.lake.schema import SCHEMAS

    out = ctx.staging / "out"
    part = f"date={ctx.day.isoformat()}"
    tables = {name: pq.read_table(out / name / part / PART_NAME) for name in SCHEMAS}
    failures = []
    for name, table in tables.items():
        if not table.schema.equals(SCHEMAS[name], check_metadata=False):
            failures.append(f"schema_mismatch: {name} does not match the published contract")
    # Reconcile against what ingest counted, not what the last step wrote: nothing may vanish in between.
    ingested = ctx.load_stats("ingest").get("records", 0)
    validated = ctx.load_stats("gate_normalised")
    expected_quarantine = validated.get("quarantined_so_far", 0)
    expected_articles = ingested - expected_quarantine
    if tables["articles"].num_rows != expected_articles:
        failures.append(f"row_count_reconciliation: {tables['articles'].num_rows} articles staged, "
                        f"{expected_articles} expected ({ingested} ingested - {expected_quarantine} quarantined)")
    frame = output_frame(tables["articles"], tables["quarantine"])
    report = run_gate(OUTPUT, frame, output_checks(expected_articles, expected_quarantine, _languages(ctx.settings)),
                      ctx.quality, id_column="row_key")
    report.batch_failures = failures + report.batch_failures
    return _apply_gate_output(ctx, report)


def _apply_gate_output(ctx: RunContext, report) -> dict:
    result = report.as_dict() | {"success": not report.batch_failures}
    (ctx.quality / "gate_output.report.json").write_text(json.dumps(result, indent=1, sort_keys=True, default=str))
    ctx.save_stats("gate_output", result)
    if report.batch_failures:
        raise GateFailed("gate_output", report.batch_failures)
    return result


def publish(ctx: RunContext) -> dict:
    from newsflow.lake.output import publish as publish_partitions

    for step in STEPS[1:-1]:
        if not (ctx.staging / f"{step}.stats.json").exists():
            raise RuntimeError(f"cannot publish: step {step} has not completed for run {ctx.run_id}")
    summary = run_summary(ctx)
    manifest = publish_partitions(ctx.lake, ctx.day, ctx.staging / "out", ctx.run_id,
                                  {"articles": summary["articles"], "quarantined": summary["quarantined"]})
    summary["partitions"] = {name: [str(ctx.lake_root / f) for f in files] for name, files in manifest["files"].items()}
    summary["manifest"] = str(ctx.lake.manifest(ctx.day))
    summary["status"] = "published"
    (ctx.quality / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True, default=str))
    shutil.rmtree(ctx.staging, ignore_errors=True)
    try:
        ctx.staging.parent.rmdir()  # only when no other run is staging
    except OSError:
        pass
    return summary


def run_summary(ctx: RunContext) -> dict:
    import pyarrow.parquet as pq

    from newsflow.lake.output import PART_NAME

    stats = {step: ctx.load_stats(step) for step in STEPS[:-1]}
    part = f"date={ctx.day.isoformat()}"
    quarantine = pq.read_table(ctx.staging / "out" / "quarantine" / part / PART_NAME,
                               columns=["source_path", "reason_codes", "reasons"]).to_pylist()
    reasons: dict[str, int] = {}
    for row in quarantine:
        for code in row["reason_codes"]:
            reasons[code] = reasons.get(code, 0) + 1
    return {
        "run_id": ctx.run_id,
        "date": ctx.day.isoformat(),
        "landing": str(ctx.landing),
        "lake": str(ctx.lake_root),
        "ingested": stats["ingest"].get("records", 0),
        "skipped_already_processed": stats["ingest"].get("skipped_already_processed", 0),
        "articles": stats["stage_output"].get("articles", 0),
        "quarantined": stats["stage_output"].get("quarantine", 0),
        "quarantine_reasons": dict(sorted(reasons.items())),
        "quarantined_files": [{"source_path": r["source_path"], "reasons": r["reasons"]} for r in quarantine],
        "quality_dir": str(ctx.quality),
        "steps": stats,
    }


def run_all(ctx: RunContext) -> dict:
    """Every step in order, in this process: what the DAG does, minus Airflow (tests, benchmarks)."""
    ctx.quality.mkdir(parents=True, exist_ok=True)
    for step in (ingest, gate_raw, normalise, dedup, gate_normalised, stage_output, gate_output):
        step(ctx)
    return publish(ctx)
