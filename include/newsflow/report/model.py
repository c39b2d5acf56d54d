"""The per-run quality report, built only from what the run left in the lake.

Inputs, all optional except the quality folder itself:

- ``summary.json`` (written by ``publish``: counts, reasons, partitions),
- every gate's ``<gate>[.bNNNNN].report.json`` (expectations with pass/fail and unexpected counts),
- the run's published Parquet partitions (word counts, publication days, first rejecting stage),
- for a run that did not publish, its staging files (the rejects known so far),
- the lake's publish markers (articles per partition date).

The model is plain JSON (``report.json``); ``render.render_html`` draws the same story.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter, defaultdict
from typing import Any

from newsflow import runrecords, storage
from newsflow.lake.layout import RunPaths
from newsflow.runrecords import (
    ArchiveCounts,
    ClusterSummary,
    Expectation,
    GateRecord,
    GateSummary,
    ReasonCount,
    ReasonExample,
    Report,
    ReportCounts,
    RunMarker,
    StepFlow,
    Summary,
)
from newsflow.steplist import BATCH_STEPS, GATE_RAW, GATES, INGEST, PLAN, PUBLISH, REJECTING_STEPS

LOGGER = logging.getLogger(__name__)

SCHEMA_VERSION = 1
STAGE_LABELS = {
    "ingest": "ingest (read + decode)",
    "gate_raw": "gate_raw",
    "normalise": "normalise (extract + tokens)",
    "gate_normalised": "gate_normalised",
    "dedup": "dedup (exact + near)",
    "gate_output": "gate_output",
}
EXAMPLES_PER_REASON = 3
HISTOGRAM_BINS = 12
LAKE_DAYS = 30


def _read_json(path: Any) -> Any:
    try:
        return runrecords.read(path)
    except (OSError, ValueError) as exc:
        LOGGER.warning("cannot read %s: %s", path, exc)
        return None


# -- gates ----------------------------------------------------------------------------------------------------

def load_gates(run: RunPaths, only: str | None = None) -> list[GateSummary]:
    """One entry per gate, batches merged: expectations summed, failures listed, Data Docs per batch.

    ``only`` keeps one report file (``gate_raw.b00003``): a mapped task's own batch.
    """
    merged: dict[str, GateSummary] = {}
    for path in run.gate_reports(only):
        data: GateRecord | None = _read_json(path)
        if not isinstance(data, dict):
            continue
        batch_name = run.report_name(path)
        gate = data["gate"]
        entry = merged.setdefault(gate, GateSummary(gate=gate, success=True, records=0, rows_failed=0,
                                                    quarantined_so_far=0, batch_failures=[], expectations=[],
                                                    failed_expectations=[], batches=0, data_docs=[],
                                                    quarantine_ratio=None))
        entry["batches"] += 1
        entry["success"] = entry["success"] and data["success"]
        entry["records"] += data["records"]
        entry["rows_failed"] += data["rows_failed"]
        entry["quarantined_so_far"] += data.get("quarantined_so_far", 0)
        prefix = f"{batch_name}: " if batch_name != gate else ""
        entry["batch_failures"] += [prefix + str(f) for f in data["batch_failures"]]
        ratio = data.get("quarantine_ratio")
        if ratio is not None:
            entry["quarantine_ratio"] = max(entry["quarantine_ratio"] or 0.0, float(ratio))
        docs = run.data_docs(batch_name) / "index.html"
        if docs.exists():
            entry["data_docs"].append({"name": batch_name, "path": run.from_quality(docs)})
        by_key = {(e["code"], e["expectation"], e["column"]): e for e in entry["expectations"]}
        for item in data["expectations"]:
            key = (item["code"], item["expectation"], item["column"])
            if key not in by_key:
                by_key[key] = Expectation(code=item["code"], expectation=item["expectation"], column=item["column"],
                                          level=item["level"], success=True, unexpected_count=None,
                                          observed_value=None)
                entry["expectations"].append(by_key[key])
            e = by_key[key]
            e["success"] = e["success"] and item["success"]
            if item["unexpected_count"] is not None:
                e["unexpected_count"] = (e["unexpected_count"] or 0) + int(item["unexpected_count"])
            if item["observed_value"] is not None:
                e["observed_value"] = item["observed_value"]
    order: dict[str, int] = {name: i for i, name in enumerate(GATES)}
    gates = sorted(merged.values(), key=lambda g: (order.get(g["gate"], len(order)), g["gate"]))
    for summary in gates:
        summary["failed_expectations"] = [e for e in summary["expectations"] if not e["success"]]
    return gates


def gate_headline(gate: GateSummary) -> str:
    """One line a person reads first: which expectations failed, on how many rows, and what failed the gate."""
    if gate["success"] and not gate["failed_expectations"]:
        return f"{gate['gate']}: passed, {len(gate['expectations'])} expectations on {gate['records']} rows"
    parts = []
    for e in gate["failed_expectations"]:
        n = e["unexpected_count"]
        rows = f"{n} row{'' if n == 1 else 's'}" if n is not None else f"observed {e['observed_value']!r}"
        column = f" on {e['column']}" if e["column"] else ""
        action = {"row": "quarantined", "warn": "warning, published"}.get(e["level"], "FAILED the gate")
        parts.append(f"{e['code']} ({e['expectation']}{column}): {rows}, {action}")
    verdict = ("FAILED" if not gate["success"] else "passed with warnings"
               if all(e["level"] == "warn" for e in gate["failed_expectations"]) else "passed with quarantined rows")
    text = f"{gate['gate']}: {verdict}"
    if parts:
        text += "; " + "; ".join(parts)
    extra = [f for f in gate["batch_failures"] if not any(f.split(": ", 1)[-1].startswith(e["code"])
                                                          for e in gate["failed_expectations"])]
    if extra:
        text += "; " + "; ".join(extra)
    return text


# -- records: the published partitions, or the staging files of a run that stopped -----------------------------

def _read_parquet(path: Any, columns: list[str]) -> list[dict[str, Any]]:
    try:
        names = set(storage.read_schema(path).names)
        rows: list[dict[str, Any]] = storage.read_table(path, columns=[c for c in columns if c in names]).to_pylist()
        return rows
    except Exception as exc:  # a half-written or foreign file must not break the page
        LOGGER.warning("cannot read %s: %s", path, exc)
        return []


def _run_rows(run: RunPaths, dataset: str, version: int | None, columns: list[str]) -> list[dict[str, Any]] | None:
    """The run's rows of a published table, read at the version the run committed (time travel: still
    there after a rerun replaced the date, until vacuum removes its files); None when unreadable."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from newsflow.lake import tables

    if version is None:
        return None
    try:
        table = tables.read(run.lake.table(dataset), version=version, columns=columns,
                            filter=(pc.field("date") == pa.scalar(run.day, pa.date32()))
                            & (pc.field("run_id") == run.run_id))
    except Exception as exc:  # vacuumed, or not a table: the summary's own lists stand in
        LOGGER.warning("cannot read %s version %s: %s", dataset, version, exc)
        return None
    return None if table is None else table.select(columns).to_pylist()


