"""The ``dedup`` task: exact and near duplicates across every batch and against the lake, once per run.

It writes verdicts (record id, code, detail), not records: ``stage_output`` applies them as ``dedup.*``
rejects while it streams the batches into the output. Each verdict also names the copy's story cluster (the
reference's doc id, record or date, and the similarity: ``dedup/clusters.py``).
"""

from __future__ import annotations

from newsflow import storage
from newsflow.lake.commit import parquet_options
from newsflow.runrecords import DedupStats
from newsflow.steplist import DEDUP, LAST_BATCH_STEP
from newsflow.steps.context import RunContext


def dedup(ctx: RunContext) -> DedupStats:
    import pyarrow as pa

    from newsflow.dedup.clusters import match_columns
    from newsflow.dedup.find import Dedup
    from newsflow.dedup.history import known_candidates
    from newsflow.dedup.view import read_run_view

    num_perm = ctx.settings.minhash_permutations
    view = read_run_view([ctx.run.step_file(LAST_BATCH_STEP, b) for b in ctx.batches()], num_perm)
    # only the lake's documents that could match: same hash, or a shared LSH bucket (never the whole history)
    known = known_candidates(ctx.lake, ctx.day, view.table.column("content_sha256").to_pylist(), view.signatures,
                             view.table.column("signed").to_numpy(zero_copy_only=False), ctx.settings)
    step = Dedup(ctx.settings, known)
    found = step.matches(view)
    record_ids = view.table.column("record_id")
    rejected = view.table.column("rejected")
    table = pa.table({"record_id": pa.array([record_ids[m.row].as_py() for m in found], pa.string()),
                      "code": pa.array([m.code for m in found], pa.string()),
                      "detail": pa.array([m.detail for m in found], pa.string()),
                      **match_columns(found, record_ids)})
    with storage.parquet_writer(ctx.run.dedup_verdicts, table.schema, **parquet_options()) as writer:
        writer.write_table(table)
    newly_rejected = sum(1 for m in found if not rejected[m.row].as_py())
    return ctx.save_stats(DEDUP, DedupStats(step=DEDUP, records=view.table.num_rows, verdicts=len(found),
                                            newly_quarantined=newly_rejected, stage=step.stats.as_dict()))


def verdicts(ctx: RunContext) -> dict[str, list[tuple[str, str]]]:
    """The dedup step's verdicts by record id."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in storage.read_table(ctx.run.dedup_verdicts, ["record_id", "code", "detail"]).to_pylist():
        found.setdefault(row["record_id"], []).append((row["code"], row["detail"]))
    return found
