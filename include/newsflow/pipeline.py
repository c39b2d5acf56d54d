"""The pipeline's steps as plain functions, one per DAG task.

``plan`` splits the landing folder into batches; ``ingest``, ``gate_raw``,
``normalise`` and ``gate_normalised`` run once per batch (mapped tasks, spread
over workers); ``dedup``, ``stage_output``, ``gate_output`` and ``publish`` run
once per run. Each step reads the previous step's staging file, writes its own
plus a small stats JSON, and returns a small dict (what XCom carries). Airflow
only wires them; tests and benchmarks call them directly (``run_all``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path

from newsflow.gates import GateFailed
from newsflow.lake.layout import Lake, run_key
from newsflow.lake.staging import read_records, write_records
from newsflow.record import Article
from newsflow.settings import Settings, load_settings
from newsflow import storage

LOGGER = logging.getLogger(__name__)

BATCH_STEPS = ("ingest", "gate_raw", "normalise", "gate_normalised")
RUN_STEPS = ("plan", "dedup", "stage_output", "gate_output", "publish")


@dataclass
class RunContext:
    landing: Path  # or a UPath / Airflow ObjectStoragePath for object stores
    lake_root: Path
    day: date
    run_id: str
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def create(cls, landing, lake, day: date | str, run_id: str, overrides: dict | None = None,
               storage_options: dict | None = None) -> "RunContext":
        """``landing`` and ``lake``: paths, ``file://`` or object-store URIs, or path objects."""
        if isinstance(day, str):
            day = date.fromisoformat(day)
        return cls(storage.to_path(landing, storage_options), storage.to_path(lake, storage_options), day, run_id,
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

    def batch_dir(self, batch: int) -> Path:
        return self.staging / f"batch-{batch:05d}"

    def file(self, step: str, batch: int) -> Path:
        return self.batch_dir(batch) / f"{step}.parquet"

    def _stats_path(self, step: str, batch: int | None) -> Path:
        folder = self.staging if batch is None else self.batch_dir(batch)
        return folder / f"{step}.stats.json"

    def save_stats(self, step: str, stats: dict, batch: int | None = None) -> dict:
        path = self._stats_path(step, batch)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stats, indent=1, sort_keys=True, default=str))
        return stats

    def load_stats(self, step: str, batch: int | None = None) -> dict:
        path = self._stats_path(step, batch)
        return json.loads(path.read_text()) if path.exists() else {}

    def batches(self) -> list[int]:
        return list(range(len(self.load_plan()["batches"])))

    def load_plan(self) -> dict:
        path = self.staging / "plan.json"
        if not path.exists():
            raise RuntimeError(f"run {self.run_id} has no plan: run the plan step first")
        return json.loads(path.read_text())


def _languages(settings: Settings) -> list[str]:
    from newsflow.text.language import known_languages

    return sorted(settings.allowed_languages or known_languages())


def _gate_name(gate: str, batch: int | None) -> str:
    return gate if batch is None else f"{gate}.b{batch:05d}"


def _run_gate(ctx: RunContext, name: str, frame, checks, **kwargs):
    """GX writes its results and Data Docs to a local folder; object-store lakes get a copy."""
    import tempfile

    from newsflow.gates.gx_runner import run_gate

    if storage.is_local(ctx.quality):
        return run_gate(name, frame, checks, ctx.quality, **kwargs)
    with tempfile.TemporaryDirectory(prefix="newsflow-gx-") as scratch:
        report = run_gate(name, frame, checks, Path(scratch), **kwargs)
        storage.upload_tree(Path(scratch), ctx.quality)
    report.results_path = storage.display(ctx.quality / f"{name}.gx.json")
    report.docs_path = storage.display(ctx.quality / "data_docs" / name / "index.html")
    return report


def _read_table(path, columns: list[str] | None = None):
    import pyarrow.parquet as pq

    where, filesystem = storage.arrow_source(path)
    return pq.read_table(where, columns=columns, filesystem=filesystem)