def _staged_rejects(run: RunPaths) -> list[dict[str, Any]]:
    """For a run that did not publish: every rejected record in its latest staging file of each batch."""
    rows: list[dict[str, Any]] = []
    for batch in run.staged_batches():
        for step in reversed(BATCH_STEPS):
            path = run.step_file(step, batch)
            if path.exists():
                for row in _read_parquet(path, ["source_path", "rejects"]):
                    rejects = row.get("rejects") or []
                    if rejects:
                        rows.append({
                            "source_path": row["source_path"], "stage": rejects[0]["stage"],
                            "reasons": [f"{r['stage']}.{r['code']}: {r['detail']}" if r.get("detail")
                                        else f"{r['stage']}.{r['code']}" for r in rejects],
                            "reason_codes": [f"{r['stage']}.{r['code']}" for r in rejects],
                        })
                break
    return rows


def _gate_rejects(gates: list[GateSummary]) -> list[dict[str, Any]]:
    """Rows a failed gate would have quarantined: the gate failed before writing them, so only counts are known."""
    rows = []
    for gate in gates:
        if gate["success"]:
            continue
        for e in gate["failed_expectations"]:
            if e["level"] == "row" and e["unexpected_count"]:
                code = f"{gate['gate']}.{e['code']}"
                rows += [{"source_path": None, "stage": gate["gate"], "reasons": [code], "reason_codes": [code]}
                         for _ in range(int(e["unexpected_count"]))]
    return rows


