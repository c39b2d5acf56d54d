"""The drift gate on synthetic 14-date histories (tests/histories.py): each scenario's severity, message and
report entry; reruns; "not enough history"; the settings' one table of rules; the pipeline's verdicts."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, timedelta
from pathlib import Path

import histories
import lakes
import pytest
from histories import TODAY, Day

from newsflow.gates.drift import check_drift
from newsflow.lake.layout import Lake
from newsflow.settings import Settings


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("history")
    histories.history(root / "lake")
    return root


@pytest.fixture
def lake(history, tmp_path) -> Path:
    """A private copy of the 14-date lake (scenarios stage runs into it)."""
    shutil.copytree(history / "lake", tmp_path / "lake")
    return tmp_path / "lake"


def _judge(lake: Path, spec: Day, settings: Settings | None = None, run_id: str | None = None) -> dict:
    ctx = histories.stage_run(lake, TODAY, spec, run_id)
    if settings is not None:
        ctx.settings = settings
    return check_drift(ctx)


def _verdict(section: dict, key: str) -> dict:
    return next(v for v in section["verdicts"] if v["key"] == key)


def test_a_normal_day_is_within_every_bound(lake):
    section = _judge(lake, Day().varied(3))
    assert section["status"] == "ok" and section["failures"] == [] and section["warnings"] == []
    assert section["history"] == [(histories.START + timedelta(days=i)).isoformat() for i in range(14)]
    judged = [v for v in section["verdicts"] if v["judged"]]
    # volume, 3 sources x 2, quarantine, reason, duplicates, 3 missing shares, language; and the canary per
    # publisher: 3 sources x (3 missing shares + new templates)
    assert len(judged) == 14 + 3 * 4 and {v["severity"] for v in judged} == {"ok"}
    assert _verdict(section, "source_new_templates:b.example")["value"] == 0.0
    run = Lake(lake).run(TODAY, f"manual__{TODAY}")
    assert json.loads(run.drift_report.read_text()) == json.loads(json.dumps(section, default=str))
    gx = json.loads(run.gate_results("gate_drift").read_text())  # GX's own evidence and Data Docs
    assert gx[0]["success"] is True and (run.data_docs("gate_drift") / "index.html").exists()


def test_a_volume_drop_fails(lake):
    section = _judge(lake, Day(sources={"a.example": 5, "b.example": 3, "c.example": 2}))
    assert section["status"] == "fail"
    assert section["failures"] == ["volume: 10 articles vs trailing median 100 articles over 14 dates (×0.10) "
                                   "is below ×0.2: FAIL"]
    volume = _verdict(section, "volume")
    assert volume["severity"] == "fail" and volume["thresholds"] == {"warn": [50.0, 200.0], "fail": [20.0, None]}
    # each source fell too: warn-only rules
    assert {_verdict(section, f"source_volume:{s}.example")["severity"] for s in "abc"} == {"warn"}
    gate = json.loads(Lake(lake).run(TODAY, f"manual__{TODAY}").gate_report("gate_drift").read_text())
    assert gate["success"] is False and gate["batch_failures"] == ["drift." + section["failures"][0]]


def test_a_word_count_collapse_on_one_source(lake):
    section = _judge(lake, Day(words={"a.example": 40, "b.example": 200, "c.example": 800}))
    assert section["status"] == "fail"
    a, b, c = (_verdict(section, f"source_median_words:{s}.example") for s in "abc")
    assert (a["severity"], b["severity"], c["severity"]) == ("fail", "warn", "ok")
    assert a["message"] == ("source_median_words[a.example]: 40 words vs trailing median 600 words over 14 dates "
                            "(×0.07) is below ×0.3: FAIL")
    assert b["message"].endswith("(×0.50) is below ×0.6: WARN")
    assert section["failures"] == [a["message"]] and section["warnings"] == [b["message"]]


def test_a_template_change_on_one_source_warns_on_that_source_only(lake):
    """A publisher's redesign: every page of b.example on a template its history never had. The canary warns
    on that source alone, with two of its pages to look at; the figures that did not move stay quiet."""
    section = _judge(lake, Day(redesigned=("b.example",)).varied(3))
    assert section["status"] == "warn" and section["failures"] == []
    verdict = _verdict(section, "source_new_templates:b.example")
    assert section["warnings"] == [verdict["message"]]
    # 9 of the 14 history dates have the figure: the first 5 had fewer than 5 dates before them to compare with
    assert verdict["message"] == ("source_new_templates[b.example]: 100.0 % vs trailing median 0.0 % over 9 dates "
                                  "(+100.0 points) is above +50 points: WARN")
    assert verdict["samples"] == [f"https://b.example/{TODAY}/0000.html", f"https://b.example/{TODAY}/0001.html"]
    assert {_verdict(section, f"source_new_templates:{s}.example")["severity"] for s in "ac"} == {"ok"}


def test_titles_lost_on_one_source_warn_on_that_source_only(lake):
    """The extractor stops finding titles on c.example's pages (45 % of them): too few to move the lake-wide
    share past its bound, plain on the source's own."""
    section = _judge(lake, Day(untitled={"c.example": 0.45}).varied(3))
    verdict = _verdict(section, "source_missing_title:c.example")
    assert section["status"] == "warn" and section["warnings"] == [verdict["message"]]
    assert verdict["message"].endswith("(+42.9 points) is above +30 points: WARN")  # 9 of its 21 pages today
    assert _verdict(section, "missing_title")["severity"] == "ok"


