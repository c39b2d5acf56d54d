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

import json
import logging
import statistics
from collections import Counter, defaultdict
from typing import Any

from newsflow import storage
from newsflow.lake.layout import RunPaths

LOGGER = logging.getLogger(__name__)

SCHEMA_VERSION = 1
GATES = ("gate_raw", "gate_normalised", "gate_output")
# Where a record can first be rejected, in pipeline order (stage names used in quarantine.stage).
STAGE_ORDER = ("ingest", "gate_raw", "normalise", "gate_normalised", "dedup", "gate_output")
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


def _read_json(path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        LOGGER.warning("cannot read %s: %s", path, exc)
        return None


# -- gates ----------------------------------------------------------------------------------------------------

def load_gates(run: RunPaths, only: str | None = None) -> list[dict]:
    """One entry per gate, batches merged: expectations summed, failures listed, Data Docs per batch.

    ``only`` keeps one report file (``gate_raw.b00003``): a mapped task's own batch.
    """
    merged: dict[str, dict] = {}
    for path in run.gate_reports(only):
        data = _read_json(path)
        if not isinstance(data, dict):
            continue
        batch_name = run.report_name(path)
        gate = data.get("gate") or batch_name.split(".")[0]
        entry = merged.setdefault(gate, {"gate": gate, "success": True, "records": 0, "rows_failed": 0,
                                         "quarantined_so_far": 0, "batch_failures": [], "expectations": [],
                                         "batches": 0, "data_docs": [], "quarantine_ratio": None})
        entry["batches"] += 1
        entry["success"] = entry["success"] and bool(data.get("success", not data.get("batch_failures")))
        entry["records"] += int(data.get("records") or data.get("rows") or 0)
        entry["rows_failed"] += int(data.get("rows_failed") or 0)
        entry["quarantined_so_far"] += int(data.get("quarantined_so_far") or 0)
        prefix = f"{batch_name}: " if batch_name != gate else ""
        entry["batch_failures"] += [prefix + str(f) for f in data.get("batch_failures") or []]
        if data.get("quarantine_ratio") is not None:
            entry["quarantine_ratio"] = max(entry["quarantine_ratio"] or 0.0, float(data["quarantine_ratio"]))
        docs = run.data_docs(batch_name) / "index.html"
        if docs.exists():
            entry["data_docs"].append({"name": batch_name, "path": run.from_quality(docs)})
        by_key = {(e["code"], e["expectation"], e.get("column")): e for e in entry["expectations"]}
        for item in data.get("expectations") or []:
            key = (item.get("code"), item.get("expectation"), item.get("column"))
            if key not in by_key:
                by_key[key] = {"code": key[0], "expectation": key[1], "column": key[2],
                               "level": item.get("level", "row"), "success": True, "unexpected_count": None,
                               "observed_value": None}
                entry["expectations"].append(by_key[key])
            e = by_key[key]
            e["success"] = e["success"] and bool(item.get("success"))
            if item.get("unexpected_count") is not None:
                e["unexpected_count"] = (e["unexpected_count"] or 0) + int(item["unexpected_count"])
            if item.get("observed_value") is not None:
                e["observed_value"] = item["observed_value"]
    order = {g: i for i, g in enumerate(GATES)}
    gates = sorted(merged.values(), key=lambda g: (order.get(g["gate"], len(order)), g["gate"]))
    for gate in gates:
        gate["failed_expectations"] = [e for e in gate["expectations"] if not e["success"]]
    return gates


def gate_headline(gate: dict) -> str:
    """One line a person reads first: which expectations failed, on how many rows, and what failed the gate."""
    if gate["success"] and not gate["failed_expectations"]:
        return f"{gate['gate']}: passed, {len(gate['expectations'])} expectations on {gate['records']} rows"
    parts = []
    for e in gate["failed_expectations"]:
        n = e["unexpected_count"]
        rows = f"{n} row{'' if n == 1 else 's'}" if n is not None else f"observed {e['observed_value']!r}"
        column = f" on {e['column']}" if e.get("column") else ""
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

def _read_parquet(path, columns: list[str]) -> list[dict]:
    try:
        names = set(storage.read_schema(path).names)
        return storage.read_table(path, columns=[c for c in columns if c in names]).to_pylist()
    except Exception as exc:  # a half-written or foreign file must not break the page
        LOGGER.warning("cannot read %s: %s", path, exc)
        return []


def _run_rows(run: RunPaths, dataset: str, version: int | None, columns: list[str]) -> list[dict] | None:
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


def _staged_rejects(run: RunPaths) -> list[dict]:
    """For a run that did not publish: every rejected record in its latest staging file of each batch."""
    rows: list[dict] = []
    for batch in run.staged_batches():
        for step in ("gate_normalised", "normalise", "gate_raw", "ingest"):
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


def _gate_rejects(gates: list[dict]) -> list[dict]:
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


def _reasons(rows: list[dict]) -> list[dict]:
    counts: Counter = Counter()
    examples: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        for code, reason in zip(row.get("reason_codes") or [], row.get("reasons") or []):
            counts[code] += 1
            if len(examples[code]) < EXAMPLES_PER_REASON and row.get("source_path"):
                detail = reason.split(": ", 1)[1] if ": " in reason else ""
                examples[code].append({"source_path": row.get("source_path"), "detail": detail})
    return [{"code": code, "count": n, "examples": examples[code]}
            for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _steps(ingested: int, rows: list[dict], articles: int | None) -> list[dict]:
    """Records into and out of every step, each record counted where it was first rejected."""
    first = Counter(row.get("stage") for row in rows)
    stages = list(STAGE_ORDER) + sorted(s for s in first if s not in STAGE_ORDER)
    steps, live = [], ingested
    for stage in stages:
        out = live - first.get(stage, 0)
        steps.append({"step": stage, "label": STAGE_LABELS.get(stage, stage), "in": live, "out": out,
                      "quarantined": first.get(stage, 0)})
        live = out
    if articles is not None:
        steps.append({"step": "publish", "label": "publish (articles written)", "in": live, "out": articles,
                      "quarantined": 0})
    return steps


def _article_stats(rows: list[dict]) -> tuple[list[int], Counter]:
    word_counts: list[int] = []
    days: Counter = Counter()
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


def histogram(values: list[int], bins: int = HISTOGRAM_BINS) -> list[dict]:
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


def _lake_partitions(run: RunPaths, limit: int = LAKE_DAYS) -> list[dict]:
    """Articles per published partition date, from the publish markers (the last ``limit`` dates)."""
    out = []
    for day in run.lake.published_days()[-limit:]:
        data = _read_json(run.lake.manifest(day)) or {}
        out.append({"date": data.get("date") or day.isoformat(),
                    "articles": int(data.get("articles") or 0), "quarantined": int(data.get("quarantined") or 0),
                    "run_id": data.get("run_id")})
    return out


def _archives(run: RunPaths, summary: dict | None) -> dict:
    """WARC archives read, their records, and those that are not pages (requests, metadata, redirects,
    images, ...) by kind: counted, never quarantined."""
    if summary and "not_articles" in summary:
        return {"archives": int(summary.get("archives") or 0), "records": int(summary.get("archive_records") or 0),
                "not_articles": dict(summary["not_articles"]), "ccnews": summary.get("ccnews")}
    kinds: Counter = Counter()
    for batch in run.staged_batches():
        kinds.update((_read_json(run.stats_file("ingest", batch)) or {}).get("not_articles") or {})
    plan = _read_json(run.stats_file("plan")) if run.stats_file("plan").exists() else {}
    return {"archives": int((plan or {}).get("archives") or 0), "records": int((plan or {}).get("archive_records") or 0),
            "not_articles": dict(sorted(kinds.items()))}


# -- the model ------------------------------------------------------------------------------------------------

def build_report(run: RunPaths, summary: dict | None = None) -> dict:
    """The run's report model (JSON-ready) from its quality folder and the lake around it (``run``: the
    run's paths, from ``Lake.run`` or ``Lake.find_run``; local or object store)."""
    if summary is None and run.summary.exists():
        summary = _read_json(run.summary)
    summary = summary or None
    run_id = run.run_id
    gates = load_gates(run)
    manifest = _read_json(run.manifest) if run.manifest.exists() else None

    if summary and summary.get("status") == "published":
        # Superseded only when the date's marker names another run. No marker: a rerun is replacing the
        # date right now (its files are changing; the summary's own counts stand).
        current = not (manifest and manifest.get("run_id") != run_id)
        status = "published" if current else "superseded"
        relative = ((manifest or {}).get("files") or {}) if current else {}
        files = {name: [run.lake.root / f for f in names] for name, names in relative.items()}
        versions = summary.get("versions") or {}
        rows = _run_rows(run, "quarantine", versions.get("quarantine"),
                         ["source_path", "stage", "reasons", "reason_codes"])
        if rows is None:  # the table version is gone (vacuumed): fall back to the summary's list
            rows = [{"source_path": f.get("source_path"), "reasons": f.get("reasons") or [],
                     "reason_codes": [r.split(": ", 1)[0] for r in f.get("reasons") or []],
                     "stage": (f.get("reasons") or ["?."])[0].split(".", 1)[0]}
                    for f in summary.get("quarantined_files") or []]
        ingested = int(summary.get("ingested") or 0)
        articles = int(summary.get("articles") or 0)
        word_counts, days = _article_stats(_run_rows(run, "articles", versions.get("articles"),
                                                     ["word_count", "published_at"]) or [])
    else:
        failed = [g["gate"] for g in gates if not g["success"]]
        status = "failed" if failed else "incomplete"
        relative, files, versions = {}, {}, {}
        rows = _staged_rejects(run) + _gate_rejects(gates)
        ingested = max([g["records"] for g in gates if g["gate"] == "gate_raw"] or [0])
        articles = None
        word_counts, days = [], Counter()

    reasons = _reasons(rows)
    steps = _steps(ingested, rows, articles)
    if status in ("failed", "incomplete"):  # nothing ran after the last gate that reported
        reached = [s["step"] for s in steps if s["step"] in {g["gate"] for g in gates}]
        if reached:
            steps = steps[: [s["step"] for s in steps].index(reached[-1]) + 1]
    failed_gates = [g["gate"] for g in gates if not g["success"]]
    report = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "run_key": run.key,
        "date": run.day.isoformat(),
        "status": status,
        "failed_gates": failed_gates,
        "headlines": [gate_headline(g) for g in gates],
        "lake": storage.display(run.lake.root),
        "quality_dir": storage.display(run.quality),
        "counts": {
            "ingested": ingested,
            "articles": articles,
            "quarantined": int(summary["quarantined"]) if summary and "quarantined" in summary else len(rows),
            "skipped_already_processed": int((summary or {}).get("skipped_already_processed") or 0),
        },
        "steps": steps,
        "archives": _archives(run, summary),
        "quarantine_reasons": reasons,
        "gates": gates,
        "partitions": {name: [storage.display(p) for p in paths] for name, paths in files.items()}
        if status == "published" else {},
        # lake-relative, for links that survive moving the lake
        "partition_files": relative if status == "published" else {},
        "manifest": storage.display(run.manifest) if status == "published" else None,
        "versions": versions,  # the table versions this run committed (read them with time travel)
        "word_count": {
            "articles": len(word_counts),
            "min": min(word_counts) if word_counts else None,
            "median": statistics.median(word_counts) if word_counts else None,
            "max": max(word_counts) if word_counts else None,
            "histogram": histogram(word_counts),
        },
        "published_per_day": [{"day": d, "articles": n} for d, n in sorted(days.items(), key=_day_key)],
        "lake_partitions": _lake_partitions(run),
        # the drift gate's verdicts against the lake's recent dates (gates/drift.py); None before it ran
        "drift": _read_json(run.drift_report) if run.drift_report.exists() else None,
    }
    return report


def _day_key(item: tuple[str, int]) -> tuple[int, str]:
    return (1, "") if item[0] == "undated" else (0, item[0])

