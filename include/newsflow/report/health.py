"""The lake health page: the drift figures over the last published dates, with the gate's bounds drawn.

One model (``build_health``), one page (``render_health``): written into the lake as
``<lake>/_quality/health.html`` at each publish (links relative, so the lake can move) and served by the
UI plugin (links to its run pages). Built from the lake alone: the figures from the tables through
``gates/drift.py`` (the same figures the gate judges), each date's bounds from the dates before it, each
date's verdicts from the ``drift.json`` its run left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from newsflow import runrecords, storage
from newsflow.gates import drift
from newsflow.lake.layout import Lake
from newsflow.runrecords import ClusterSummary, RunMarker
from newsflow.settings import Settings
from newsflow.storage import StorePath

LOGGER = logging.getLogger(__name__)

# the lake-wide figures drawn one chart each, in this order
TRENDS = ("volume", "quarantine_rate", "duplicate_rate", "missing_published_at", "missing_authors", "missing_title")
TOP_SOURCES = 25
TOP_SCOPES = 8  # languages, reasons: the most frequent, per table


@dataclass
class HealthLinks:
    """Where a date's run report is: a relative file in the lake, or the plugin's run page."""

    report: Callable[[date, str], str | None]  # (date, run_id) -> href
    back: tuple[str, str] | None = None


def lake_links(lake: Lake) -> HealthLinks:
    def report(day: date, run_id: str) -> str | None:
        run = lake.run(day, run_id)
        return run.from_health(run.report_html) if run.report_html.exists() else None

    return HealthLinks(report=report)


def _read_json(path: StorePath) -> Any:
    try:
        return runrecords.read(path)
    except (OSError, ValueError):
        return None


def build_health(lake: Lake, settings: Settings, window: int | None = None) -> dict[str, Any]:
    """The model: per date (the last ``window`` published), each figure with the bounds the gate drew from
    the dates before it, and the verdicts it recorded."""
    window = window or settings.drift_history_dates
    published = lake.published_days()
    shown = published[-window:]
    # each shown date is compared with up to ``window`` dates before it: read them once
    needed = published[max(0, len(published) - len(shown) - settings.drift_history_dates):]
    figures = drift.history(lake, needed)
    drift.add_template_figures(lake, figures, settings)
    canary_warnings: dict[str, dict[date, dict[str, Any]]] = {}  # source -> date -> rules warned, samples
    clusters = _cluster_summaries(lake, shown)
    dates: list[dict[str, Any]] = []
    rows_by_day: dict[date, dict[str, dict[str, Any]]] = {}
    for day in shown:
        before = [d for d in needed if d < day][-settings.drift_history_dates:]
        rows = {r["key"]: r for r in drift.compare(figures[day], {d: figures[d] for d in before}, settings)}
        marker: RunMarker | None = _read_json(lake.run_marker(day))
        run_id = marker["run_id"] if marker else ""
        recorded = _read_json(lake.run(day, run_id).drift_report) if run_id else None
        verdicts = {v["key"]: v["severity"] for v in (recorded or {}).get("verdicts") or []}
        for v in (recorded or {}).get("verdicts") or []:
            if v.get("rule") in drift.CANARY_RULES and v.get("scope") and v.get("severity") in (drift.WARN, drift.FAIL):
                seen = canary_warnings.setdefault(v["scope"], {}).setdefault(day, {"rules": [], "samples": []})
                seen["rules"].append(v["rule"])
                seen["samples"] = seen["samples"] or list(v.get("samples") or [])
        for name, row in rows.items():
            row["severity"] = verdicts.get(name)
        rows_by_day[day] = rows
        dates.append({"date": day.isoformat(), "run_id": run_id, "articles": marker["articles"] if marker else 0,
                      "quarantined": marker["quarantined"] if marker else 0,
                      "drift": (recorded or {}).get("status"),
                      "warnings": len((recorded or {}).get("warnings") or []),
                      "clusters": clusters.get(day)})

    def series(name: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for day in shown:
            row = rows_by_day[day].get(name)
            value = row["value"] if row else (figures[day].get(name) if name in figures[day] else None)
            out.append({"date": day.isoformat(), "value": value,
                        "thresholds": (row or {}).get("thresholds") or {} if row and row["judged"] else {},
                        "severity": (row or {}).get("severity")})
        return out

    trends = [{"key": name, "what": drift.DRIFT_FIGURES[name][1],
               "percent": drift.DRIFT_FIGURES[name][0] == drift.DIFFERENCE,
               "bounds": settings.drift_rules.get(name) or {}, "points": series(name)} for name in TRENDS]
    totals: dict[str, float] = {}
    for day in shown:
        for name, value in figures[day].items():
            if name.startswith("source_volume:"):
                totals[name.split(":", 1)[1]] = totals.get(name.split(":", 1)[1], 0.0) + value
    sources = []
    for source in sorted(totals, key=lambda s: (-totals[s], s))[:TOP_SOURCES]:
        volume = series(drift.key("source_volume", source))
        words = series(drift.key("source_median_words", source))
        last = shown[-1]
        source_rows = [rows_by_day[last].get(drift.key(rule, source))
                       for rule in ("source_volume", "source_median_words")]
        sources.append({"source": source, "articles": volume, "median_words": words,
                        "articles_total": int(totals[source]),
                        "latest": [v for v in source_rows if v is not None]})
    canaries = _canaries(shown, rows_by_day, canary_warnings, [str(s["source"]) for s in sources])
    return {
        "canaries": canaries,
        "lake": storage.display(lake.root), "window": window, "history_dates": settings.drift_history_dates,
        "min_history": settings.drift_min_history, "dates": dates, "trends": trends, "sources": sources,
        "languages": _scoped(shown, figures, "language_share"), "reasons": _scoped(shown, figures, "reason_rate"),
        "rules": settings.drift_rules,
        "latest_clusters": {"date": shown[-1].isoformat(), "summary": clusters[shown[-1]]}
        if shown and clusters.get(shown[-1]) else None,
    }


def _canaries(shown: list[date], rows_by_day: dict[date, dict[str, dict[str, Any]]],
              warned: dict[str, dict[date, dict[str, Any]]], top: list[str]) -> list[dict[str, Any]]:
    """The canary per publisher: per source (those with a canary warning first, then the largest), its canary
    figures on the latest date, and when a change shows: the day it began (the first date of the latest run
    of consecutive shown dates with a canary warning on the source), the rules it tripped and two sample pages
    from that day's verdicts."""
    if not shown:
        return []
    last = rows_by_day[shown[-1]]
    out = []
    for source in sorted(warned, key=lambda s: (-max(warned[s]).toordinal(), s)) + [s for s in top if s not in warned]:
        figures_ = {rule: last.get(drift.key(rule, source)) for rule in drift.CANARY_RULES}
        entry: dict[str, Any] = {"source": source, "figures": figures_, "began": None, "rules": [], "samples": []}
        days = warned.get(source)
        if days:
            latest = max(days)
            began = latest
            for day in reversed([d for d in shown if d < latest]):
                if day not in days:
                    break
                began = day
            entry.update(began=began.isoformat(), last_warned=latest.isoformat(),
                         rules=sorted({r for d in days if d >= began for r in days[d]["rules"]}),
                         samples=days[began]["samples"][:drift.SAMPLES])
        out.append(entry)
    return out


