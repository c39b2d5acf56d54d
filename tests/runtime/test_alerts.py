"""Alerts through real Airflow connections to receivers on loopback that the tests start: a small SMTP
server and an HTTP webhook. Nothing is sent when ``alert_conn_id`` is empty or there is nothing to say.
The DAG's callbacks end to end (dag.test): ``tests/e2e/test_alerts_e2e.py``."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest

from newsflow.runtime.alerts import DRIFT_WARNING, FAILURE, GATE_TASK, send


class SmtpReceiver(socketserver.ThreadingTCPServer):
    """Just enough SMTP (RFC 5321, no extensions) for smtplib to hand over messages; keeps them."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        self.messages: list[dict] = []
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]


class _SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 newsflow-test ESMTP")
        sender, recipients = None, []
        while True:
            line = self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 newsflow-test")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip().strip("<>")
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.server.messages.append({"from": sender, "to": recipients,
                                             "message": email.message_from_bytes(b"".join(data),
                                                                                 policy=email.policy.default)})
                sender, recipients = None, []
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")


class WebhookReceiver(HTTPServer):
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        super().__init__(("127.0.0.1", 0), _Hook)
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts.append((self.path, json.loads(body)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def smtp(monkeypatch):
    server = SmtpReceiver()
    monkeypatch.setenv("AIRFLOW_CONN_NEWSFLOW_ALERTS", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": server.port,
        "extra": {"from_email": "newsflow@example.org", "disable_ssl": True, "disable_tls": True,
                  "retry_limit": 0, "timeout": 10}}))
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook(monkeypatch):
    server = WebhookReceiver()
    monkeypatch.setenv("AIRFLOW_CONN_NEWSFLOW_HOOK", json.dumps({
        "conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1], "schema": "http",
        "extra": {"endpoint": "hooks/newsflow"}}))
    yield server
    server.shutdown()
    server.server_close()


class _TaskInstance(SimpleNamespace):
    def xcom_pull(self, task_ids=None, **_):
        return self.xcoms.get(task_ids)


WARNINGS = ["missing_title: 100.0 % vs trailing median 0.0 % over 14 dates (+100.0 points) is above +10 points: WARN"]


def _context(conn_id: str, *, task_id: str = "write.publish", drift: dict | None = None, error=None,
             to: str = "ops@example.org") -> dict:
    ti = _TaskInstance(dag_id="news_ingest", task_id=task_id, map_index=-1,
                       xcoms={GATE_TASK: {"gate": "gate_output", "success": True, "drift": drift}} if drift else {})
    run_id = "manual__2024-05-01T00:00:00+00:00"
    return {"ti": ti, "task_instance": ti, "run_id": run_id, "exception": error,
            "logical_date": datetime(2024, 5, 1, tzinfo=UTC), "dag_run": SimpleNamespace(run_id=run_id),
            "params": {"alert_conn_id": conn_id, "alert_to": to, "lake": "/data/lake"}}


def test_a_drift_warning_is_mailed(smtp):
    sent = send(DRIFT_WARNING, _context("newsflow_alerts", drift={"status": "warn", "warnings": WARNINGS}))
    assert sent and len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["from"] == "newsflow@example.org" and mail["to"] == ["ops@example.org"]
    assert mail["message"]["Subject"] == "newsflow news_ingest: 2024-05-01 published with 1 drift warning"
    body = mail["message"].get_body(("html",)).get_content()
    assert "missing_title: 100.0 % vs trailing median 0.0 %" in body
    assert "/data/lake/_quality/date=2024-05-01/manual__2024-05-01T00_00_00_00_00/report.html" in body


def test_a_failed_gate_is_mailed_with_its_failures(smtp):
    from newsflow.gates import GateFailed

    error = GateFailed("gate_output", ["volume: 2 articles vs trailing median 40 articles over 14 dates (×0.05) "
                                       "is below ×0.2: FAIL"])
    context = _context("newsflow_alerts", task_id="write.gate_output",
                       error=f"{error.gate}: " + " | ".join(error.failures))
    assert send(FAILURE, context)
    (mail,) = smtp.messages
    assert mail["message"]["Subject"] == ("newsflow news_ingest: write.gate_output failed for 2024-05-01, "
                                          "nothing published")
    assert "is below ×0.2: FAIL" in mail["message"].get_body(("html",)).get_content()


def test_nothing_is_sent_without_a_connection_or_without_warnings(smtp):
    assert not send(DRIFT_WARNING, _context("", drift={"status": "warn", "warnings": WARNINGS}))
    assert not send(FAILURE, _context("  ", error="gate_raw: boom"))
    assert not send(DRIFT_WARNING, _context("newsflow_alerts", drift={"status": "ok", "warnings": []}))
    assert not send(DRIFT_WARNING, _context("newsflow_alerts"))  # publish without a drift verdict
    assert smtp.messages == []


def test_a_webhook_gets_json(webhook):
    assert send(DRIFT_WARNING, _context("newsflow_hook", drift={"status": "warn", "warnings": WARNINGS}))
    ((path, payload),) = webhook.posts
    assert path == "/hooks/newsflow"
    assert payload["kind"] == "drift_warning" and payload["date"] == "2024-05-01" and payload["lines"] == WARNINGS
    assert payload["text"].startswith(
        "newsflow news_ingest: 2024-05-01 published with 1 drift warning\n- missing_title")


def test_an_smtp_connection_needs_recipients(smtp):
    with pytest.raises(ValueError, match="no recipient"):
        send(DRIFT_WARNING, _context("newsflow_alerts", drift={"status": "warn", "warnings": WARNINGS}, to=""))
