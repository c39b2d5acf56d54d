"""The quality plugin in a real Airflow UI, driven by headless Chromium.

A finished ``news_ingest`` run (``newsflow run`` on the seeds) in a throw-away SQLite metadata DB, then
``airflow api-server`` on a free port with this repo's plugins; Chromium (Debian's, through Playwright's
Python package, no browser download) logs in with ``POST /auth/token`` + the ``_token`` cookie, opens the
DAG page, the run's "Data quality" tab and the plugin pages, and saves screenshots under ``artifacts/ui/``.
"""

from __future__ import annotations

import json
import shutil
from urllib.parse import quote

import lakes
import pytest
from ui.server import ARTIFACTS, DAG_ID, _http, api_server, browser_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base_url, token, run_id, lake): the API server with one finished run; stopped afterwards, always."""
    root = tmp_path_factory.mktemp("ui")
    landing = root / "seeds"
    shutil.copytree(lakes.SEEDS, landing)
    lake = root / "lake"
    with api_server(root, landing, lake, "api-server.log") as (base, token, run_id):
        yield base, token, run_id, lake


def test_plugin_routes_need_the_api_servers_auth(server):
    base, token, run_id, _ = server
    url = f"{base}/newsflow/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/quality.json"
    assert _http(url)[0] in (401, 403)
    status, body = _http(url, token=token)
    assert status == 200, body
    report = json.loads(body)
    assert report["status"] == "published" and report["counts"]["articles"] == 2
    # Every news_ingest task carries a "Data quality" extra link to its gate/step summary.
    links = f"{base}/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}/taskInstances/write.gate_output/links"
    status, body = _http(links, token=token)
    assert status == 200, body
    link = json.loads(body)["extra_links"]["Data quality"]
    assert link.endswith("/tasks/write.gate_output")
    status, body = _http(base + link, token=token)
    assert status == 200 and "gate_output" in body and "passed" in body


def test_quality_pages_in_the_browser(server, chromium):
    from playwright.sync_api import expect

    base, token, run_id, _lake = server
    run_path = f"/dags/{DAG_ID}/runs/{quote(run_id, safe='')}"
    with browser_page(chromium, base, token, "failure.png") as page:
        # The DAG's page: its grid, and the plugin's "Data quality" tab.
        page.goto(f"{base}/dags/{DAG_ID}")
        expect(page.get_by_text(DAG_ID).first).to_be_visible()
        dag_tab = page.locator("a[href$='/plugin/newsflow-dag-quality']")
        expect(dag_tab).to_have_text("Data quality")
        page.screenshot(path=str(ARTIFACTS / "01-dag.png"))

        dag_tab.click()
        runs = page.frame_locator("iframe[title='Data quality']")
        expect(runs.locator("#runs")).to_contain_text(run_id)
        expect(runs.locator("#runs")).to_contain_text("published")
        page.screenshot(path=str(ARTIFACTS / "02-dag-quality-tab.png"))

        # The run's page, then its quality tab (the plugin page in the UI's iframe).
        runs.get_by_role("link", name=run_id).click()
        frame = page.frame_locator("iframe[title='Data quality']")
        expect(frame.locator("#title")).to_contain_text(f"Data quality for {lakes.DAY}")
        page.goto(f"{base}{run_path}")
        run_tab = page.locator("a[href$='/plugin/newsflow-run-quality']")
        expect(run_tab).to_have_text("Data quality")
        page.screenshot(path=str(ARTIFACTS / "03-run.png"))
        run_tab.click()
        frame = page.frame_locator("iframe[title='Data quality']")
        expect(frame.locator("#status")).to_have_text("published")
        expect(frame.locator("#counts")).to_contain_text("articles published")
        expect(frame.locator("#reasons")).to_contain_text("dedup.near_duplicate")
        expect(frame.locator("#gate-gate_normalised")).to_contain_text("boilerplate_phrase")
        page.screenshot(path=str(ARTIFACTS / "04-run-quality-tab.png"))

        # The plugin page on its own: every section, charts, Data Docs and the partition link.
        page.goto(f"{base}/newsflow{run_path}/quality")
        expect(page.locator("#steps")).to_contain_text("dedup")
        assert page.locator("svg.chart").count() >= 4
        for gate in ("gate_raw", "gate_normalised", "gate_output"):
            expect(page.locator(f"#gate-{gate}")).to_contain_text("passed")
        expect(page.locator("#partitions")).to_contain_text("articles/date=2024-05-01/part-00000-")
        expect(page.locator("#versions")).to_contain_text("articles")
        page.screenshot(path=str(ARTIFACTS / "05-quality-page.png"), full_page=True)
        with page.expect_download() as download:
            page.locator("#partitions a").first.click()
        assert download.value.suggested_filename.endswith(".parquet")

        docs = page.locator("a", has_text="gate_normalised").first.get_attribute("href")
        response = page.goto(base + docs)
        assert response is not None and response.status == 200
        page.screenshot(path=str(ARTIFACTS / "06-data-docs.png"))

        # A gate task's summary: which expectation failed on how many rows.
        page.goto(f"{base}/newsflow{run_path}/tasks/batch.gate_normalised?map_index=0")
        expect(page.locator("#failed")).to_contain_text("boilerplate_phrase")
        expect(page.locator("#failed")).to_contain_text("1")
        page.screenshot(path=str(ARTIFACTS / "07-task-gate.png"))
