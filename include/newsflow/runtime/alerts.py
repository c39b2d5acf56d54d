"""Alerts: a failed task (a failed gate above all), or a date published with drift warnings, sent through
the Airflow connection the DAG param ``alert_conn_id`` names. Nothing is sent when it is empty.

The DAG's notifier (``dags/news_ingest.py``: a ``BaseNotifier`` on ``on_failure_callback`` of every task
and on ``on_success_callback`` of ``write.publish``) calls ``send``; the channel follows the connection's type:

- ``smtp``: the SMTP provider's ``SmtpNotifier`` (recipients: the ``alert_to`` param, comma separated, else
  the connection's extra ``to``; sender: the extra ``from_email``, else ``newsflow@localhost``);
- ``http``: the HTTP provider's ``HttpHook`` POSTs JSON (``text`` as Slack-style webhooks read it, plus the
  facts) to the connection's URL, extra ``endpoint`` appended.

Airflow runs task callbacks in the task's process after the task; an alert that cannot be sent is logged
there and changes no task's state.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC
from html import escape
from typing import Any, cast

from newsflow.runrecords import AlertMessage, gate_output_verdict
from newsflow.steplist import GATE_OUTPUT, task_id

LOGGER = logging.getLogger(__name__)

FAILURE, DRIFT_WARNING = "failure", "drift_warning"
GATE_TASK = task_id(GATE_OUTPUT)  # its return value carries the drift verdict (steps/write.gate_output)
SMTP_TYPES, HTTP_TYPES = ("smtp", "email"), ("http", "https")
Context = Mapping[str, Any]  # Airflow's task context


def _day(context: Context) -> str:
    moment = context.get("logical_date") or getattr(context.get("dag_run"), "run_after", None)
    return str(moment.astimezone(UTC).date().isoformat()) if moment else "?"


def message(kind: str, context: Context) -> AlertMessage | None:
    """What to say (subject, lines, facts), or None when there is nothing to say."""
    ti = context["ti"]
    params = context.get("params") or {}
    day = _day(context)
    run_id = str(context.get("run_id") or getattr(context.get("dag_run"), "run_id", ""))
    dag_id = str(ti.dag_id)
    if kind == DRIFT_WARNING:
        drift = gate_output_verdict(ti.xcom_pull(task_ids=GATE_TASK))
        if drift is None or drift["status"] != "warn" or not drift["warnings"]:
            return None
        lines = list(drift["warnings"])
        subject = f"newsflow {dag_id}: {day} published with {len(lines)} drift warning{'s' if len(lines) != 1 else ''}"
    elif kind == FAILURE:
        error = context.get("exception")
        text = str(error) if error is not None else "the task failed"
        lines = [part.strip() for part in text.split(" | ") if part.strip()]
        task = ti.task_id + (f"[{ti.map_index}]" if getattr(ti, "map_index", -1) not in (-1, None) else "")
        subject = f"newsflow {dag_id}: {task} failed for {day}, nothing published"
    else:
        raise ValueError(f"unknown alert kind {kind!r}")
    lake = str(params.get("lake") or "")
    report = None
    if lake and day != "?":
        from datetime import date

        from newsflow.lake.layout import Lake
        from newsflow.locations import location
        from newsflow.storage import display

        run = Lake(location(lake, params.get("conn_id") or None)).run(date.fromisoformat(day), run_id)
        report = display(run.report_html)
    return AlertMessage(kind=kind, subject=subject, lines=lines, dag_id=dag_id, run_id=run_id, task_id=str(ti.task_id),
                        date=day, lake=lake, report=report)


def _html(msg: AlertMessage) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in msg["lines"])
    report = f"<p>Run report: <code>{escape(msg['report'])}</code></p>" if msg["report"] else ""
    return (f"<p><strong>{escape(msg['subject'])}</strong></p><ul>{items}</ul>"
            f"<p>DAG <code>{escape(msg['dag_id'])}</code>, run <code>{escape(msg['run_id'])}</code>, "
            f"task <code>{escape(msg['task_id'])}</code>.</p>{report}")


def send(kind: str, context: Context) -> bool:
    """Send the alert of ``kind`` for this task's context; False when nothing was sent (no connection
    configured, or nothing to say)."""
    params = context.get("params") or {}
    conn_id = str(params.get("alert_conn_id") or "").strip()
    if not conn_id:
        return False
    msg = message(kind, context)
    if msg is None:
        return False
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    extra = conn.extra_dejson or {}
    if conn.conn_type in SMTP_TYPES:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        to = [a.strip() for a in str(params.get("alert_to") or extra.get("to") or "").split(",") if a.strip()]
        if not to:
            raise ValueError(f"alert connection {conn_id!r} is SMTP but no recipient is set (param alert_to)")
        SmtpNotifier(to=to, from_email=extra.get("from_email") or "newsflow@localhost", smtp_conn_id=conn_id,
                     subject=msg["subject"], html_content=_html(msg)).notify(cast(Any, context))
    elif conn.conn_type in HTTP_TYPES:
        from airflow.providers.http.hooks.http import HttpHook

        payload = {"text": "\n".join([msg["subject"], *(f"- {line}" for line in msg["lines"])]), **msg}
        HttpHook(method="POST", http_conn_id=conn_id).run(endpoint=extra.get("endpoint") or "", json=payload)
    else:
        raise ValueError(f"alert connection {conn_id!r} has type {conn.conn_type!r}: use an smtp or http connection")
    LOGGER.info("alert sent through %s: %s", conn_id, msg["subject"])
    return True
