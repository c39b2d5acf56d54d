"""Drift: today's run against the lake's own recent history, as a GX validation (``gate_drift``).

Every other gate judges one run against fixed thresholds; this one compares the run's figures with the
median of the same figures over the last ``drift_history_dates`` published dates strictly before the
run's day (so a rerun of a date sees the same history and reaches the same verdicts):

| rule | figure, per date | compared as |
|---|---|---|
| ``volume`` | articles published | ratio to the trailing median |
| ``source_volume`` | articles per source | ratio |
| ``source_median_words`` | median word count per source | ratio |
| ``quarantine_rate`` | share of records quarantined for anything but duplication | difference (share points) |
| ``reason_rate`` | share of records quarantined per reason code (``dedup.*`` aside) | difference |
| ``duplicate_rate`` | share of records quarantined only as duplicates | difference |
| ``missing_published_at``, ``missing_authors``, ``missing_title`` | share of articles without it | difference |
| ``language_share`` | share of articles per language | difference |
| ``source_missing_title``, ``_authors``, ``_published_at`` | per source: share of its articles without it | difference|
| ``source_new_templates`` | per source: share of its pages on a fingerprint its history dates never had | difference |

The per-source rules (with ``source_median_words``) are the **canary per publisher**: a publisher that changes
its templates shows as new fingerprints, and a generic extractor that degrades on them as titles, authors,
dates or body length lost on that source alone; each is judged against the source's own history. A date's
``source_new_templates`` is measured against the dates before it (``add_template_figures``), so the trailing
median is the source's normal template churn.

Each rule's warn and fail bounds live in ``Settings.drift_rules`` (one place); each (rule, severity) with
bounds is one GX expectation over the rows of that rule, so the evidence (results JSON, Data Docs) is
GX's like the other gates'. ``warn``: reported, logged, alerted, the run publishes; ``fail``: the run
publishes nothing. With fewer than ``drift_min_history`` dates of history every verdict is "not enough
history" and nothing fails.

History is read through the table layer (``lake/tables.py``, filtered on the dates) and the publish
markers (which dates are complete); today's figures come from the run's staged files.
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from newsflow import runrecords, storage
from newsflow.gates.policy import is_broken
from newsflow.gates.runner import Check
from newsflow.lake.layout import Lake, RunPaths
from newsflow.settings import Settings

if TYPE_CHECKING:
    from newsflow.steps.context import RunContext

LOGGER = logging.getLogger(__name__)

GATE = "gate_drift"
RATIO, DIFFERENCE = "ratio", "difference"
SEVERITIES = ("warn", "fail")
OK, WARN, FAIL, NO_HISTORY = "ok", "warn", "fail", "not_enough_history"
NOT_JUDGED = "not_judged"  # a figure without history enough (or too small a source): its ``why_not`` says which
_ORDER = {FAIL: 0, WARN: 1, OK: 2, NOT_JUDGED: 3}

# rule -> (how today is compared with the trailing median, what the figure is, per-source or scoped by what)
DRIFT_FIGURES: dict[str, tuple[str, str]] = {
    "volume": (RATIO, "articles published"),
    "source_volume": (RATIO, "articles from the source"),
    "source_median_words": (RATIO, "median word count of the source's articles"),
    "quarantine_rate": (DIFFERENCE, "share of records quarantined (duplicates aside)"),
    "reason_rate": (DIFFERENCE, "share of records quarantined with this reason"),
    "duplicate_rate": (DIFFERENCE, "share of records quarantined as duplicates"),
    "missing_published_at": (DIFFERENCE, "share of articles without published_at"),
    "missing_authors": (DIFFERENCE, "share of articles without authors"),
    "missing_title": (DIFFERENCE, "share of articles without a title"),
    "language_share": (DIFFERENCE, "share of articles in this language"),
    "source_missing_title": (DIFFERENCE, "share of the source's articles without a title"),
    "source_missing_authors": (DIFFERENCE, "share of the source's articles without authors"),
    "source_missing_published_at": (DIFFERENCE, "share of the source's articles without published_at"),
    "source_new_templates": (DIFFERENCE, "share of the source's pages on a template its history never showed"),
}
# the canary per publisher: the per-source figures of extraction health (the health page's table)
CANARY_RULES = ("source_new_templates", "source_missing_title", "source_missing_authors",
                "source_missing_published_at", "source_median_words")
SAMPLES = 2  # sample pages kept per source for a canary verdict
# Figures absent on a date count as 0 there (a source that sent nothing, a reason nobody hit); a median
# of no articles is unknown instead, and that date does not count towards the source's history.
# A source's shares are unknown on a date it sent nothing, like its median.
_ABSENT_IS_ZERO = set(DRIFT_FIGURES) - set(CANARY_RULES)
ARTICLE_COLUMNS = ["source", "word_count", "published_at", "authors", "title", "language"]
TEMPLATE_COLUMNS = ["source", "template_fingerprint", "url", "source_path"]
QUARANTINE_COLUMNS = ["reason_codes"]


def key(rule: str, scope: str | None = None) -> str:
    return rule if scope is None else f"{rule}:{scope}"


def split_key(name: str) -> tuple[str, str | None]:
    rule, _, scope = name.partition(":")
    return rule, scope or None


# -- figures of one date --------------------------------------------------------------------------------------

def figures(articles: Any, reason_codes: list[list[str]]) -> dict[str, float]:
    """One date's figures, from its articles (an Arrow table of ``ARTICLE_COLUMNS``) and its quarantined
    records' reason codes. Counted in Arrow: a date's articles never become Python rows (a 100k-article date
    as dicts was ~80 MB, and the history reads a fortnight of dates).

    Keys are ``rule`` or ``rule:scope`` (a source, a language, a reason code); scopes in order of first
    appearance."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out: dict[str, float] = {}
    n_articles = articles.num_rows
    records = n_articles + len(reason_codes)
    out["volume"] = float(n_articles)

    def labelled(column: str, missing: str) -> Any:  # null and "" read as ``missing``
        values = articles.column(column)
        return pc.if_else(pc.fill_null(pc.equal(values, ""), True), pa.scalar(missing), values)

    sources = labelled("source", "(unknown)")
    for row in pc.value_counts(sources).to_pylist():
        out[key("source_volume", row["values"])] = float(row["counts"])
    counted = pc.is_valid(articles.column("word_count"))
    words = pa.table({"source": sources, "words": articles.column("word_count").cast(pa.int64())}).filter(counted)
    for source in pc.unique(words.column("source")).to_pylist():
        values = words.filter(pc.equal(words.column("source"), source)).column("words").to_pylist()
        out[key("source_median_words", source)] = float(statistics.median(values))
    if n_articles:
        no_authors = pc.equal(pc.fill_null(pc.list_value_length(articles.column("authors")), 0), 0)
        no_title = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(articles.column("title")), ""), True)
        no_date = pc.is_null(articles.column("published_at"))
        out["missing_published_at"] = articles.column("published_at").null_count / n_articles
        out["missing_authors"] = pc.sum(no_authors).as_py() / n_articles
        out["missing_title"] = (pc.sum(no_title).as_py() or 0) / n_articles
        missing = pa.table({"source": sources, "title": no_title.cast(pa.int64()),
                            "authors": no_authors.cast(pa.int64()), "published_at": no_date.cast(pa.int64())})
        for row in missing.group_by("source").aggregate([(c, "mean") for c in ("title", "authors",
                                                                                "published_at")]).to_pylist():
            for column in ("title", "authors", "published_at"):
                out[key(f"source_missing_{column}", row["source"])] = float(row[f"{column}_mean"])
    else:
        out.update(missing_published_at=0.0, missing_authors=0.0, missing_title=0.0)
    for row in pc.value_counts(labelled("language", "(none)")).to_pylist():
        out[key("language_share", row["values"])] = row["counts"] / n_articles
    broken = duplicates = 0
    reasons: Counter[str] = Counter()
    for codes in reason_codes:
        codes = list(codes or [])
        if is_broken(codes):
            broken += 1
        else:
            duplicates += 1
        reasons.update({code for code in codes if is_broken([code])})
    out["quarantine_rate"] = broken / records if records else 0.0
    out["duplicate_rate"] = duplicates / records if records else 0.0
    for code, n in reasons.items():
        out[key("reason_rate", code)] = n / records
    return out