def _read_schema(path):
    import pyarrow.parquet as pq

    where, filesystem = storage.arrow_source(path)
    return pq.read_schema(where, filesystem=filesystem)


def _writer(path, schema):
    import pyarrow.parquet as pq

    from newsflow.lake.output import parquet_options

    path.parent.mkdir(parents=True, exist_ok=True)
    where, filesystem = storage.arrow_source(path)
    return pq.ParquetWriter(where, schema, filesystem=filesystem, **parquet_options())


def preload() -> None:
    """Everything a batch task would otherwise load on first use, once per worker process (Celery's
    parent before it forks tasks, a benchmark before its clock starts): GX warmed by a tiny
    validation, the extractor, the language model, the MinHash permutations."""
    from newsflow.dedup.minhash import signature
    from newsflow.gates.gx_runner import preload as preload_gates
    from newsflow.normalise import NormaliseStage  # noqa: F401  (extractor, decoders)
    from newsflow.text.language import known_languages

    preload_gates()
    known_languages()
    signature("warm up", Settings())


# -- plan ---------------------------------------------------------------------------------------------------

def plan(ctx: RunContext) -> list[int]:
    """Split the landing folder into batches of ``batch_size`` files; always at least one (maybe empty)."""
    from newsflow.ingest.landing import discover

    if not ctx.landing.is_dir():
        raise FileNotFoundError(f"landing folder {storage.display(ctx.landing)} does not exist")
    storage.rmtree(ctx.staging)  # a rerun or retry starts this run's staging afresh
    ctx.staging.mkdir(parents=True, exist_ok=True)
    ctx.quality.mkdir(parents=True, exist_ok=True)
    files = [f.to_json(ctx.landing) for f in discover(ctx.landing)]
    size = max(1, ctx.settings.batch_size)
    batches = [files[i:i + size] for i in range(0, len(files), size)] or [[]]
    (ctx.staging / "plan.json").write_text(json.dumps({"batch_size": size, "files": len(files), "batches": batches}))
    ctx.save_stats("plan", {"step": "plan", "files": len(files), "batches": len(batches), "batch_size": size})
    return list(range(len(batches)))


# -- per batch ----------------------------------------------------------------------------------------------

def ingest(ctx: RunContext, batch: int = 0) -> dict:
    from newsflow.ingest.landing import LandingFile, read_landing
    from newsflow.lake.state import processed_elsewhere
    from newsflow.normalise import DecodeStage

    keys = ctx.load_plan()["batches"][batch]
    files = [LandingFile.from_json(ctx.landing, key) for key in keys]
    skipped: list[str] = []
    decode = DecodeStage()
    records = read_landing(ctx.landing, ctx.landing.name, ctx.settings, processed_elsewhere(ctx.lake, ctx.day),
                           skipped, files=files)
    count = write_records(ctx.file("ingest", batch), decode.run(records), drop=("raw",))
    return ctx.save_stats("ingest", {"step": "ingest", "batch": batch, "files": len(files), "records": count,
                                     "skipped_already_processed": len(skipped), "skipped": skipped[:100],
                                     "stage": decode.stats.as_dict()}, batch)


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


def _broken(records: list[Article]) -> int:
    """Records quarantined for anything but duplication: re-delivered copies are not a broken batch."""
    return sum(1 for r in records if r.rejected and any(x.stage != "dedup" for x in r.rejects))


def _ratio_failure(ctx: RunContext, broken: int, total: int) -> list[str]:
    ratio = broken / total if total else 0.0
    if ratio > ctx.settings.max_quarantine_ratio:
        return [f"quarantine_ratio: {broken}/{total} = {ratio:.2f} > max_quarantine_ratio "
                f"{ctx.settings.max_quarantine_ratio}"]
    return []