def test_new_template_shares_count_pages_against_the_sources_own_history():
    from collections import Counter

    from newsflow.gates.drift import new_template_shares

    past = [{"a": Counter({"t1": 5, "t2": 1})}, {"a": Counter({"t3": 2}), "b": Counter({"u1": 3})}]
    today = {"a": Counter({"t1": 3, "t3": 1, "t9": 4}), "b": Counter({"u1": 1}), "new.example": Counter({"x": 9})}
    # a source the history never saw has no figure: every template of it is new
    assert new_template_shares(today, past) == {"source_new_templates:a": 0.5, "source_new_templates:b": 0.0}


def test_a_quarantine_rate_jump_warns_and_names_the_reason(lake):
    section = _judge(lake, Day(reasons={"gate_normalised.text_length": 20}))
    assert section["status"] == "warn" and section["failures"] == []
    rate = _verdict(section, "quarantine_rate")
    assert rate["severity"] == "warn"
    assert rate["message"] == ("quarantine_rate: 16.4 % vs trailing median 2.9 % over 14 dates (+13.5 points) "
                               "is above +10 points: WARN")
    assert _verdict(section, "reason_rate:gate_normalised.text_length")["severity"] == "warn"
    assert _verdict(section, "volume")["severity"] == "ok"


def test_reruns_reproduce_the_verdicts(lake):
    first = _judge(lake, Day(words={"a.example": 40, "b.example": 200, "c.example": 800}))
    # later dates, and the date itself, published meanwhile: history is the dates strictly before the day
    histories.publish_day(lake, TODAY + timedelta(days=1), Day(sources={"a.example": 1}, words={"a.example": 5}))
    histories.publish_day(lake, TODAY, Day())
    again = _judge(lake, Day(words={"a.example": 40, "b.example": 200, "c.example": 800}))
    assert again == first


def test_first_runs_say_not_enough_history_and_never_fail(tmp_path):
    lake = tmp_path / "lake"
    histories.history(lake, days=3)
    section = _judge(lake, Day(sources={"a.example": 1}, words={"a.example": 5}))
    assert section["status"] == "not_enough_history" and section["failures"] == [] and section["warnings"] == []
    assert _verdict(section, "volume")["message"] == "volume: 1 articles, not enough history (3 of 5 dates needed)"
    # no GX run: nothing to judge
    assert not Lake(lake).run(TODAY, f"manual__{TODAY}").gate_report("gate_drift").exists()


def test_severities_are_set_per_expectation_in_the_settings():
    settings = Settings().override({"drift_rules": {"volume": {"warn": [0.5, 2.0], "fail": None}}})
    assert settings.drift_rules["volume"] == {"warn": [0.5, 2.0], "fail": None}
    assert settings.drift_rules["source_median_words"] == Settings().drift_rules["source_median_words"]
    with pytest.raises(ValueError, match="unknown drift rules: volumes"):
        Settings().override({"drift_rules": {"volumes": {"warn": [0.5, 2.0]}}})


def test_a_warn_only_rule_turns_the_volume_drop_into_a_warning(lake):
    settings = Settings().override({"drift_rules": {"volume": {"warn": [0.5, 2.0], "fail": None}}})
    section = _judge(lake, Day(sources={"a.example": 5, "b.example": 3, "c.example": 2}), settings)
    assert section["status"] == "warn" and section["failures"] == []
    assert _verdict(section, "volume")["message"].endswith("is below ×0.5: WARN")


def test_drift_enforce_off_reports_fail_verdicts_as_warnings(lake):
    settings = Settings().override({"drift_enforce": False})
    section = _judge(lake, Day(sources={"a.example": 5, "b.example": 3, "c.example": 2}), settings)
    assert section["status"] == "warn" and section["failures"] == [] and section["enforced"] is False
    assert section["warnings"][0] == ("volume: 10 articles vs trailing median 100 articles over 14 dates (×0.10) "
                                      "is below ×0.2: FAIL (not enforced: drift_enforce is off)")
    assert _verdict(section, "volume")["severity"] == "fail"  # the verdict stands; only its consequence changes


# -- through the pipeline: a warn publishes, a fail publishes nothing --------------------------------------------

def _seed_history(root: Path, spec: Day) -> None:
    from datetime import date

    histories.before(root / "lake", date.fromisoformat(lakes.DAY), spec)