def staged_figures(run: RunPaths) -> dict[str, float]:
    """The run's figures from its staged output (``RunPaths``): what it is about to publish."""
    articles = storage.read_table(run.staged_file("articles"), ARTICLE_COLUMNS)
    codes = storage.read_table(run.staged_file("quarantine"), QUARANTINE_COLUMNS).column("reason_codes").to_pylist()
    return figures(articles, codes)


def staged_canary(run: RunPaths, lake: Lake, days: list[date]) -> tuple[dict[str, float], dict[str, list[str]]]:
    """The run's figures with its ``source_new_templates`` against ``days`` (its history), and sample pages per
    source (``template_samples``)."""
    today = staged_figures(run)
    pages = storage.read_table(run.staged_file("articles"), TEMPLATE_COLUMNS)
    prior = list(_read_templates(lake, days).values())
    if days:
        today.update(new_template_shares(template_counts(pages), prior))
    return today, template_samples(pages, prior)


# -- template fingerprints: a source's pages against its own history ------------------------------------------

SourceTemplates = dict[str, Counter[str]]  # source -> fingerprint -> pages


def template_counts(articles: Any) -> SourceTemplates:
    """Pages per (source, template fingerprint) of one date's articles (pages without one are left out)."""
    out: SourceTemplates = {}
    table = articles.select(["source", "template_fingerprint"])
    for row in table.group_by(["source", "template_fingerprint"]).aggregate([("source", "count")]).to_pylist():
        if row["template_fingerprint"]:
            out.setdefault(row["source"] or "(unknown)", Counter())[row["template_fingerprint"]] += row["source_count"]
    return out