def _finish_gate(ctx: RunContext, gate: str, report, extra: dict, failures: list[str], batch: int | None) -> dict:
    name = _gate_name(gate, batch)
    result = report.as_dict() | extra | {"gate": gate, "batch": batch, "success": not failures,
                                         "batch_failures": failures}
    (ctx.quality / f"{name}.report.json").write_text(json.dumps(result, indent=1, sort_keys=True, default=str))
    ctx.save_stats(gate, result, batch)
    if failures:
        raise GateFailed(name, failures)
    return result


def _apply_row_gate(ctx: RunContext, gate: str, records: list[Article], report, batch: int) -> dict:
    for record in records:
        for code, detail in report.row_reasons.get(record.record_id, ()):
            record.reject(gate, code, _row_detail(record, code, detail))
    broken = _broken(records)
    failures = list(report.batch_failures) + _ratio_failure(ctx, broken, len(records))
    if failures:  # name the row-level expectations behind a failed batch, so the task log says it all
        rows = [f"{e['code']} {e['unexpected_count'] or 0} row{'' if e['unexpected_count'] == 1 else 's'}"
                for e in report.expectations if e["level"] == "row" and not e["success"]]
        if rows:
            failures = failures + [f"row-level failures: {', '.join(rows)}"]
    extra = {"records": len(records), "quarantined_so_far": sum(1 for r in records if r.rejected),
             "quarantine_ratio": round(broken / len(records), 4) if records else 0.0}
    return _finish_gate(ctx, gate, report, extra, failures, batch)


def gate_raw(ctx: RunContext, batch: int = 0) -> dict:
    import pyarrow.compute as pc

    from newsflow.gates.suites import RAW, raw_checks, raw_frame
    from newsflow.lake.staging import STAGING

    # The pages themselves are not needed here, only their lengths (counted in Arrow, never turned
    # into Python strings); normalise reads them from ingest's file.
    source = ctx.file("ingest", batch)
    records = list(read_records(source, columns=tuple(n for n in STAGING.names if n != "decoded")))
    lengths = pc.fill_null(pc.utf8_length(_read_table(source, ["decoded"]).column("decoded")), 0).to_pylist()
    report = _run_gate(ctx, _gate_name(RAW, batch), raw_frame(records, lengths), raw_checks(ctx.settings))
    result = _apply_row_gate(ctx, RAW, records, report, batch)
    # The decoded pages stay in ingest's file (normalise reads them there): the bulk of a batch is
    # written once, not once per step.
    write_records(ctx.file(RAW, batch), records, drop=("decoded",))
    return result


def _gated_with_pages(ctx: RunContext, batch: int):
    """gate_raw's records with their decoded pages put back from ingest's file (same rows, same order)."""
    from newsflow.gates.suites import RAW

    pages = read_records(ctx.file("ingest", batch), columns=("decoded",))
    for record, page in zip(read_records(ctx.file(RAW, batch)), pages, strict=True):
        if page.record_id != record.record_id:
            raise RuntimeError(f"batch {batch}: ingest and gate_raw files disagree at {record.record_id}")
        record.decoded = page.decoded
        yield record


def normalise(ctx: RunContext, batch: int = 0) -> dict:
    from newsflow.dedup.minhash import SignStage
    from newsflow.normalise import NormaliseStage
    from newsflow.stages.base import run_stages

    stages = [NormaliseStage(ctx.settings), SignStage(ctx.settings)]
    records = run_stages(_gated_with_pages(ctx, batch), stages)
    # decoded pages of records quarantined before normalising are not needed downstream either
    count = write_records(ctx.file("normalise", batch), records, drop=("decoded",))
    return ctx.save_stats("normalise", {"step": "normalise", "batch": batch, "records": count,
                                        "stage": stages[0].stats.as_dict(), "sign": stages[1].stats.as_dict()}, batch)