def _cluster_summaries(lake: Lake, days: list[date]) -> dict[date, ClusterSummary]:
    """Each date's story clusters (counts and the largest), from the ``story_clusters`` table: one read."""
    from newsflow.dedup.clusters import read_clusters, summarise

    try:
        return {day: summarise(rows) for day, rows in read_clusters(lake, days).items()}
    except Exception as exc:  # a lake written before the table, or an unreadable one: the page goes on
        LOGGER.warning("cannot read story clusters: %s", exc)
        return {}


def _scoped(shown: list[date], figures: dict[date, Any], rule: str) -> dict[str, Any]:
    """A share per scope (language, reason) per date: the most frequent scopes over the shown dates."""
    prefix = rule + ":"
    totals: dict[str, float] = {}
    for day in shown:
        for name, value in figures[day].items():
            if name.startswith(prefix):
                totals[name[len(prefix):]] = totals.get(name[len(prefix):], 0.0) + value
    scopes = sorted(totals, key=lambda s: (-totals[s], s))[:TOP_SCOPES]
    return {"scopes": scopes, "rows": [{"date": d.isoformat(),
                                        "shares": [figures[d].get(prefix + s, 0.0) for s in scopes]} for d in shown]}


def render_health(model: dict[str, Any], links: HealthLinks) -> str:
    from newsflow.report.render import _env
    from newsflow.report.trends import trend

    charts = {t["key"]: trend(t["points"], title=f"{t['key']}: {t['what']}", percent=t["percent"])
              for t in model["trends"]}
    sparks = {s["source"]: (trend(s["articles"], title=f"{s['source']}: articles", width=220, height=56, labels=False),
                            trend(s["median_words"], title=f"{s['source']}: median words", width=220, height=56,
                                  labels=False))
              for s in model["sources"]}
    hrefs = {d["date"]: links.report(date.fromisoformat(d["date"]), d["run_id"]) if d["run_id"] else None
             for d in model["dates"]}
    return str(_env().get_template("health.html.j2").render(h=model, charts=charts, sparks=sparks, hrefs=hrefs,
                                                       links=links))


def write_health_page(lake: Lake, settings: Settings) -> None:
    """Rewrite ``<lake>/_quality/health.html``; called by ``publish``: a page that cannot be drawn is
    logged, never fails the run (the data is published already)."""
    try:
        storage.write_text_atomic(lake.health_page, render_health(build_health(lake, settings), lake_links(lake)))
    except Exception:
        LOGGER.exception("could not write the lake health page %s", storage.display(lake.health_page))