def new_template_shares(today: SourceTemplates, prior: list[SourceTemplates]) -> dict[str, float]:
    """Per source with history: the share of today's fingerprinted pages whose fingerprint none of the
    source's pages had on the ``prior`` dates. A source new to the window has no figure (everything is new)."""
    out = {}
    for source, counts in today.items():
        seen: set[str] = set()
        for day in prior:
            seen.update(day.get(source, ()))
        if seen:
            new = sum(n for fingerprint, n in counts.items() if fingerprint not in seen)
            out[key("source_new_templates", source)] = new / sum(counts.values())
    return out


def _read_templates(lake: Lake, days: list[date]) -> dict[date, SourceTemplates]:
    """Each date's template counts, from ``articles`` (two columns a date; a lake written before the column
    has none)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from newsflow.lake import tables

    table = tables.open_table(lake.table("articles"))
    out: dict[date, SourceTemplates] = {day: {} for day in days}
    if table is None or "template_fingerprint" not in table.schema().to_arrow().names or not days:
        return out
    rows = tables.read(table=table, columns=["source", "template_fingerprint", "date"],
                       filter=pc.field("date").isin(pa.array(days, pa.date32())))
    for day in days:
        out[day] = template_counts(rows.filter(pc.equal(rows.column("date"), pa.scalar(day, pa.date32()))))
    return out


def add_template_figures(lake: Lake, by_day: dict[date, dict[str, float]], settings: Settings) -> None:
    """Give each date of ``by_day`` its ``source_new_templates`` figures, each against the
    ``drift_history_dates`` published dates before it (dates with fewer than ``drift_min_history`` before
    them get none)."""
    published = lake.published_days()
    window = settings.drift_history_dates
    priors = {day: [d for d in published if d < day][-window:] for day in by_day}
    needed = sorted(set(by_day) | {d for days in priors.values() for d in days})
    counts = _read_templates(lake, needed)
    for day, figures_ in by_day.items():
        if len(priors[day]) >= settings.drift_min_history:
            figures_.update(new_template_shares(counts[day], [counts[d] for d in priors[day]]))


def template_samples(articles: Any, prior: list[SourceTemplates], per_source: int = SAMPLES) -> dict[str, list[str]]:
    """Up to ``per_source`` pages per source (URL, else landing path; in landing-path order): pages on a
    template new to the source when it has some, else its first pages."""
    seen: dict[str, set[str]] = {}
    for day in prior:
        for source, counts in day.items():
            seen.setdefault(source, set()).update(counts)
    new: dict[str, list[str]] = {}
    first: dict[str, list[str]] = {}
    rows = articles.select(TEMPLATE_COLUMNS).sort_by([("source_path", "ascending")]).to_pylist()
    for row in rows:
        source, page = row["source"] or "(unknown)", row["url"] or row["source_path"]
        if len(first.setdefault(source, [])) < per_source:
            first[source].append(page)
        fingerprint = row["template_fingerprint"]
        is_new = bool(fingerprint) and source in seen and fingerprint not in seen[source]
        if is_new and len(new.setdefault(source, [])) < per_source:
            new[source].append(page)
    return {source: new.get(source) or pages for source, pages in first.items()}


def history_days(lake: Lake, day: date, window: int) -> list[date]:
    """The last ``window`` published dates strictly before ``day`` (a date is published once its marker is)."""
    return [d for d in lake.published_days() if d < day][-window:] if window > 0 else []


def history(lake: Lake, days: list[date]) -> dict[date, dict[str, float]]:
    """Each date's figures, read from the ``articles`` and ``quarantine`` tables a date at a time (memory: one
    date's columns)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from newsflow.columns import table_schema
    from newsflow.lake import tables

    articles, quarantine = tables.open_table(lake.table("articles")), tables.open_table(lake.table("quarantine"))
    empty = table_schema("articles").empty_table().select(ARTICLE_COLUMNS)
    out = {}
    for day in days:
        where = pc.field("date") == pa.scalar(day, pa.date32())
        arts = tables.read(table=articles, columns=ARTICLE_COLUMNS, filter=where) if articles is not None else None
        quar = (tables.read(table=quarantine, columns=QUARANTINE_COLUMNS, filter=where)
                if quarantine is not None else None)
        out[day] = figures(arts if arts is not None else empty,
                           quar.column("reason_codes").to_pylist() if quar is not None else [])
    return out


