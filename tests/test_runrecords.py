"""The records a run writes about itself hold exactly the fields their types in ``runrecords`` declare, under
the keys existing lakes already hold (a run of the seeds, in process)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import lakes
import pytest

from newsflow import runrecords
from newsflow.lake.layout import Lake, RunPaths
from newsflow.steplist import BATCH_STEPS

# on disk in every lake published so far: renaming one of these breaks the readers of existing lakes
SUMMARY_KEYS = {"run_id", "date", "landing", "lake", "batches", "ingested", "skipped_already_processed", "archives",
                "archive_records", "not_articles", "articles", "quarantined", "quarantine_reasons",
                "quarantined_files", "quality_dir", "steps", "versions", "partitions", "manifest", "status"}
RUN_MARKER_KEYS = {"date", "run_id", "versions", "files", "articles", "quarantined", "skipped_at_publish"}


def _matches(data: dict[str, Any], record: Any, where: str) -> None:
    required, optional = set(record.__required_keys__), set(record.__optional_keys__)
    assert required <= set(data), f"{where} lacks {sorted(required - set(data))}"
    assert set(data) <= required | optional, f"{where} has undeclared {sorted(set(data) - required - optional)}"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunPaths:
    lake, summary = lakes.seed_lake(tmp_path_factory.mktemp("records"))
    assert summary is not None
    return Lake(lake).run(date.fromisoformat(lakes.DAY), lakes.RUN_ID)


def test_summary_and_run_marker_keep_their_keys(run: RunPaths) -> None:
    summary = json.loads(run.summary.read_text())
    assert set(summary) == SUMMARY_KEYS == set(runrecords.Summary.__required_keys__)
    _matches(summary, runrecords.Summary, "summary.json")
    marker = json.loads(run.run_marker.read_text())
    assert set(marker) == RUN_MARKER_KEYS
    _matches(marker, runrecords.RunMarker, "run marker")


def test_every_step_record_matches_its_type(run: RunPaths) -> None:
    steps = json.loads(run.summary.read_text())["steps"]
    _matches(steps, runrecords.SummarySteps, "summary steps")
    _matches(steps["plan"], runrecords.PlanStats, "plan stats")
    _matches(steps["dedup"], runrecords.DedupStats, "dedup stats")
    _matches(steps["stage_output"], runrecords.StageOutputStats, "stage_output stats")
    _matches(steps["gate_output"], runrecords.GateRecord, "gate_output stats")
    for batch in steps["batches"].values():
        assert set(batch) == set(BATCH_STEPS)
        _matches(batch["ingest"], runrecords.IngestStats, "ingest stats")
        _matches(batch["ingest"]["stage"], runrecords.StageCounts, "ingest stage counts")
        _matches(batch["normalise"], runrecords.NormaliseStats, "normalise stats")
        for gate in ("gate_raw", "gate_normalised"):
            _matches(batch[gate], runrecords.GateRecord, f"{gate} stats")
    reports = run.gate_reports()
    assert reports
    for path in reports:
        record = json.loads(path.read_text())
        _matches(record, runrecords.GateRecord, path.name)
        for expectation in record["expectations"]:
            _matches(expectation, runrecords.Expectation, f"{path.name} expectation")


def test_the_report_matches_its_type(run: RunPaths) -> None:
    report = json.loads(run.report_json.read_text())
    _matches(report, runrecords.Report, "report.json")
    _matches(report["counts"], runrecords.ReportCounts, "report counts")
    for gate in report["gates"]:
        _matches(gate, runrecords.GateSummary, f"report gate {gate['gate']}")
    for step in report["steps"]:
        _matches(step, runrecords.StepFlow, f"report step {step['step']}")
