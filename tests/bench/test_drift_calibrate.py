"""The drift calibration harness runs (bench/drift_calibrate.py, docs/drift.md): a few small dates, the
comparison, and the anomalies judged with the default bounds."""

import json
import subprocess
import sys

import pytest
from paths import REPO

DEV_SET = REPO.parent / "shared" / "benchmarks" / "zyte-article-extraction"


@pytest.mark.slow
def test_drift_calibration_smoke(tmp_path):
    if not (DEV_SET / "ground-truth.json").is_file():
        pytest.skip(f"dev set absent: {DEV_SET} (the pages are built from its page shapes)")
    run = subprocess.run([sys.executable, str(REPO / "bench" / "drift_calibrate.py"), "--dates", "8", "--pages", "60",
                          "--sources", "3", "--window", "5", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((tmp_path / "calibration.json").read_text())
    assert result["judged_dates"] == 3 and result["spread"]["volume"]["n"] == 3
    assert {"volume", "quarantine_rate", "missing_title", "source_volume"} <= set(result["spread"])
    assert result["seconds_median"]["check_drift"] < result["seconds_median"]["gate_output"]
    drop = result["anomalies"]["volume_drop"]
    assert drop["outcome"] == "gate_output failed" and drop["failures"][0].startswith("volume: ")
    assert "anomaly layout_change:" in run.stdout