def gate_normalised(ctx: RunContext, batch: int = 0) -> dict:
    from newsflow.gates.suites import NORMALISED, normalised_checks, normalised_frame

    records = list(read_records(ctx.file("normalise", batch)))
    # Only records that reached normalisation with text are checked; the rest already carry their reasons.
    checked = [r for r in records if r.text is not None]
    checks = normalised_checks(ctx.settings, ctx.reference_time, _languages(ctx.settings))
    report = _run_gate(ctx, _gate_name(NORMALISED, batch), normalised_frame(checked), checks)
    result = _apply_row_gate(ctx, NORMALISED, records, report, batch)
    write_records(ctx.file(NORMALISED, batch), records)
    return result


def run_batch(ctx: RunContext, batch: int) -> None:
    for step in (ingest, gate_raw, normalise, gate_normalised):
        step(ctx, batch)


# -- once per run -------------------------------------------------------------------------------------------

def _run_view(ctx: RunContext):
    """Dedup's view of every batch, read column-wise (see ``RunView``): signatures land in one
    preallocated uint32 matrix, strings stay in Arrow buffers; no record objects."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from newsflow.dedup.minhash import RunView, signature_column

    num_perm = ctx.settings.minhash_permutations
    paths = [ctx.file("gate_normalised", b) for b in ctx.batches()]
    total = 0
    for path in paths:
        where, filesystem = storage.arrow_source(path)
        total += pq.ParquetFile(where, filesystem=filesystem).metadata.num_rows
    signatures = np.zeros((total, num_perm), dtype=np.uint32)
    parts, filled = [], 0
    for path in paths:
        table = _read_table(path, ["record_id", "source_path", "content_sha256", "minhash", "rejects",
                                   "boilerplate_phrases"])
        table = table.filter(pc.is_valid(table.column("content_sha256")))  # never normalised: nothing to compare
        matrix, signed = signature_column(table.column("minhash"), num_perm)
        signatures[filled:filled + table.num_rows] = matrix
        parts.append(pa.table({
            "record_id": table.column("record_id"), "source_path": table.column("source_path"),
            "content_sha256": table.column("content_sha256"),
            "rejected": pc.greater(pc.fill_null(pc.list_value_length(table.column("rejects")), 0), 0),
            "leaky": pc.greater(pc.fill_null(pc.list_value_length(table.column("boilerplate_phrases")), 0), 0),
            "signed": pa.array(signed, pa.bool_()),
        }))
        filled += table.num_rows
    schema = pa.schema([("record_id", pa.string()), ("source_path", pa.string()), ("content_sha256", pa.string()),
                        ("rejected", pa.bool_()), ("leaky", pa.bool_()), ("signed", pa.bool_())])
    table = pa.concat_tables([t.cast(schema) for t in parts]) if parts else schema.empty_table()
    return RunView(table, signatures[:filled])


def dedup(ctx: RunContext) -> dict:
    """Exact and near duplicates across every batch and against the lake; writes verdicts, not records."""
    import pyarrow as pa

    from newsflow.dedup.minhash import DedupStage
    from newsflow.lake.state import published_elsewhere

    stage = DedupStage(ctx.settings, published_elsewhere(ctx.lake, ctx.day, ctx.settings.minhash_permutations))
    view = _run_view(ctx)
    found = stage.duplicates(view)
    record_ids = view.table.column("record_id")
    rejected = view.table.column("rejected")
    verdicts = [{"record_id": record_ids[row].as_py(), "code": code, "detail": detail} for row, code, detail in found]
    newly_rejected = sum(1 for row, _, _ in found if not rejected[row].as_py())
    table = pa.Table.from_pylist(verdicts, schema=pa.schema([("record_id", pa.string()), ("code", pa.string()),
                                                             ("detail", pa.string())]))
    with _writer(ctx.staging / "dedup.parquet", table.schema) as writer:
        writer.write_table(table)
    return ctx.save_stats("dedup", {"step": "dedup", "records": view.table.num_rows, "verdicts": len(verdicts),
                                    "newly_quarantined": newly_rejected, "stage": stage.stats.as_dict()})


def _dedup_verdicts(ctx: RunContext) -> dict[str, list[tuple[str, str]]]:
    verdicts: dict[str, list[tuple[str, str]]] = {}
    for row in _read_table(ctx.staging / "dedup.parquet").to_pylist():
        verdicts.setdefault(row["record_id"], []).append((row["code"], row["detail"]))
    return verdicts


def stage_output(ctx: RunContext, ingested_at: datetime | None = None) -> dict:
    """Stream every batch into one articles file, one quarantine file and the date's ledger."""
    from newsflow.lake.output import PART_NAME, build_tables
    from newsflow.lake.schema import ARTICLES, QUARANTINE
    from newsflow.lake.state import LEDGER

    verdicts = _dedup_verdicts(ctx)
    ingested_at = ingested_at or datetime.now(timezone.utc)
    out = ctx.staging / "out"
    storage.rmtree(out)
    part = f"date={ctx.day.isoformat()}"
    paths = {"articles": out / "articles" / part / PART_NAME, "quarantine": out / "quarantine" / part / PART_NAME,
             "ledger": out / "ledger.parquet"}
    counts = {"articles": 0, "quarantine": 0}
    with _writer(paths["articles"], ARTICLES) as articles_out, \
            _writer(paths["quarantine"], QUARANTINE) as quarantine_out, \
            _writer(paths["ledger"], LEDGER) as ledger_out:
        for batch in ctx.batches():
            records = list(read_records(ctx.file("gate_normalised", batch)))
            for record in records:
                for code, detail in verdicts.get(record.record_id, ()):
                    record.reject("dedup", code, detail)
            articles, quarantine, ledger = build_tables(records, ctx.run_id, ingested_at)
            articles_out.write_table(articles)
            quarantine_out.write_table(quarantine)
            ledger_out.write_table(ledger)
            counts["articles"] += articles.num_rows
            counts["quarantine"] += quarantine.num_rows
    return ctx.save_stats("stage_output", {"step": "stage_output", "path": storage.display(out), **counts})


