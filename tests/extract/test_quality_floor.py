"""CI gate: newsflow's body-text F1 on the Zyte dev set must not fall below the pinned floors.

Runs ``bench/quality.py --fast`` (newsflow only, one pass, about 3 s). The dev set lives outside the
repository in ``<repo>/../shared/benchmarks/zyte-article-extraction``; without it the test skips.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from paths import REPO, SHARED

DEV_SET = SHARED / "benchmarks" / "zyte-article-extraction"
FLOORS = json.loads((Path(__file__).parent / "quality_floors.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.benchmark_data


def _harness():
    spec = importlib.util.spec_from_file_location("newsflow_bench_quality", REPO / "bench" / "quality.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_dev_set_f1_stays_above_the_pinned_floor():
    if not (DEV_SET / "ground-truth.json").is_file():
        pytest.skip(f"dev set absent: {DEV_SET} not found (it lives in ../shared next to the repo); "
                    "quality floor not checked")
    quality = _harness()
    score = quality.run(DEV_SET, ["newsflow"])["newsflow"]
    summary = score.summary()
    print("\n" + quality.table({"newsflow": score}))
    assert score.pages == 181
    assert score.errors <= FLOORS["max_errors"], summary
    assert score.empty <= FLOORS["max_empty"], summary
    assert score.f1 >= FLOORS["f1"], summary
    assert score.precision >= FLOORS["precision"], summary
    assert score.recall >= FLOORS["recall"], summary


def test_metric_matches_the_benchmark_definition():
    quality = _harness()
    assert quality.page_scores("a b c d e", "a b c d e") == (1.0, 1.0)
    assert quality.page_scores("", "a b c") == (None, 0.0)
    assert quality.page_scores("one two", "one two") == (1.0, 1.0)  # four tokens or fewer: one shingle
    p, r = quality.page_scores("a b c d x", "a b c d e f")
    assert p == 0.5 and r == pytest.approx(1 / 3)