def _reasons(rows: list[dict[str, Any]]) -> list[ReasonCount]:
    counts: Counter[str] = Counter()
    examples: dict[str, list[ReasonExample]] = defaultdict(list)
    for row in rows:
        for code, reason in zip(row.get("reason_codes") or [], row.get("reasons") or [], strict=True):
            counts[code] += 1
            if len(examples[code]) < EXAMPLES_PER_REASON and row.get("source_path"):
                detail = reason.split(": ", 1)[1] if ": " in reason else ""
                examples[code].append({"source_path": row.get("source_path"), "detail": detail})
    return [{"code": code, "count": n, "examples": examples[code]}
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _steps(ingested: int, rows: list[dict[str, Any]], articles: int | None) -> list[StepFlow]:
    """Records into and out of every step, each record counted where it was first rejected."""
    first = Counter(str(row.get("stage")) for row in rows)
    stages = list(REJECTING_STEPS) + sorted(s for s in first if s not in REJECTING_STEPS)
    steps: list[StepFlow] = []
    live = ingested
    for stage in stages:
        out = live - first.get(stage, 0)
        steps.append({"step": stage, "label": STAGE_LABELS.get(stage, stage), "in": live, "out": out,
                      "quarantined": first.get(stage, 0)})
        live = out
    if articles is not None:
        steps.append({"step": PUBLISH, "label": "publish (articles written)", "in": live, "out": articles,
                      "quarantined": 0})
    return steps


def _article_stats(rows: list[dict[str, Any]]) -> tuple[list[int], Counter[str]]:
    word_counts: list[int] = []
    days: Counter[str] = Counter()
    for row in rows:
        if row.get("word_count") is not None:
            word_counts.append(int(row["word_count"]))
        moment = row.get("published_at")
        days[moment.date().isoformat() if moment else "undated"] += 1
    return word_counts, days


def _nice(step: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is >= step."""
    magnitude = 1
    while True:
        for m in (1, 2, 5):
            if m * magnitude >= step:
                return m * magnitude
        magnitude *= 10


def histogram(values: list[int], bins: int = HISTOGRAM_BINS) -> list[dict[str, int]]:
    """At most ``bins`` equal bins with round edges (width 1, 2 or 5 x 10^k) over the values: [{lo, hi, count}]."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    width = _nice((hi - lo + 1) / bins)
    start = lo // width * width
    counts = [0] * ((hi - start) // width + 1)
    for v in values:
        counts[(v - start) // width] += 1
    return [{"lo": start + i * width, "hi": start + (i + 1) * width - 1, "count": c} for i, c in enumerate(counts)]


def _lake_partitions(run: RunPaths, limit: int = LAKE_DAYS) -> list[dict[str, Any]]:
    """Articles per published partition date, from the run markers (the last ``limit`` dates)."""
    out = []
    for day in run.lake.published_days()[-limit:]:
        marker: RunMarker | None = _read_json(run.lake.run_marker(day))
        if marker is not None:
            out.append({"date": marker["date"], "articles": marker["articles"], "quarantined": marker["quarantined"],
                        "run_id": marker["run_id"]})
    return out


def _archives(run: RunPaths, summary: Summary | None) -> ArchiveCounts:
    """WARC archives read, their records, and those that are not pages (requests, metadata, redirects,
    images, ...) by kind: counted, never quarantined."""
    if summary:
        counts = ArchiveCounts(archives=summary["archives"], records=summary["archive_records"],
                               not_articles=dict(summary["not_articles"]))
        if "ccnews" in summary:
            counts["ccnews"] = summary["ccnews"]
        return counts
    kinds: Counter[str] = Counter()
    for batch in run.staged_batches():
        if run.stats_file(INGEST, batch).exists():
            kinds.update(_read_json(run.stats_file(INGEST, batch))["not_articles"])
    plan = _read_json(run.stats_file(PLAN)) if run.stats_file(PLAN).exists() else None
    return ArchiveCounts(archives=plan["archives"] if plan else 0, records=plan["archive_records"] if plan else 0,
                         not_articles=dict(sorted(kinds.items())))


# -- the model ------------------------------------------------------------------------------------------------

def build_report(run: RunPaths, summary: Summary | None = None) -> Report:
    """The run's report model (JSON-ready) from its quality folder and the lake around it (``run``: the
    run's paths, from ``Lake.run`` or ``Lake.find_run``; local or object store)."""
    if summary is None and run.summary.exists():
        summary = _read_json(run.summary)
    summary = summary or None
    run_id = run.run_id
    gates = load_gates(run)
    marker: RunMarker | None = _read_json(run.run_marker) if run.run_marker.exists() else None

    relative: dict[str, list[str]] = {}
    versions: dict[str, int] = {}
    articles: int | None = None
    clusters = None
    word_counts: list[int] = []
    days: Counter[str] = Counter()
    if summary and summary["status"] == "published":
        # Superseded only when the date's marker names another run. No marker: a rerun is replacing the
        # date right now (its files are changing; the summary's own counts stand).
        current = not (marker and marker["run_id"] != run_id)
        status = "published" if current else "superseded"
        relative = marker["files"] if current and marker else {}
        versions = summary["versions"]
        rows = _run_rows(run, "quarantine", versions.get("quarantine"),
                         ["source_path", "stage", "reasons", "reason_codes"])
        if rows is None:  # the table version is gone (vacuumed): fall back to the summary's list
            rows = [{"source_path": f["source_path"], "reasons": f["reasons"],
                     "reason_codes": [r.split(": ", 1)[0] for r in f["reasons"]],
                     "stage": (f["reasons"] or ["?."])[0].split(".", 1)[0]}
                    for f in summary["quarantined_files"]]
        ingested = summary["ingested"]
        articles = summary["articles"]
        word_counts, days = _article_stats(_run_rows(run, "articles", versions.get("articles"),
                                                     ["word_count", "published_at"]) or [])
        clusters = _clusters(run, versions.get("story_clusters"))
    else:
        failed = [g["gate"] for g in gates if not g["success"]]
        status = "failed" if failed else "incomplete"
        rows = _staged_rejects(run) + _gate_rejects(gates)
        ingested = max([g["records"] for g in gates if g["gate"] == GATE_RAW] or [0])

    reasons = _reasons(rows)
    steps = _steps(ingested, rows, articles)
    if status in ("failed", "incomplete"):  # nothing ran after the last gate that reported
        reached = [s["step"] for s in steps if s["step"] in {g["gate"] for g in gates}]
        if reached:
            steps = steps[: [s["step"] for s in steps].index(reached[-1]) + 1]
    published = status == "published"
    return Report(
        schema_version=SCHEMA_VERSION,
        run_id=run_id,
        run_key=run.key,
        date=run.day.isoformat(),
        status=status,
        failed_gates=[g["gate"] for g in gates if not g["success"]],
        headlines=[gate_headline(g) for g in gates],
        lake=storage.display(run.lake.root),
        quality_dir=storage.display(run.quality),
        counts=ReportCounts(ingested=ingested, articles=articles,
                            quarantined=summary["quarantined"] if summary else len(rows),
                            skipped_already_processed=summary["skipped_already_processed"] if summary else 0),
        steps=steps,
        archives=_archives(run, summary),
        quarantine_reasons=reasons,
        gates=gates,
        partitions={name: [storage.display(run.lake.root / f) for f in names] for name, names in relative.items()}
        if published else {},
        # lake-relative, for links that survive moving the lake
        partition_files=relative if published else {},
        manifest=storage.display(run.run_marker) if published else None,
        versions=versions,  # the table versions this run committed (read them with time travel)
        word_count={
            "articles": len(word_counts),
            "min": min(word_counts) if word_counts else None,
            "median": statistics.median(word_counts) if word_counts else None,
            "max": max(word_counts) if word_counts else None,
            "histogram": histogram(word_counts),
        },
        published_per_day=[{"day": d, "articles": n} for d, n in sorted(days.items(), key=_day_key)],
        lake_partitions=_lake_partitions(run),
        # the drift gate's verdicts against the lake's recent dates (gates/drift.py); None before it ran
        drift=_read_json(run.drift_report) if run.drift_report.exists() else None,
        clusters=clusters,
    )


def _clusters(run: RunPaths, version: int | None) -> ClusterSummary | None:
    """The run's story clusters as it committed them (time travel to its version); None when it wrote none."""
    import pyarrow.compute as pc

    from newsflow.dedup.clusters import read_clusters, summarise

    if version is None:
        return None
    try:
        rows = read_clusters(run.lake, [run.day], version)[run.day]
    except Exception as exc:  # vacuumed, or not a table
        LOGGER.warning("cannot read story_clusters version %s: %s", version, exc)
        return None
    return summarise(rows.filter(pc.equal(rows.column("run_id"), run.run_id)))


def _day_key(item: tuple[str, int]) -> tuple[int, str]:
    return (1, "") if item[0] == "undated" else (0, item[0])

