"""The per-run report: model from the lake's files, self-contained HTML, written by publish."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import lakes
import pytest

from newsflow import runrecords
from newsflow.lake.layout import Lake
from newsflow.report import build_report, lake_links, load_gates, render_html
from newsflow.report.charts import columns, hbar
from newsflow.report.model import histogram
from newsflow.report.render import render_task
from newsflow.runrecords import Expectation, GateRecord


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Path, dict]:
    lake, summary = lakes.seed_lake(tmp_path_factory.mktemp("published"))
    assert summary is not None
    return lake, summary


@pytest.fixture(scope="module")
def failed(tmp_path_factory) -> Path:
    # Any quarantined share fails gate_normalised: nothing is published.
    lake, summary = lakes.seed_lake(tmp_path_factory.mktemp("failed"), overrides={"max_quarantine_ratio": 0.0})
    assert summary is None
    return lake


def _run(published):
    lake, _ = published
    return Lake(lake).find_run(lakes.RUN_ID)


def test_publish_writes_report_html_and_json(published):
    lake, summary = published
    quality = Path(summary["quality_dir"])
    assert quality == Lake(lake).find_run(lakes.RUN_ID).quality
    report = json.loads((quality / "report.json").read_text())
    assert report["status"] == "published" and report["run_id"] == lakes.RUN_ID and report["date"] == lakes.DAY
    assert report["counts"] == {"ingested": 3, "articles": 2, "quarantined": 1, "skipped_already_processed": 0}
    html = (quality / "report.html").read_text()
    assert "Data quality for 2024-05-01" in html and "<svg" in html


def test_steps_account_for_every_record(published):
    _, _summary = published
    report = build_report(_run(published))
    steps = report["steps"]
    assert steps[0]["in"] == 3 and steps[-1]["step"] == "publish" and steps[-1]["out"] == 2
    for before, after in itertools.pairwise(steps):
        assert after["in"] == before["out"]
    assert sum(s["quarantined"] for s in steps) == 1


def test_reasons_have_counts_and_examples(published):
    _, summary = published
    reasons = {r["code"]: r for r in build_report(_run(published))["quarantine_reasons"]}
    assert reasons.keys() == summary["quarantine_reasons"].keys()
    near = reasons["dedup.near_duplicate"]
    assert near["count"] == 1
    assert near["examples"][0]["source_path"].startswith("001_") and "similar" in near["examples"][0]["detail"]


def test_expectations_per_gate_with_pass_and_fail(published):
    _, _summary = published
    gates = {g["gate"]: g for g in build_report(_run(published))["gates"]}
    assert list(gates) == ["gate_raw", "gate_normalised", "gate_output"]
    assert all(g["success"] for g in gates.values())
    failed = gates["gate_normalised"]["failed_expectations"]
    assert [(e["code"], e["unexpected_count"]) for e in failed] == [("boilerplate_phrase", 1)]
    assert all(g["data_docs"] for g in gates.values())


def test_charts_data(published):
    _, _summary = published
    report = build_report(_run(published))
    assert report["word_count"]["articles"] == 2
    assert sum(b["count"] for b in report["word_count"]["histogram"]) == 2
    assert report["published_per_day"] == [{"day": "undated", "articles": 2}]  # plain-text seeds state no date
    assert [(p["date"], p["articles"]) for p in report["lake_partitions"]] == [(lakes.DAY, 2)]


def test_html_is_self_contained(published):
    _, summary = published
    html = (Path(summary["quality_dir"]) / "report.html").read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']https?://""", html)  # nothing fetched, no CDN
    assert "@import" not in html and "url(http" not in html
    # Links inside the lake are relative, so the lake can move.
    assert 'href="data_docs/gate_raw' in html
    assert re.search(r'href="\.\./\.\./\.\./articles/date=2024-05-01/part-00000-[0-9a-f-]+-c000\.zstd\.parquet"', html)


def test_failed_gate_says_which_expectation_and_how_many_rows(failed):
    run = Lake(failed).find_run(lakes.RUN_ID)
    assert not run.summary.exists()
    report = build_report(run)
    assert report["status"] == "failed" and report["failed_gates"] == ["gate_normalised"]
    assert report["counts"]["articles"] is None and report["partitions"] == {}
    headline = next(h for h in report["headlines"] if h.startswith("gate_normalised"))
    assert "boilerplate_phrase" in headline and "1 row," in headline and "quarantine_ratio" in headline
    assert report["steps"][-1]["step"] == "gate_normalised"  # nothing ran after the failed gate
    html = render_html(report, lake_links(run, report))
    assert "failed: nothing published" in html and "Failed gate: gate_normalised" in html
    task = render_task(run, report, "batch.gate_normalised", 0, "quality")
    assert "FAILED" in task and "boilerplate_phrase" in task and "quarantine_ratio" in task


def test_batches_of_a_gate_are_merged(tmp_path):
    from datetime import date

    run = Lake(tmp_path).run(date(2024, 5, 1), "manual__1")
    run.quality.mkdir(parents=True)
    for batch, (ok, n) in enumerate([(True, 0), (False, 4)]):
        runrecords.write(run.gate_report(run.gate_name("gate_raw", batch)), GateRecord(
            gate="gate_raw", batch=batch, success=ok, rows=10, records=10, rows_failed=n, results_path=None,
            docs_path=None, batch_failures=[] if ok else ["quarantine_ratio: 4/10 = 0.40 > max_quarantine_ratio 0.3"],
            expectations=[Expectation(code="empty", expectation="expect_column_values_to_be_between",
                                      column="decoded_chars", level="row", success=ok, unexpected_count=n,
                                      observed_value=None)]))
    (gate,) = load_gates(run)
    assert gate["batches"] == 2 and gate["records"] == 20 and not gate["success"]
    assert gate["expectations"][0]["unexpected_count"] == 4 and not gate["expectations"][0]["success"]
    assert gate["batch_failures"] == ["gate_raw.b00001: quarantine_ratio: 4/10 = 0.40 > max_quarantine_ratio 0.3"]
    (only,) = load_gates(run, only="gate_raw.b00000")
    assert only["success"] and only["records"] == 10


def test_histogram_bins_are_round_and_cover_every_value():
    values = [1056, 1358, 200, 5000]
    bins = histogram(values)
    assert sum(b["count"] for b in bins) == 4 and len(bins) <= 12
    width = bins[0]["hi"] - bins[0]["lo"] + 1
    assert width in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) and bins[0]["lo"] % width == 0
    assert histogram([]) == [] and histogram([7]) == [{"lo": 7, "hi": 7, "count": 1}]


def test_charts_escape_labels_and_handle_empty():
    svg = hbar([("<b>&", 3), ("ok", 1)], title="t")
    assert "&lt;b&gt;&amp;" in svg and "<b>" not in svg
    assert "nothing" in columns([], title="t", empty="nothing here")