def _expected_counts(ctx: RunContext) -> tuple[int, int, int]:
    """(ingested, expected articles, expected quarantine) from what each step counted, not what was written."""
    ingested = sum(ctx.load_stats("ingest", b).get("records", 0) for b in ctx.batches())
    quarantined = sum(ctx.load_stats("gate_normalised", b).get("quarantined_so_far", 0) for b in ctx.batches())
    quarantined += ctx.load_stats("dedup").get("newly_quarantined", 0)
    return ingested, ingested - quarantined, quarantined


def gate_output(ctx: RunContext) -> dict:
    from newsflow.gates.suites import OUTPUT, output_checks, output_frame
    from newsflow.lake.output import PART_NAME
    from newsflow.lake.schema import SCHEMAS

    out = ctx.staging / "out"
    part = f"date={ctx.day.isoformat()}"
    files = {name: out / name / part / PART_NAME for name in SCHEMAS}
    failures = []
    for name, path in files.items():
        if not _read_schema(path).equals(SCHEMAS[name], check_metadata=False):
            failures.append(f"schema_mismatch: {name} does not match the published contract")
    present = _read_schema(files["articles"]).names
    articles = _read_table(files["articles"], [c for c in ("doc_id", "source_path", "word_count", "language",
                                                           "content_sha256") if c in present])
    quarantine = _read_table(files["quarantine"], ["source_path", "reason_codes"])
    ingested, expected_articles, expected_quarantine = _expected_counts(ctx)
    if articles.num_rows != expected_articles:
        failures.append(f"row_count_reconciliation: {articles.num_rows} articles staged, {expected_articles} "
                        f"expected ({ingested} ingested - {expected_quarantine} quarantined)")
    if quarantine.num_rows != expected_quarantine:
        failures.append(f"row_count_reconciliation: {quarantine.num_rows} quarantine rows staged, "
                        f"{expected_quarantine} expected")
    broken = sum(1 for codes in quarantine.column("reason_codes").to_pylist()
                 if any(not c.startswith("dedup.") for c in codes))
    failures += _ratio_failure(ctx, broken, ingested)
    if failures and any(f.startswith("schema_mismatch") for f in failures):
        from newsflow.gates.gx_runner import GateReport

        return _finish_gate(ctx, OUTPUT, GateReport(OUTPUT, 0), {}, failures, None)
    frame = output_frame(articles, quarantine)
    report = _run_gate(ctx, OUTPUT, frame,
                       output_checks(expected_articles, expected_quarantine, _languages(ctx.settings)), id_column="row_key")
    extra = {"records": ingested, "articles": articles.num_rows, "quarantined": quarantine.num_rows}
    return _finish_gate(ctx, OUTPUT, report, extra, failures + report.batch_failures, None)