# -- judging ------------------------------------------------------------------------------------------------------

def _bounds(rule: str, settings: Settings) -> dict[str, tuple[float | None, float | None]]:
    spec = settings.drift_rules.get(rule) or {}
    out = {}
    for severity in SEVERITIES:
        pair = spec.get(severity)
        if pair and any(v is not None for v in pair):
            low, high = pair
            out[severity] = (None if low is None else float(low), None if high is None else float(high))
    return out


def _absolute(how: str, baseline: float, bounds: tuple[float | None, float | None]) -> list[float | None]:
    """A rule's bounds in the figure's own unit, around this baseline (what the health page draws)."""
    out: list[float | None] = []
    for bound in bounds:
        if bound is None:
            out.append(None)
        elif how == RATIO:
            out.append(round(baseline * bound, 4))
        else:
            out.append(round(min(1.0, max(0.0, baseline + bound)), 4))
    return out


def compare(today: dict[str, float], past: dict[date, dict[str, float]], settings: Settings) -> list[dict[str, Any]]:
    """One row per figure of today or of the history: value, trailing median, the comparison, and whether
    there is history enough to judge it (``judged``). No verdict yet: GX gives it (``verdicts``)."""
    days = sorted(past)
    enough = len(days) >= settings.drift_min_history
    names = sorted(set(today) | {name for figs in past.values() for name in figs})
    rows = []
    for name in names:
        rule, scope = split_key(name)
        if rule not in DRIFT_FIGURES or rule not in settings.drift_rules:
            continue
        how, what = DRIFT_FIGURES[rule]
        zero = rule in _ABSENT_IS_ZERO
        series = [past[d].get(name, 0.0 if zero else None) for d in days]
        known = [v for v in series if v is not None]
        value = today.get(name, 0.0 if zero else None)
        baseline = statistics.median(known) if known else None
        why = None
        if not enough:
            why = f"not enough history ({len(days)} of {settings.drift_min_history} dates needed)"
        elif value is None:
            why = "no articles today"
        elif len(known) < settings.drift_min_history:
            why = f"not enough history ({len(known)} dates with this figure)"
        elif rule.startswith("source_"):
            volume = key("source_volume", scope)
            history_volume = statistics.median([past[d].get(volume, 0.0) for d in days])
            if history_volume < settings.drift_min_source_articles:
                why = f"source too small to judge (median {history_volume:g} articles a date)"
            elif rule in CANARY_RULES and today.get(volume, 0.0) < settings.drift_min_source_articles:
                why = f"too few articles today ({today.get(volume, 0.0):g})"
        if why is None and how == RATIO and not baseline:
            why = "trailing median is 0"
        ratio = value / baseline if value is not None and baseline else None
        difference = value - baseline if value is not None and baseline is not None else None
        bounds = _bounds(rule, settings)
        rows.append({
            "key": name, "rule": rule, "scope": scope, "compare": how, "what": what,
            "value": value, "baseline": baseline, "history_dates": len(known),
            "ratio": None if ratio is None else round(ratio, 4),
            "difference": None if difference is None else round(difference, 4),
            "judged": why is None, "why_not": why,
            "bounds": {s: list(b) for s, b in bounds.items()},
            "thresholds": {s: _absolute(how, baseline, b) for s, b in bounds.items()} if baseline is not None else {},
        })
    return rows


