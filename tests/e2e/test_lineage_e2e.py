"""OpenLineage end to end: ``newsflow run`` (the real DAG through dag.test()) with the provider's HTTP transport
pointed at a receiver on 127.0.0.1 that keeps every event POSTed to it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from newsflow.columns import table_schema

pytestmark = pytest.mark.slow
NEWSFLOW = Path(sys.executable).parent / "newsflow"
DAY = "2024-05-01"


@pytest.fixture
def receiver():
    """(url, events): an OpenLineage HTTP endpoint on loopback; events in arrival order."""
    events: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            events.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", events
    finally:
        server.shutdown()
        server.server_close()


def newsflow_run(home, landing, lake, *args, url=None, **settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "OPENLINEAGE"))}
    env["AIRFLOW_HOME"] = str(home)
    if url:
        env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps({"type": "http", "url": url})
    env.update(settings)
    return subprocess.run([str(NEWSFLOW), "run", "--landing", str(landing), "--lake", str(lake), "--date", DAY, *args],
                          env=env, capture_output=True, text=True, timeout=600)


def _completed(events, task_id):
    found = [e for e in events if e["job"]["name"] == f"news_ingest.{task_id}" and e["eventType"] in ("COMPLETE",
                                                                                                        "FAIL")]
    assert found, f"no COMPLETE/FAIL event for {task_id}: {sorted({e['job']['name'] for e in events})}"
    return found[-1]


def test_events_carry_inputs_outputs_versions_and_the_gates_assertions(tmp_path, landing, receiver):
    url, events = receiver
    lake = tmp_path / "lake"
    done = newsflow_run(tmp_path / "home", landing, lake, url=url)
    assert done.returncode == 0, done.stdout + done.stderr
    landing = str(landing)

    ingest = _completed(events, "batch.ingest")
    assert [(i["namespace"], i["name"]) for i in ingest["inputs"]] == [("file", landing)]

    gate = _completed(events, "batch.gate_normalised")
    judged = gate["inputs"][0]
    assert judged["name"] == landing
    assertions = judged["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert {"assertion", "column", "success"} <= set(assertions[0])
    failed = [a for a in assertions if not a["success"]]
    assert [(a["name"], a["severity"]) for a in failed] == [("boilerplate_phrase", "warn")]  # seed 001's furniture
    gate_output = _completed(events, "write.gate_output")
    assert [i["name"] for i in gate_output["inputs"]] == [str(lake / "articles"), str(lake / "quarantine")]
    assert all(a["success"] for a in gate_output["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"])

    publish = _completed(events, "write.publish")
    assert publish["eventType"] == "COMPLETE"
    outputs = {o["name"]: o for o in publish["outputs"]}
    assert sorted(outputs) == sorted(str(p) for p in (lake / "articles", lake / "quarantine", lake / "story_clusters",
                                                      lake / "_state" / "processed", lake / "_state" / "signatures",
                                                      lake / "_state" / "lsh_bands"))
    articles = outputs[str(lake / "articles")]["facets"]
    assert articles["version"]["datasetVersion"] == "1"
    assert [f["name"] for f in articles["schema"]["fields"]] == table_schema("articles").names

    # the same date again: every table gets its next version, and the events say so
    events.clear()
    again = newsflow_run(tmp_path / "home", landing, lake, url=url)
    assert again.returncode == 0, again.stdout + again.stderr
    outputs = _completed(events, "write.publish")["outputs"]
    versions = {o["name"]: o["facets"]["version"]["datasetVersion"] for o in outputs}
    assert versions[str(lake / "articles")] == "2"


def test_a_failed_gate_reports_its_failed_assertions(tmp_path, landing, receiver):
    url, events = receiver
    done = newsflow_run(tmp_path / "home", landing, tmp_path / "lake", "--max-quarantine-ratio", "0.2", url=url)
    assert done.returncode == 1
    gate = _completed(events, "batch.gate_normalised")
    assert gate["eventType"] == "FAIL"
    assertions = gate["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert any(not a["success"] for a in assertions)
    assert not any(e["job"]["name"] == "news_ingest.write.publish" for e in events)


def test_the_providers_switch_turns_it_off(tmp_path, landing, receiver):
    """With a transport configured and ``[openlineage] disabled``, nothing is sent (no configuration at all:
    the provider stays off, ``tests/runtime/test_lineage.py``)."""
    url, events = receiver
    done = newsflow_run(tmp_path / "home", landing, tmp_path / "lake", url=url, AIRFLOW__OPENLINEAGE__DISABLED="True")
    assert done.returncode == 0, done.stdout + done.stderr
    assert events == []
