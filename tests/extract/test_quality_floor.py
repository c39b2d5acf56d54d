"""CI gate: newsflow's scores on every dev set must not fall below the floors pinned per set.

Runs ``bench/quality.py``'s scorer for newsflow alone (one pass per set, about 20 s for all four). The dev
sets live outside the repository in ``<repo>/../shared/benchmarks/``; a set that is absent skips its test
with a message. Floors (``quality_floors.json``): a key ``max_<metric>`` caps the metric, any other key
is a lower bound on the metric of that name in the set's summary.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from paths import REPO, SHARED

BENCHMARKS = SHARED / "benchmarks"
FLOORS = json.loads((Path(__file__).parent / "quality_floors.json").read_text(encoding="utf-8"))
DEV_SETS = sorted(name for name in FLOORS if not name.startswith("_"))

pytestmark = pytest.mark.benchmark_data


def _harness():
    spec = importlib.util.spec_from_file_location("newsflow_bench_quality", REPO / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("dev_set", DEV_SETS)
def test_dev_set_scores_stay_above_the_pinned_floors(dev_set):
    quality = _harness()
    if not quality.available(BENCHMARKS, dev_set):
        pytest.skip(f"dev set absent: {BENCHMARKS / quality.SETS[dev_set].folder} not found (it lives in "
                    "../shared next to the repo); quality floors not checked")
    score = quality.run_set(BENCHMARKS, dev_set, ["newsflow"])["newsflow"]
    summary = score.summary()
    print("\n" + quality.table({"newsflow": score}))
    floors = FLOORS[dev_set]
    assert score.pages == floors["pages"], summary
    failed = []
    for key, bound in floors.items():
        if key == "pages":
            continue
        if key.startswith("max_"):
            if summary[key[4:]] > bound:
                failed.append(f"{key[4:]} {summary[key[4:]]} > {bound}")
        elif summary[key] < bound:
            failed.append(f"{key} {summary[key]} < {bound}")
    assert not failed, f"{dev_set}: {'; '.join(failed)} ({summary})"


def test_floors_name_known_sets_and_metrics():
    quality = _harness()
    assert set(DEV_SETS) == set(quality.SETS)
    for dev_set in DEV_SETS:
        metrics = set(quality._COLUMNS[quality.SETS[dev_set].kind]) | {"pages", "false_author_share"}
        for key in FLOORS[dev_set]:
            assert key.removeprefix("max_") in metrics, (dev_set, key)


def test_body_metric_matches_the_benchmark_definition():
    quality = _harness()
    assert quality.page_scores("a b c d e", "a b c d e") == (1.0, 1.0)
    assert quality.page_scores("", "a b c") == (None, 0.0)
    assert quality.page_scores("one two", "one two") == (1.0, 1.0)  # four tokens or fewer: one shingle
    p, r = quality.page_scores("a b c d x", "a b c d e f")
    assert p == 0.5 and r == pytest.approx(1 / 3)


def test_snippet_metric_matches_trafilaturas():
    quality = _harness()
    counts = quality.snippet_counts("The  story\nhere. Menu", {"with": ["The story here.", "missing"],
                                                              "without": ["Menu", "Footer"]})
    assert counts == {"tp": 1, "fn": 1, "fp": 1, "tn": 1}


def test_byline_metric_splits_people_like_the_readme():
    quality = _harness()
    assert quality.byline_names("By Jane Doe and John Roe") == ["jane doe", "john roe"]
    assert quality.byline_names(["Jane Doe", "A & B"]) == ["jane doe", "a", "b"]
    assert quality.names_f1(["jane doe"], ["jane doe", "john roe"]) == pytest.approx(2 / 3)
    assert quality.normalise_title("“Quoted” – Title ") == "quoted - title"


def test_fundus_day_metric_takes_the_golds_local_or_utc_day():
    quality = _harness()
    from datetime import datetime, timedelta, timezone

    gold = "2024-08-26T23:27:57-02:00"  # local day the 26th, UTC day the 27th
    assert quality.fundus_day_ok(datetime(2024, 8, 26, 23, 0), gold)
    assert quality.fundus_day_ok(datetime(2024, 8, 27, 3, 0, tzinfo=timezone(timedelta(hours=2))), gold)
    assert not quality.fundus_day_ok(datetime(2024, 8, 25, 12, 0), gold)
    assert not quality.fundus_day_ok(None, gold)
    assert quality.fundus_day_ok(None, None) is None


def test_fields_summary_scores_only_the_fields_an_extractor_returns():
    quality = _harness()
    rows = [{"country": "de", "title_ok": True, "byline_f1": 0.5, "day_ok": True},
            {"country": "de", "title_ok": False, "byline_f1": None, "day_ok": False}]
    summary = quality.fields_summary(rows)
    assert summary["title"] == 0.5 and summary["byline_f1"] == 0.5 and summary["day"] == 0.5
    assert "body" not in summary
    assert quality.fields_summary([{"country": "at", "day_ok": True}])["title"] is None
