"""Calibrate the drift gate's bounds (``Settings.drift_rules``) on real-shaped corpora.

Publishes ``--dates`` consecutive dates into one lake with the whole pipeline (``run_all``), each date a
fresh landing folder of pages made like ``bench/corpus.py`` makes them (real dev-set pages, their text
rewritten from their own words, a share of bad files and plain-text stories), from a fixed set of
``--sources`` publishers so each has tens of articles a date, as a feed does. Volume follows a week:
weekdays ``--pages``, Saturdays and Sundays 65 % of it, each date ±10 % at random (news volume is not
measured here: that shape is an assumption, stated in docs/drift.md).

Every date from the ``--window``+1-th on is then compared with the ``--window`` dates before it
(``gates/drift.compare``, what the gate does) and the spread of each rule's ratio or difference over
those normal dates is printed, with how many figures the default bounds would have warned or failed on.
Deterministic for given arguments. The drift gate runs in every date's pipeline too, warn-only here (a
normal date must not be refused while calibrating).

    python bench/drift_calibrate.py --dates 28 --pages 600 --out /tmp/drift-calibration

Anomalies judged on the next date: volume_drop, layout_change, template_change (the canary per publisher).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus

START = date(2025, 1, 6)  # a Monday


def _shrink(html: str, keep: int = 60) -> str:
    """A layout change the extractor half-survives: every longer text node cut to its first ``keep``
    characters, a teaser instead of a paragraph (scripts and styles, JSON-LD included, left alone)."""
    pieces = corpus._CODE_RE.split(html)
    out, index = [], 0
    while index < len(pieces):
        if index % 3 == 1:  # a script/style block, then its tag name
            out.append(pieces[index])
            index += 2
            continue
        out.append(corpus._TEXT_RE.sub(lambda m: ">" + m.group(1)[:keep] + "<", pieces[index]))
        index += 1
    return "".join(out)


_CLASS_RE = re.compile(r'(<[a-zA-Z][^>]*?\sclass=")([^"]*)(")')
_BODY_RE = re.compile(r"(<body[^>]*>)(.*)(</body>)", re.S | re.I)


def _redesign(html: str) -> str:
    """A template change the extractor survives: the same text in a new skeleton (every class renamed, the
    body wrapped in a new shell), as when a publisher moves to a new CMS theme."""
    html = _CLASS_RE.sub(lambda m: m.group(1) + " ".join(f"v2-{c}" for c in m.group(2).split()) + m.group(3), html)
    return _BODY_RE.sub(lambda m: m.group(1) + '<div class="v2-shell"><div class="v2-main">' + m.group(2)
                        + "</div></div>" + m.group(3), html, count=1)


def build_day(landing: Path, day: date, templates: list, seeds: list[str], n: int, rng: random.Random,
              bad_share: float = 0.03, text_share: float = 0.1, shrunk: int | None = None,
              redesigned: int | None = None) -> None:
    """``n`` files named after the date (a landing path belongs to the first date that claims it);
    ``shrunk``: the index of the template whose pages lose most of their text (``_shrink``); ``redesigned``:
    the index of the template whose pages move to a new skeleton (``_redesign``)."""
    landing.mkdir(parents=True, exist_ok=True)
    for index in range(n):
        roll = rng.random()
        if roll < bad_share:
            name, data = f"{day}-bad-{index:05d}.txt", b"Too short to publish."
        elif roll < bad_share + text_share:
            name, data = f"{day}-story-{index:05d}.txt", corpus._seed_like(rng, seeds).encode("utf-8")
        else:
            pick = rng.randrange(len(templates))
            html, words = templates[pick]
            page = corpus._variant(rng, html, words)
            page = _shrink(page) if pick == shrunk else _redesign(page) if pick == redesigned else page
            data = page.encode("utf-8")
            name = f"{day}-page-{index:05d}.html"
            if rng.random() < 0.2:
                name, data = name + ".gz", gzip.compress(data, mtime=0)
        (landing / name).write_bytes(data)


def _spread(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {}
    pick = lambda q: values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]  # noqa: E731
    return {"n": len(values), "min": values[0], "p05": pick(0.05), "median": statistics.median(values),
            "p95": pick(0.95), "max": values[-1]}


def main() -> int:
    from newsflow.gates import GateFailed, drift
    from newsflow.lake.layout import Lake
    from newsflow.pipeline import RunContext, run_all
    from newsflow.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dates", type=int, default=28)
    parser.add_argument("--pages", type=int, default=600, help="pages on a weekday")
    parser.add_argument("--sources", type=int, default=15, help="publishers (dev-set pages) the pages come from")
    parser.add_argument("--window", type=int, default=14)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    templates = corpus._templates()
    picked = rng.sample(templates, args.sources)
    seeds = [p.read_text(encoding="utf-8") for p in sorted((corpus.REPO / "seeds").glob("*.txt"))]
    lake = args.out / "lake"
    defaults = Settings()
    warn_only = {rule: {"warn": spec.get("warn"), "fail": None} for rule, spec in defaults.drift_rules.items()}
    days = [START + timedelta(days=i) for i in range(args.dates)]
    # the drift check's cost against the whole gate_output step it runs in (same runs)
    import newsflow.gates.drift as drift_module
    import newsflow.pipeline as pipeline

    timings: dict[str, list[float]] = {"check_drift": [], "gate_output": []}

    def timed(name, function):
        def wrapper(*a, **k):
            began = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                timings[name].append(time.perf_counter() - began)
        return wrapper

    drift_module.check_drift = timed("check_drift", drift_module.check_drift)
    pipeline.gate_output = timed("gate_output", pipeline.gate_output)
    started = time.perf_counter()
    done = set(Lake(lake).published_days())  # a second call on the same --out reuses the dates
    for day in days:
        if day in done:
            continue
        weekend = day.weekday() >= 5
        n = round(args.pages * (0.65 if weekend else 1.0) * rng.uniform(0.9, 1.1))
        landing = args.out / "landing" / day.isoformat() / "wire"  # "wire": the plain-text stories' source
        if not landing.exists():
            build_day(landing, day, picked, seeds, n, random.Random(f"{args.seed}/{day}"))
        ctx = RunContext.create(str(landing), str(lake), day, f"calibrate__{day}",
                                {"drift_rules": warn_only, "drift_history_dates": args.window})
        summary = run_all(ctx)
        section = json.loads(ctx.run.drift_report.read_text())
        print(f"{day} {day.strftime('%a')}: {n} pages, {summary['articles']} articles, drift {section['status']}"
              f" ({len(section['warnings'])} warnings)", flush=True)
    elapsed = time.perf_counter() - started

    lake_ = Lake(lake)
    figures = drift.history(lake_, days)
    settings = defaults.override({"drift_history_dates": args.window})
    drift.add_template_figures(lake_, figures, settings)  # each date's new-template shares against its own past
    by_rule: dict[str, list[float]] = {}
    crossed: dict[str, dict[str, int]] = {}
    judged_days = days[args.window:]
    for i, day in enumerate(judged_days, start=args.window):
        rows = drift.compare(figures[day], {d: figures[d] for d in days[i - args.window:i]}, settings)
        for row in rows:
            if not row["judged"]:
                continue
            value = row["ratio"] if row["compare"] == drift.RATIO else row["difference"]
            by_rule.setdefault(row["rule"], []).append(value)
            for severity, (low, high) in row["bounds"].items():
                if (low is not None and value < low) or (high is not None and value > high):
                    crossed.setdefault(row["rule"], {}).setdefault(severity, 0)
                    crossed[row["rule"]][severity] += 1
    result = {"dates": len(days), "judged_dates": len(judged_days), "pages_weekday": args.pages,
              "sources": args.sources, "window": args.window, "seconds": round(elapsed, 1),
              "spread": {rule: _spread(values) for rule, values in sorted(by_rule.items())},
              "crossed_with_defaults": crossed, "defaults": defaults.drift_rules,
              "seconds_median": {k: round(statistics.median(v[args.window:] or v), 3) for k, v in timings.items() if v}}

    # Anomalies on the next date, judged with the default bounds (enforced) against the same history (the
    # dates strictly before it: an anomaly that publishes, with warnings, does not move the next one's).
    anomalies = {}
    next_day = days[-1] + timedelta(days=1)
    for kind, n, shrunk, redesigned in (("volume_drop", round(args.pages * 0.15), None, None),
                                        ("layout_change", args.pages, 0, None),
                                        ("template_change", args.pages, None, 0)):
        landing = args.out / "anomalies" / kind / "wire"
        if not landing.exists():
            build_day(landing, next_day, picked, seeds, n, random.Random(f"{args.seed}/{kind}"), shrunk=shrunk,
                      redesigned=redesigned)
        ctx = RunContext.create(str(landing), str(lake), next_day, f"anomaly__{kind}")
        try:
            run_all(ctx)
            outcome = "published"
        except GateFailed as exc:
            outcome = f"{exc.gate} failed"
        section = json.loads(ctx.run.drift_report.read_text())
        anomalies[kind] = {"outcome": outcome, "status": section["status"], "failures": section["failures"],
                           "warnings": section["warnings"]}
    result["anomalies"] = anomalies
    (args.out / "calibration.json").write_text(json.dumps(result, indent=1, sort_keys=True))
    for kind, found in anomalies.items():
        print(f"anomaly {kind}: {found['outcome']}, drift {found['status']}")
        for line in found["failures"]:
            print(f"  FAIL {line}")
        for line in found["warnings"]:
            print(f"  warn {line}")
    cost = result["seconds_median"]
    if "check_drift" in cost:  # dates run by this call
        print(f"\ncheck_drift {cost['check_drift']:.2f} s of gate_output's {cost['gate_output']:.2f} s (median over "
              f"the judged dates; ratio {cost['check_drift'] / cost['gate_output']:.2f})")
    print(f"{len(judged_days)} normal dates judged against the {args.window} before each ({elapsed:.0f} s):")
    print(f"{'rule':28} {'compared as':11} {'n':>5} {'min':>8} {'p05':>8} {'median':>8} {'p95':>8} {'max':>8}  "
          f"default warn / fail; figures crossing them")
    for rule, spread in result["spread"].items():
        how = drift.DRIFT_FIGURES[rule][0]
        spec = defaults.drift_rules[rule]
        hits = crossed.get(rule, {})
        print(f"{rule:28} {how:11} {spread['n']:>5} " + " ".join(f"{spread[k]:>8.3f}" for k in
                                                             ("min", "p05", "median", "p95", "max"))
              + f"  {spec.get('warn')} / {spec.get('fail')}; warn {hits.get('warn', 0)}, fail {hits.get('fail', 0)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
