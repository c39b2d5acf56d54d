"""The mapped per-batch tasks: ``ingest`` → ``gate_raw`` → ``normalise`` → ``gate_normalised``.

Each reads the previous step's staging file of its batch and writes its own, plus a small stats file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from newsflow import runrecords, storage
from newsflow.gates.policy import GateFailed, apply_row_gate
from newsflow.gates.runner import Check, GateReport
from newsflow.lake.staging import read_records, write_records
from newsflow.record import Article
from newsflow.runrecords import GateCounts, GateRecord, IngestStats, NormaliseStats
from newsflow.steplist import GATE_NORMALISED, GATE_RAW, INGEST, NORMALISE, Gate
from newsflow.steps.context import RunContext


def ingest(ctx: RunContext, batch: int = 0) -> IngestStats:
    from collections import Counter

    from newsflow.ingest import ccnews
    from newsflow.ingest.landing import ArchivePart, LandingFile, read_archive, read_landing
    from newsflow.ingest.stage import DecodeStage
    from newsflow.lake.processed import processed_elsewhere

    items = ctx.load_batch(batch)
    skip = processed_elsewhere(ctx.lake, ctx.day)
    skipped: list[str] = []
    not_articles: Counter[str] = Counter()
    archives_read: set[tuple[str, str]] = set()
    decode = DecodeStage()
    remote = ccnews.ReadStats()

    def records() -> Iterator[Article]:
        for item in items:
            if ccnews.is_remote_item(item):
                yield from ccnews.read_remote_archive(ctx.landing, ctx.settings, ccnews.RemoteArchive.from_json(item),
                                                      skip, skipped, not_articles, archives_read, remote)
            elif isinstance(item, dict):
                yield from read_archive(ctx.landing, ctx.landing.name, ctx.settings, ArchivePart.from_json(item),
                                        skip, skipped, not_articles, archives_read)
            else:
                yield from read_landing(ctx.landing, ctx.landing.name, ctx.settings, skip, skipped,
                                        files=[LandingFile.from_json(ctx.landing, item)])

    count = write_records(ctx.run.step_file(INGEST, batch), decode.run(records()), drop=("raw",))
    parts = [item for item in items if isinstance(item, dict)]
    stats = IngestStats(step=INGEST, batch=batch, files=len(items) - len(parts), archive_parts=len(parts),
                        archive_records=sum(len(p.get("spans", ())) for p in parts) + remote.records,
                        records=count, not_articles=dict(sorted(not_articles.items())),
                        archives_read=sorted(map(list, archives_read)),
                        skipped_already_processed=len(skipped), skipped=skipped[:100],
                        stage=decode.stats.as_dict())
    if remote.archives:
        stats["ccnews"] = remote.as_dict()
    return ctx.save_stats(INGEST, stats, batch)


def finish_gate(ctx: RunContext, gate: Gate, report: GateReport, counts: GateCounts, failures: list[str],
                batch: int | None) -> GateRecord:
    """Keep the gate's verdict (report JSON in the quality folder, stats for later steps); raise on failure."""
    name = ctx.run.gate_name(gate, batch)
    result: GateRecord = {**counts, "gate": gate, "batch": batch, "success": not failures,
                          "batch_failures": failures, "rows": report.rows, "rows_failed": len(report.row_reasons),
                          "expectations": report.expectations, "results_path": report.results_path,
                          "docs_path": report.docs_path}
    runrecords.write(ctx.run.gate_report(name), result)
    ctx.save_stats(gate, result, batch)
    if failures:
        raise GateFailed(name, failures)
    return result


def _row_gate(ctx: RunContext, gate: Gate, records: list[Article], frame: Any, checks: list[Check],
              batch: int) -> GateRecord:
    from newsflow.gates.runner import validate

    report = validate(ctx.run, ctx.run.gate_name(gate, batch), frame, checks)
    failures, counts = apply_row_gate(gate, records, report, ctx.settings)
    return finish_gate(ctx, gate, report, counts, failures, batch)


def gate_raw(ctx: RunContext, batch: int = 0) -> GateRecord:
    import pyarrow.compute as pc

    from newsflow.columns import STAGING
    from newsflow.gates.suites import raw_checks, raw_frame

    # The pages themselves are not needed here, only their lengths (counted in Arrow, never turned
    # into Python strings); normalise reads them from ingest's file.
    source = ctx.run.step_file(INGEST, batch)
    records = list(read_records(source, columns=tuple(n for n in STAGING.names if n != "decoded")))
    pages = storage.parquet_file(source)  # a row group at a time: the batch's pages are ~200 MB
    lengths = [length for group in range(pages.num_row_groups)
               for length in pc.fill_null(pc.utf8_length(pages.read_row_group(group, ["decoded"]).column("decoded")),
                                          0).to_pylist()]
    result = _row_gate(ctx, GATE_RAW, records, raw_frame(records, lengths), raw_checks(ctx.settings), batch)
    # The decoded pages stay in ingest's file (normalise reads them there): the bulk of a batch is
    # written once, not once per step.
    write_records(ctx.run.step_file(GATE_RAW, batch), records, drop=("decoded",))
    return result


def _gated_with_pages(ctx: RunContext, batch: int) -> Iterator[Article]:
    """gate_raw's records with their decoded pages put back from ingest's file (same rows, same order)."""
    pages = read_records(ctx.run.step_file(INGEST, batch), columns=("decoded",))
    for record, page in zip(read_records(ctx.run.step_file(GATE_RAW, batch)), pages, strict=True):
        if page.record_id != record.record_id:
            raise RuntimeError(f"batch {batch}: ingest and gate_raw files disagree at {record.record_id}")
        record.decoded = page.decoded
        yield record


def normalise(ctx: RunContext, batch: int = 0) -> NormaliseStats:
    from newsflow.normalise.stage import NormaliseStage, SignStage
    from newsflow.stages.base import run_stages

    stages = [NormaliseStage(ctx.settings, ctx.day), SignStage(ctx.settings)]
    records = run_stages(_gated_with_pages(ctx, batch), stages)
    # decoded pages of records quarantined before normalising are not needed downstream either
    count = write_records(ctx.run.step_file(NORMALISE, batch), records, drop=("decoded",))
    return ctx.save_stats(NORMALISE, NormaliseStats(step=NORMALISE, batch=batch, records=count,
                                                    stage=stages[0].stats.as_dict(), sign=stages[1].stats.as_dict()),
                          batch)


def gate_normalised(ctx: RunContext, batch: int = 0) -> GateRecord:
    from newsflow.gates.policy import languages
    from newsflow.gates.suites import normalised_checks, normalised_frame

    records = list(read_records(ctx.run.step_file(NORMALISE, batch)))
    # Only records that reached normalisation with text are checked; the rest already carry their reasons.
    checked = [r for r in records if r.text is not None]
    checks = normalised_checks(ctx.settings, ctx.reference_time, languages(ctx.settings))
    result = _row_gate(ctx, GATE_NORMALISED, records, normalised_frame(checked), checks, batch)
    write_records(ctx.run.step_file(GATE_NORMALISED, batch), records)
    return result
