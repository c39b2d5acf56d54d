"""The quality pages and the lake health tab for a lake on an object store (S3 on moto), in a real Airflow UI.

``newsflow run`` of the seeds from ``s3://`` into ``s3://`` through an Airflow connection, then the API server
with this repo's plugins, whose default lake (``NEWSFLOW_LAKE``) is an empty local folder: every page must read
the run's own lake, through the run's connection, as its tasks did. Chromium drives the same pages as the
local-lake tests (``test_quality_ui.py``, ``test_health_ui.py``).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import lakes
import pytest
from s3server import airflow_connection, create_buckets, moto_server
from ui.server import ARTIFACTS, DAG_ID, _http, api_server, browser_page, open_plugin_tab

pytestmark = pytest.mark.slow
CONN_ID = "newsflow_s3"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base_url, token, run_id): the API server over a run that read and wrote S3; stopped afterwards."""
    import s3fs

    root = tmp_path_factory.mktemp("s3-ui")
    for endpoint in moto_server():
        create_buckets(endpoint, "landing-bucket", "lake-bucket")
        fs = s3fs.S3FileSystem(key="testing", secret="testing",
                               client_kwargs={"endpoint_url": endpoint, "region_name": "us-east-1"})
        for path in sorted(lakes.SEEDS.iterdir()):
            fs.put(str(path), f"landing-bucket/seeds/{path.name}")
        env = {f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(airflow_connection(endpoint)),
               "NEWSFLOW_LAKE": str(root / "not-this-lake")}  # the default lake: empty, never the run's
        with api_server(root, "s3://landing-bucket/seeds", "s3://lake-bucket/lake", "api-server-s3.log",
                        conn_id=CONN_ID, env_extra=env) as (base, token, run_id):
            yield base, token, run_id


def test_the_report_of_a_run_on_s3(server):
    base, token, run_id = server
    status, body = _http(f"{base}/newsflow/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/quality.json", token=token)
    assert status == 200, body
    report = json.loads(body)
    assert report["status"] == "published" and report["counts"]["articles"] == 2
    assert report["lake"] == "s3://lake-bucket/lake"
    assert report["partitions"]["articles"][0].startswith(f"s3://lake-bucket/lake/articles/date={lakes.DAY}/")


def test_quality_pages_and_health_tab_of_a_lake_on_s3(server, chromium):
    from playwright.sync_api import expect

    base, token, run_id = server
    run_path = f"/dags/{DAG_ID}/runs/{quote(run_id, safe='')}"
    with browser_page(chromium, base, token, "failure-s3.png") as page:
        page.goto(f"{base}/dags/{DAG_ID}")
        open_plugin_tab(page, "newsflow-dag-quality")
        runs = page.frame_locator("iframe[title='Data quality']")
        expect(runs.locator("#runs")).to_contain_text(run_id)
        expect(runs.locator("#runs")).to_contain_text("published")

        page.goto(f"{base}{run_path}")
        open_plugin_tab(page, "newsflow-run-quality")
        frame = page.frame_locator("iframe[title='Data quality']")
        expect(frame.locator("#status")).to_have_text("published")
        expect(frame.locator("#reasons")).to_contain_text("dedup.near_duplicate")
        page.screenshot(path=str(ARTIFACTS / "20-s3-run-quality-tab.png"))

        page.goto(f"{base}/newsflow{run_path}/quality")
        for gate in ("gate_raw", "gate_normalised", "gate_output"):
            expect(page.locator(f"#gate-{gate}")).to_contain_text("passed")
        expect(page.locator("#partitions")).to_contain_text("s3://lake-bucket/lake/articles/date=")
        with page.expect_download() as download:  # the partition, streamed from the bucket
            page.locator("#partitions a").first.click()
        assert download.value.suggested_filename.endswith(".parquet")
        docs = page.locator("a", has_text="gate_normalised").first.get_attribute("href")
        response = page.goto(base + docs)  # the run's Data Docs, from the bucket
        assert response is not None and response.status == 200 and "gate_normalised" in response.text()

        page.goto(f"{base}/newsflow{run_path}/tasks/batch.gate_normalised?map_index=0")
        expect(page.locator("#failed")).to_contain_text("boilerplate_phrase")

        page.goto(f"{base}/dags/{DAG_ID}")
        open_plugin_tab(page, "newsflow-lake-health", "Lake health")
        health = page.frame_locator("iframe[title='Lake health']")
        expect(health.locator("#dates")).to_contain_text(lakes.DAY)
        page.screenshot(path=str(ARTIFACTS / "21-s3-lake-health-tab.png"))


def test_data_docs_paths_stay_inside_the_runs_folder(server):
    base, token, run_id = server
    url = f"{base}/newsflow/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/docs/..%2F..%2Freport.json"
    assert _http(url, token=token)[0] == 404