def publish(ctx: RunContext) -> dict:
    from newsflow.lake.output import publish as publish_partitions

    if not ctx.load_stats("gate_output").get("success"):
        raise RuntimeError(f"cannot publish: gate_output has not passed for run {ctx.run_id}")
    summary = run_summary(ctx)
    manifest = publish_partitions(ctx.lake, ctx.day, ctx.staging / "out", ctx.run_id,
                                  {"articles": summary["articles"], "quarantined": summary["quarantined"]}, key=ctx.key)
    summary["partitions"] = {name: [storage.display(ctx.lake_root / f) for f in files]
                             for name, files in manifest["files"].items()}
    summary["manifest"] = storage.display(ctx.lake.manifest(ctx.day))
    summary["status"] = "published"
    (ctx.quality / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True, default=str))
    from newsflow.report import write_run_report

    with storage.local_copy(ctx.quality) as quality:
        write_run_report(quality, summary)  # report.html + report.json beside summary.json
    storage.rmtree(ctx.staging)
    if storage.is_local(ctx.staging):
        try:
            ctx.staging.parent.rmdir()  # only when no other run is staging
        except OSError:
            pass
    return summary


def run_summary(ctx: RunContext) -> dict:
    from newsflow.lake.output import PART_NAME

    batches = ctx.batches()
    per_batch = {f"{b:05d}": {step: ctx.load_stats(step, b) for step in BATCH_STEPS} for b in batches}
    part = f"date={ctx.day.isoformat()}"
    quarantine = _read_table(ctx.staging / "out" / "quarantine" / part / PART_NAME,
                             ["source_path", "reason_codes", "reasons"]).to_pylist()
    reasons: dict[str, int] = {}
    for row in quarantine:
        for code in row["reason_codes"]:
            reasons[code] = reasons.get(code, 0) + 1
    output = ctx.load_stats("stage_output")
    return {
        "run_id": ctx.run_id,
        "date": ctx.day.isoformat(),
        "landing": storage.display(ctx.landing),
        "lake": storage.display(ctx.lake_root),
        "batches": len(batches),
        "ingested": sum(s["ingest"].get("records", 0) for s in per_batch.values()),
        "skipped_already_processed": sum(s["ingest"].get("skipped_already_processed", 0) for s in per_batch.values()),
        "articles": output.get("articles", 0),
        "quarantined": output.get("quarantine", 0),
        "quarantine_reasons": dict(sorted(reasons.items())),
        "quarantined_files": [{"source_path": r["source_path"], "reasons": r["reasons"]} for r in quarantine[:1000]],
        "quality_dir": storage.display(ctx.quality),
        "steps": {"plan": ctx.load_stats("plan"), "batches": per_batch, "dedup": ctx.load_stats("dedup"),
                  "stage_output": output, "gate_output": ctx.load_stats("gate_output")},
    }


def run_all(ctx: RunContext) -> dict:
    """Every step in order, in this process: what the DAG does, minus Airflow (tests, benchmarks)."""
    for batch in plan(ctx):
        run_batch(ctx, batch)
    dedup(ctx)
    stage_output(ctx)
    gate_output(ctx)
    return publish(ctx)