def checks(settings: Settings) -> list[Check]:
    """One GX expectation per (rule, severity) with bounds, over that rule's judged rows."""
    out = []
    for rule, (how, what) in DRIFT_FIGURES.items():
        for severity, (low, high) in _bounds(rule, settings).items():
            shown = "×" if how == RATIO else " share points"
            detail = (f"{severity}: {what}: {how} to the trailing median outside "
                      f"{'-∞' if low is None else f'{low:g}'}..{'∞' if high is None else f'{high:g}'}{shown}")
            out.append(Check("ExpectColumnValuesToBeBetween", {"column": how, "min_value": low, "max_value": high},
                             rule, severity, detail=detail, where=("check", rule)))
    return out


def frame(rows: list[dict[str, Any]]) -> Any:
    """What GX sees: one row per figure; ``check`` names the rule for judged rows only."""
    import pandas as pd

    return pd.DataFrame({
        "key": [r["key"] for r in rows],
        "check": [r["rule"] if r["judged"] else "" for r in rows],
        "value": [r["value"] for r in rows],
        "baseline": [r["baseline"] for r in rows],
        "ratio": [float("nan") if r["ratio"] is None else r["ratio"] for r in rows],
        "difference": [float("nan") if r["difference"] is None else r["difference"] for r in rows],
    })


def _fmt(how: str, rule: str, value: float | None) -> str:
    if value is None:
        return "–"
    if how == DIFFERENCE:
        return f"{100 * value:.1f} %"
    return f"{value:,.0f} " + ("words" if rule == "source_median_words" else "articles")


def message(row: dict[str, Any]) -> str:
    """One line a person reads: the figure, today vs the trailing median, and the bound it crossed."""
    how, rule = row["compare"], row["rule"]
    name = row["rule"] + (f"[{row['scope']}]" if row["scope"] else "")
    if not row["judged"]:
        return f"{name}: {_fmt(how, rule, row['value'])}, {row['why_not']}"
    change = (f"×{row['ratio']:.2f}" if how == RATIO
              else f"{100 * row['difference']:+.1f} points")
    text = (f"{name}: {_fmt(how, rule, row['value'])} vs trailing median {_fmt(how, rule, row['baseline'])} "
            f"over {row['history_dates']} dates ({change})")
    crossed = row.get("crossed")
    if crossed:
        low, high = row["bounds"][crossed]
        unit = "×" if how == RATIO else ""
        def scale(v: float) -> str:
            return f"{v:g}" if how == RATIO else f"{100 * v:+g} points"
        measured = row["ratio"] if how == RATIO else row["difference"]
        side = f"below {unit}{scale(low)}" if low is not None and measured < low else f"above {unit}{scale(high)}"
        text += f" is {side}: {crossed.upper()}"
    return text