def test_pipeline_publishes_with_warnings_in_the_report(tmp_path):
    _seed_history(tmp_path, histories.SEEDS_LIKE)
    lake, summary = lakes.seed_lake(tmp_path)
    assert summary is not None and summary["status"] == "published"
    run = Lake(lake).find_run(lakes.RUN_ID)
    report = json.loads(run.report_json.read_text())
    drift = report["drift"]
    assert drift["status"] == "warn" and drift["failures"] == []
    # the seeds are plain text: no title, where the history had one on every article
    assert any(w.startswith("missing_title: 100.0 % vs trailing median 0.0 %") for w in drift["warnings"])
    gate = next(g for g in report["gates"] if g["gate"] == "gate_drift")
    assert gate["success"] and any(e["code"] == "missing_title" and e["level"] == "warn" and not e["success"]
                                   for e in gate["expectations"])
    html = run.report_html.read_text()
    assert 'id="drift-status">drift: warnings, published' in html and "missing_title" in html
    stats = json.loads(run.stats_file("gate_output").read_text()) if run.stats_file("gate_output").exists() else None
    assert stats is None  # staging is removed on publish; the gate's verdict stays in its report
    output = json.loads(run.gate_report("gate_output").read_text())
    assert output["drift"]["status"] == "warn" and output["drift"]["warnings"] == drift["warnings"]
    assert Lake(lake).health_page.exists()
    from newsflow.report.render import render_task

    task = render_task(run, report, "write.gate_output", -1, "quality")
    assert 'id="drift-warnings"' in task and "missing_title: 100.0 %" in task


def test_pipeline_publishes_nothing_on_a_drift_failure(tmp_path):
    _seed_history(tmp_path, replace(histories.SEEDS_LIKE, sources={"seeds": 40}))
    lake, summary = lakes.seed_lake(tmp_path)
    assert summary is None  # gate_output failed
    lake_ = Lake(lake)
    from datetime import date

    assert date.fromisoformat(lakes.DAY) not in lake_.published_days()
    run = lake_.find_run(lakes.RUN_ID)
    output = json.loads(run.gate_report("gate_output").read_text())
    assert output["success"] is False
    assert any(f.startswith("drift.volume: 2 articles vs trailing median 40 articles") and f.endswith("FAIL")
               for f in output["batch_failures"])
    from newsflow.report import build_report

    report = build_report(run)
    assert report["status"] == "failed" and report["drift"]["status"] == "fail"
    assert set(report["failed_gates"]) == {"gate_output", "gate_drift"}


def test_a_dates_figures_count_missing_values_and_medians_like_the_rule_table_says():
    """``figures`` on an Arrow table: null and empty labels are one bucket, medians are exact (even counts
    average the middle two), whitespace titles and empty author lists count as missing."""
    from datetime import datetime

    import pyarrow as pa

    from newsflow.gates.drift import figures

    when = datetime(2024, 5, 1, tzinfo=UTC)
    articles = pa.table({
        "source": ["a", "a", "b", None, "", "a", "a"],
        "word_count": pa.array([10, 30, 7, None, 5, 20, 40], pa.int32()),
        "published_at": pa.array([when, None, when, when, None, when, when], pa.timestamp("us", tz="UTC")),
        "authors": [["X"], [], None, ["Y", "Z"], ["Y"], ["X"], ["X"]],
        "title": ["T", "  ", None, "T", "T", "\u2003", "T"],
        "language": ["en", "en", "", None, "de", "en", "en"],
    })
    got = figures(articles, [["dedup.near_duplicate"], ["gate_normalised.too_short", "dedup.exact_duplicate"], []])
    assert got["volume"] == 7.0
    assert (got["source_volume:a"], got["source_volume:b"], got["source_volume:(unknown)"]) == (4.0, 1.0, 2.0)
    assert got["source_median_words:a"] == 25.0  # 10, 20, 30, 40: the middle two averaged
    assert got["source_median_words:(unknown)"] == 5.0  # the unknown-source row without a count is left out
    assert got["missing_published_at"] == 2 / 7 and got["missing_authors"] == 2 / 7
    assert got["missing_title"] == 3 / 7  # null, spaces, an em space
    assert (got["language_share:en"], got["language_share:(none)"], got["language_share:de"]) == (4 / 7, 2 / 7, 1 / 7)
    assert got["quarantine_rate"] == 1 / 10 and got["duplicate_rate"] == 2 / 10
    assert got["reason_rate:gate_normalised.too_short"] == 1 / 10
    assert figures(articles.slice(0, 0), [])["volume"] == 0.0
    # the canary per publisher: each source's own shares
    assert (got["source_missing_title:a"], got["source_missing_authors:a"],
            got["source_missing_published_at:a"]) == (0.5, 0.25, 0.25)
    assert got["source_missing_title:b"] == 1.0 and got["source_missing_authors:(unknown)"] == 0.0
