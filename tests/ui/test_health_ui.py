"""The lake health page in a real Airflow UI and as the lake's own file, driven by headless Chromium.

A lake with 14 synthetic dates (tests/histories.py) and then a ``newsflow run`` of the seeds on the next
day, which publishes with a drift warning; ``airflow api-server`` with this repo's plugins; Chromium opens
the DAG's "Lake health" tab, the plugin page, a date's run page (its drift section), and the lake's
``_quality/health.html`` from disk. Screenshots in ``artifacts/ui/``. Nothing may be fetched from outside
the API server (no CDN, no script).
"""

from __future__ import annotations

import shutil
from datetime import date

import histories
import lakes
import pytest
from ui.server import ARTIFACTS, DAG_ID, _http, api_server, browser_page

from newsflow.lake.layout import Lake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(base_url, token, run_id, lake): the API server over a lake of 15 dates; stopped afterwards, always."""
    root = tmp_path_factory.mktemp("health-ui")
    landing = root / "seeds"
    shutil.copytree(lakes.SEEDS, landing)
    lake = root / "lake"
    histories.before(lake, date.fromisoformat(lakes.DAY), histories.SEEDS_LIKE)
    with api_server(root, landing, lake, "api-server-health.log") as (base, token, run_id):
        yield base, token, run_id, lake


def test_health_route_needs_the_api_servers_auth(server):
    base, token, _, _ = server
    url = f"{base}/newsflow/dags/{DAG_ID}/health"
    assert _http(url)[0] in (401, 403)
    status, body = _http(url, token=token)
    assert status == 200 and 'id="trends"' in body and lakes.DAY in body


def test_lake_health_in_the_browser(server, chromium):
    from playwright.sync_api import expect

    base, token, run_id, lake = server
    outside: list[str] = []
    with browser_page(chromium, base, token, "failure-health.png") as page:
        # The DAG page's "Lake health" tab: the plugin page in the UI's iframe.
        page.goto(f"{base}/dags/{DAG_ID}")
        tab = page.locator("a[href$='/plugin/newsflow-lake-health']")
        expect(tab).to_have_text("Lake health")
        tab.click()
        frame = page.frame_locator("iframe[title='Lake health']")
        expect(frame.locator("#dates")).to_contain_text(lakes.DAY)
        expect(frame.locator("#dates")).to_contain_text("warn (")
        page.screenshot(path=str(ARTIFACTS / "10-lake-health-tab.png"))

        # The page on its own: only the API server is asked for anything.
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((base, "data:")) else None)
        page.goto(f"{base}/newsflow/dags/{DAG_ID}/health")
        expect(page.locator("#trends")).to_be_visible()
        for key in ("volume", "quarantine_rate", "duplicate_rate", "missing_published_at", "missing_authors",
                    "missing_title"):
            expect(page.locator(f"#trend-{key} svg.trend")).to_have_count(1)
        # the bounds are drawn: dashed warn and fail lines from the 6th date on (5 dates of history)
        assert page.locator("#trend-volume path.threshold.warn").count() == 2
        assert page.locator("#trend-volume path.threshold.fail").count() == 1
        # today's missing_title point carries the warn verdict the run recorded
        expect(page.locator("#trend-missing_title circle").last).to_have_attribute("fill", "#d08a00")
        expect(page.locator("#sources")).to_contain_text("seeds")
        page.screenshot(path=str(ARTIFACTS / "11-lake-health-page.png"), full_page=True)

        # The runs tab: the drift gate's badge says warn.
        page.goto(f"{base}/newsflow/dags/{DAG_ID}/runs")
        expect(page.locator("#runs .badge.warn")).to_have_text("gate_drift")
        page.goto(f"{base}/newsflow/dags/{DAG_ID}/health")

        # Each date links to its run's quality page, which carries the drift section.
        page.locator("#dates a", has_text=run_id).click()
        expect(page.locator("#drift-status")).to_have_text("drift: warnings, published")
        expect(page.locator("#drift")).to_contain_text("missing_title")
        page.locator("#drift").screenshot(path=str(ARTIFACTS / "12-run-drift-section.png"))
        assert outside == [], outside

        # The lake's own file: the same page, links relative inside the lake.
        health = Lake(lake).health_page
        page.goto(health.as_uri())
        expect(page.locator("#dates")).to_contain_text(lakes.DAY)
        page.screenshot(path=str(ARTIFACTS / "13-lake-health-file.png"), full_page=True)
        page.locator("#dates a").first.click()
        expect(page.locator("#title")).to_contain_text(f"Data quality for {lakes.DAY}")
        expect(page.locator("#drift-status")).to_have_text("drift: warnings, published")

        # GX Data Docs with every request off the machine refused: styled by our fallback, and the
        # pass/fail icons (Font Awesome glyphs online) still drawn
        page.route("**/*", lambda route: route.abort() if route.request.url.startswith("http")
                   else route.continue_())
        docs = Lake(lake).find_run(run_id).data_docs("gate_drift")
        validation = sorted((docs / "validations").rglob("*.html"))[0]
        page.goto(validation.as_uri())
        icons = page.locator(".fa-check-circle, .fa-times")
        assert icons.count() >= 10
        assert {icons.nth(i).evaluate("e => getComputedStyle(e, '::before').content")
                for i in range(icons.count())} == {'"✔"', '"✘"'}
        page.screenshot(path=str(ARTIFACTS / "14-data-docs-offline.png"))