def verdicts(rows: list[dict[str, Any]], report: Any) -> list[dict[str, Any]]:
    """GX's verdicts (``GateReport.row_reasons`` keyed by figure) on the rows: each row gets its severity."""
    for row in rows:
        failed = {e[0] for e in report.row_reasons.get(row["key"], ())}
        severity = FAIL if "fail" in failed else WARN if "warn" in failed else OK if row["judged"] else NOT_JUDGED
        row["severity"] = severity
        row["crossed"] = severity if severity in (FAIL, WARN) else None
        row["message"] = message(row)
    return sorted(rows, key=lambda r: (_ORDER[r["severity"]], list(DRIFT_FIGURES).index(r["rule"]), r["key"]))


def _levels(report: Any, checks_: list[Check]) -> None:
    """``row_reasons`` carry (code, detail): put the severity first, the form ``verdicts`` reads."""
    severity = {(c.code, c.detail): c.level for c in checks_}
    report.row_reasons = {k: [(severity.get((code, detail), "warn"), code) for code, detail in reasons]
                          for k, reasons in report.row_reasons.items()}


# -- the step -----------------------------------------------------------------------------------------------------

def check_drift(ctx: RunContext) -> dict[str, Any]:
    """Judge the run's staged output against the lake's history; keep the evidence; returns the drift
    section (``status``, ``failures``: fail-severity messages, ``warnings``: warn-severity ones)."""
    from newsflow.gates.runner import validate

    settings = ctx.settings
    days = history_days(ctx.lake, ctx.day, settings.drift_history_dates)
    past = history(ctx.lake, days)
    add_template_figures(ctx.lake, past, settings)
    today, samples = staged_canary(ctx.run, ctx.lake, days)
    rows = compare(today, past, settings)
    for row in rows:  # a canary verdict names pages to look at
        if row["rule"] in CANARY_RULES and row["scope"]:
            row["samples"] = samples.get(row["scope"], [])
    enough = len(days) >= settings.drift_min_history
    results = docs = None
    if enough:
        checks_ = checks(settings)
        report = validate(ctx.run, GATE, frame(rows), checks_, id_column="key")
        results, docs = report.results_path, report.docs_path
        _levels(report, checks_)
    else:
        from newsflow.gates.runner import GateReport

        report = GateReport(GATE, len(rows))
    rows = verdicts(rows, report)
    # an expectation that raised is a broken gate, not a verdict on the data: it fails like one
    failures = [r["message"] for r in rows if r["severity"] == FAIL] + list(report.batch_failures)
    warnings = [r["message"] for r in rows if r["severity"] == WARN]
    if failures and not settings.drift_enforce:  # reported, not enforced: the run publishes
        warnings = [f"{text} (not enforced: drift_enforce is off)" for text in failures] + warnings
        failures = []
    status = FAIL if failures else WARN if warnings else OK if enough else NO_HISTORY
    section = {
        "status": status, "enforced": settings.drift_enforce,
        "window": settings.drift_history_dates, "min_history": settings.drift_min_history,
        "history": [d.isoformat() for d in days], "failures": failures, "warnings": warnings,
        "verdicts": rows, "results_path": results, "docs_path": docs,
    }
    runrecords.write(ctx.run.drift_report, section)
    if enough:  # the gate's own entry in the run report, with its Data Docs
        entry = report.as_dict() | {"gate": GATE, "batch": None, "records": len(rows), "success": not failures,
                                    "batch_failures": ["drift." + f for f in failures],
                                    "warnings": warnings}
        runrecords.write(ctx.run.gate_report(GATE), entry)
    if status == NO_HISTORY:
        LOGGER.info("drift: not enough history (%d of %d published dates before %s)", len(days),
                    settings.drift_min_history, ctx.day)
    for text in warnings:
        LOGGER.warning("drift WARN %s", text)
    for text in failures:
        LOGGER.error("drift FAIL %s", text)
    return section
