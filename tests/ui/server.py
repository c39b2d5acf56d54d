"""What the browser tests share: Chromium (Debian's), a throw-away Airflow (``newsflow run`` on a landing
folder into a lake, then ``airflow api-server`` with this repo's plugins on a free port), small HTTP helpers.
Importable as ``ui.server``."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import lakes
from paths import REPO

BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "artifacts" / "ui"
DAG_ID = "news_ingest"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """SIGINT to the server's process group (its workers too), then SIGKILL."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _http(url: str, data: dict | None = None, token: str | None = None) -> tuple[int, str]:
    headers = {"Content-Type": "application/json"} if data is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@contextmanager
def api_server(root: Path, landing: Path | str, lake: Path | str, log_name: str, conn_id: str = "",
               env_extra: dict[str, str] | None = None):
    """(base_url, token, run_id): ``newsflow run`` of ``landing`` into ``lake`` (folders, or object-store URIs
    read through the Airflow connection ``conn_id``, which ``env_extra`` may define) with a fresh Airflow home
    under ``root``, then the API server over it; stopped afterwards, always (its log kept as ``log_name``)."""
    home = root / "airflow"
    home.mkdir()
    env = {**os.environ, "AIRFLOW_HOME": str(home), "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
           "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
           "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"), "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__AUTH_MANAGER":
           "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin", "NEWSFLOW_LAKE": str(lake),
           "GX_ANALYTICS_ENABLED": "False", **(env_extra or {})}
    done = subprocess.run([str(BIN / "newsflow"), "run", "--landing", str(landing), "--lake", str(lake),
                           "--date", lakes.DAY, "--json", *(["--conn-id", conn_id] if conn_id else [])],
                          env=env, cwd=root, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    run_id = json.loads(done.stdout[done.stdout.index("{"):])["run_id"]

    port = _free_port()
    with open(root / "api-server.log", "w") as log:
        proc = subprocess.Popen([str(BIN / "airflow"), "api-server", "--port", str(port), "--host", "127.0.0.1"],
                                env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while True:
                if proc.poll() is not None:
                    raise AssertionError("api-server exited:\n" + (root / "api-server.log").read_text()[-3000:])
                try:
                    if _http(base + "/api/v2/monitor/health")[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("api-server did not answer:\n" + (root / "api-server.log").read_text()[-3000:])
                time.sleep(2)
            passwords = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())
            status, body = _http(base + "/auth/token", {"username": "admin", "password": passwords["admin"]})
            assert status in (200, 201), body
            yield base, json.loads(body)["access_token"], run_id
        finally:
            _stop(proc)
            log.flush()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / "api-server.log", ARTIFACTS / log_name)


@contextmanager
def browser_page(chromium: Path, base: str, token: str, failure_shot: str):
    """A headless Chromium page logged in to the API server (its ``_token`` cookie), with patient timeouts
    (a busy 2-core CI machine renders slowly); on a failure, a full-page screenshot ``failure_shot`` in
    ``artifacts/ui/``; the browser closed afterwards, always."""
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROME_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 1000})
            context.add_cookies([{"name": "_token", "value": token, "url": base}])
            page = context.new_page()
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)
            try:
                yield page
            except Exception:
                page.screenshot(path=str(ARTIFACTS / failure_shot), full_page=True)
                raise
        finally:
            browser.close()


def open_plugin_tab(page, slug: str, label: str = "Data quality") -> None:
    """Click the plugin's tab (``/plugin/<slug>``) once the UI has rendered it, and wait for the UI to go
    there: a click that lands while the page is still starting up is lost (the page stays on Overview)."""
    import re

    from playwright.sync_api import expect

    tab = page.locator(f"a[href$='/plugin/{slug}']")
    expect(tab).to_have_text(label)
    tab.click()
    expect(page).to_have_url(re.compile(rf"/plugin/{re.escape(slug)}$"))
