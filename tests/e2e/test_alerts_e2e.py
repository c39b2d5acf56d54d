"""Alerts from the real DAG (``newsflow run`` → dag.test()): the notifier on the tasks' callbacks mails a
loopback SMTP server (tests/runtime/test_alerts.py's receiver) when a date publishes with drift warnings
and when the drift gate fails a run; with no ``--alert-conn-id`` nothing is sent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import histories
import lakes
import pytest
from runtime.test_alerts import SmtpReceiver

pytestmark = pytest.mark.slow
NEWSFLOW = Path(sys.executable).parent / "newsflow"


def _run(tmp_path: Path, receiver: SmtpReceiver, history: histories.Day, *alert: str) -> subprocess.CompletedProcess:
    landing = tmp_path / "seeds"
    shutil.copytree(lakes.SEEDS, landing)
    lake = tmp_path / "lake"
    histories.before(lake, date.fromisoformat(lakes.DAY), history)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env["AIRFLOW_HOME"] = str(tmp_path / "airflow")
    env["AIRFLOW_CONN_NEWSFLOW_ALERTS"] = json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": receiver.port,
        "extra": {"from_email": "newsflow@example.org", "disable_ssl": True, "disable_tls": True, "retry_limit": 0}})
    return subprocess.run([str(NEWSFLOW), "run", "--landing", str(landing), "--lake", str(lake), "--date", lakes.DAY,
                           *alert], env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture
def smtp():
    server = SmtpReceiver()
    yield server
    server.shutdown()
    server.server_close()


def test_a_date_published_with_drift_warnings_is_mailed(tmp_path, smtp):
    done = _run(tmp_path, smtp, histories.SEEDS_LIKE, "--alert-conn-id", "newsflow_alerts",
                "--alert-to", "ops@example.org")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "drift against the last 14 published dates: warn" in done.stdout  # the summary newsflow run prints
    assert "drift WARN missing_title: 100.0 %" in done.stdout + done.stderr  # gate_output's task log
    (mail,) = smtp.messages
    assert mail["to"] == ["ops@example.org"]
    assert mail["message"]["Subject"].startswith(f"newsflow news_ingest: {lakes.DAY} published with 3 drift warnings")
    assert "missing_title: 100.0 % vs trailing median 0.0 %" in mail["message"].get_body(("html",)).get_content()


def test_a_drift_failure_is_mailed_and_nothing_without_a_connection(tmp_path, smtp):
    from dataclasses import replace

    many = replace(histories.SEEDS_LIKE, sources={"seeds": 40})
    done = _run(tmp_path / "with", smtp, many, "--alert-conn-id", "newsflow_alerts", "--alert-to", "ops@example.org")
    assert done.returncode == 1, done.stdout + done.stderr
    (mail,) = smtp.messages
    assert mail["message"]["Subject"] == (f"newsflow news_ingest: write.gate_output failed for {lakes.DAY}, "
                                          "nothing published")
    assert "volume: 2 articles vs trailing median 40 articles" in mail["message"].get_body(("html",)).get_content()

    done = _run(tmp_path / "without", smtp, many)
    assert done.returncode == 1
    assert len(smtp.messages) == 1  # the unconfigured run sent nothing
