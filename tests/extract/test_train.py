"""The byline ranker's training (bench/train.py): it runs, it is reproducible, the shipped model is what it
produces, and its out-of-sample figures stay above the floors pinned in quality_floors.json."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from paths import REPO, SHARED

from newsflow.extract import bylines

BENCHMARKS = SHARED / "benchmarks"
FLOORS = json.loads((Path(__file__).parent / "quality_floors.json").read_text(encoding="utf-8"))


def _train():
    name = "newsflow_bench_train"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "train.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _synthetic_page(train, names: list[str], person: list[float], labels: list[float], group: str):
    features = np.zeros((len(names), len(bylines.FEATURES)))
    features[:, bylines.FEATURES.index("bias")] = 1.0
    features[:, bylines.FEATURES.index("person_shape")] = person
    gold = [n.lower() for n, y in zip(names, labels, strict=True) if y]
    order = [(0, i) for i in range(len(names))]
    return train.PageCandidates("synthetic", group, group, gold, names, features, np.array(labels), order, [])


def test_fitting_is_deterministic_and_learns_what_separates_the_labels():
    train = _train()
    pages = [_synthetic_page(train, ["Jane Roe", "Menu"], [1.0, 0.0], [1.0, 0.0], f"p{i}") for i in range(20)]
    pages += [_synthetic_page(train, ["Subscribe"], [0.0], [0.0], f"q{i}") for i in range(5)]
    first, second = train.fit(pages), train.fit(pages)
    assert np.array_equal(first, second)
    assert first[bylines.FEATURES.index("person_shape")] > 0
    assert train.choose(pages[0], first) == ["Jane Roe"]
    text = train.model_text(train.as_model(first, pages))
    assert text == train.model_text(train.as_model(second, pages))
    assert json.loads(text)["features"] == list(bylines.FEATURES)


def test_leave_group_out_never_scores_a_page_with_a_model_that_saw_its_group():
    train = _train()
    seen: list[set[str]] = []
    real_fit = train.fit

    def spy(pages, *args, **kwargs):
        seen.append({p.group for p in pages})
        return real_fit(pages, *args, **kwargs)

    pages = [_synthetic_page(train, ["Jane Roe", "Menu"], [1.0, 0.0], [1.0, 0.0], f"p{i % 4}") for i in range(8)]
    for page in pages:
        page.dev_set = "fundus-publishers"
    train.fit = spy
    try:
        answers = train.leave_group_out(pages, "fundus-publishers")
    finally:
        train.fit = real_fit
    assert len(seen) == 4 and all(len(groups) == 3 for groups in seen)
    assert set(answers) == {p.page_id for p in pages}


@pytest.mark.benchmark_data
def test_the_shipped_model_is_what_training_produces():
    train = _train()
    if not all(train._quality().available(BENCHMARKS, s) for s in train.SETS):
        pytest.skip(f"dev sets absent under {BENCHMARKS}: the model cannot be retrained here")
    assert train.main(["--data", str(BENCHMARKS), "--check", "--no-report"]) == 0


@pytest.mark.benchmark_data
def test_out_of_sample_byline_scores_stay_above_the_floors():
    train = _train()
    if not all(train._quality().available(BENCHMARKS, s) for s in train.SETS):
        pytest.skip(f"dev sets absent under {BENCHMARKS}")
    figures = train.report(train.collect(BENCHMARKS), train.shipped_weights())
    print(figures)
    failed = []
    for dev_set, floors in FLOORS["_byline_ranker"].items():
        if dev_set.startswith("_"):
            continue
        for answer, bound in floors.items():
            if answer.startswith("max_"):
                continue
            got = figures[dev_set][answer]
            if got["byline_f1"] < bound:
                failed.append(f"{dev_set} {answer}: {got['byline_f1']} < {bound}")
        invented = floors.get("max_invented_share")
        row = figures[dev_set]["ranker leave-publisher-out"]
        if invented is not None and row["invented"] > invented * max(1, row["no_byline_pages"]):
            failed.append(f"{dev_set}: {row['invented']}/{row['no_byline_pages']} invented authors")
    # the model only ships because it beats the rules out of sample: keep it that way
    for dev_set in train.SETS:
        rows = figures[dev_set]
        if rows["ranker leave-publisher-out"]["byline_f1"] <= rows["rules"]["byline_f1"]:
            failed.append(f"{dev_set}: leave-publisher-out no better than the rules")
    assert not failed, failed
