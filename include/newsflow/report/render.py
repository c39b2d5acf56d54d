"""Render the report model as one self-contained HTML page (inline CSS and SVG; no script, no fetch)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.lake.layout import RunPaths
from newsflow.report import charts
from newsflow.runrecords import Report

_TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class Links:
    """Where the page's links point: relative files in the lake, or the API server's plugin routes."""

    docs: Callable[[str], str]  # a Data Docs path relative to the quality folder -> href
    partition: Callable[[str, int], str]  # (dataset, index in the report's partition list) -> href
    run_marker: str
    report_json: str = "report.json"
    back: tuple[str, str] | None = None  # (label, href) shown at the top


def lake_links(run: RunPaths, report: Report) -> Links:
    """Links for ``report.html`` inside the run's quality folder: relative, so the lake can move."""
    files = report.get("partition_files") or {}
    return Links(docs=lambda p: p,
                 partition=lambda dataset, index: run.from_quality(run.lake.root / files[dataset][index]),
                 run_marker=run.from_quality(run.run_marker))


@functools.lru_cache(maxsize=1)
def _env() -> Any:
    """One environment per process: it caches compiled templates (compiling them was most of a small run's
    report time) and still reloads a template whose file changed."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v: "–" if v is None else (f"{v:,}" if isinstance(v, int) else f"{v:,.4g}")
    return env


def chart_svgs(report: Report) -> dict[str, str]:
    reasons = [(r["code"], r["count"]) for r in report["quarantine_reasons"]]
    words = [(f"{b['lo']}–{b['hi']}" if b["lo"] != b["hi"] else str(b["lo"]), b["count"])
             for b in report["word_count"]["histogram"]]
    days = [(d["day"], d["articles"]) for d in report["published_per_day"]]
    lake_days = [(d["date"], d["articles"]) for d in report["lake_partitions"]]
    return {
        "reasons": charts.hbar(reasons, title="Quarantined records per reason", color=charts.BAR_ALT,
                               empty="No record was quarantined."),
        "words": charts.columns(words, title="Articles per word-count bin",
                                empty="No articles published by this run."),
        "days": charts.columns(days, title="Articles per publication day (published_at, UTC)",
                               empty="No articles published by this run."),
        "lake": charts.columns(lake_days, title="Articles per published partition date", highlight=report["date"],
                               empty="No date is published in this lake yet."),
    }


def render_html(report: Report, links: Links) -> str:
    template = _env().get_template("report.html.j2")
    return str(template.render(r=report, charts=chart_svgs(report), links=links))


def render_runs(dag_id: str, runs: list[dict[str, Any]], quality_href: Callable[[str], str]) -> str:
    """The DAG-level page: one row per run with its quality verdict and a link to its quality page."""
    return str(_env().get_template("runs.html.j2").render(dag_id=dag_id, runs=runs, href=quality_href))


def render_task(run: RunPaths | None, report: Report | None, task_id: str, map_index: int | None, quality_href: str,
                links: Links | None = None) -> str:
    """The task-level summary: for a gate, which expectations failed and on how many rows; else the step's counts."""
    from newsflow.report.model import gate_headline, load_gates
    from newsflow.steplist import GATES

    gate_name = task_id.rsplit(".", 1)[-1]
    step_name = gate_name
    gate = None
    if run is not None and report is not None and gate_name in GATES:
        gates = report["gates"]
        if map_index is not None and map_index >= 0:
            batch = f"{gate_name}.b{map_index:05d}"
            batch_reports = load_gates(run, only=batch)
            gates = batch_reports or gates
        gate = next((g for g in gates if g["gate"] == gate_name), None)
    step = None
    if report is not None:
        step = next((s for s in report["steps"] if s["step"] == step_name), None)
    return str(_env().get_template("task.html.j2").render(
        r=report, task_id=task_id, map_index=map_index, gate=gate, step=step, quality_href=quality_href,
        headline=gate_headline(gate) if gate else None, links=links))
