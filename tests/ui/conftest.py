"""Fixtures of the browser tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from paths import REPO
from ui.server import CHROMIUM


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():  # CI on a fresh machine: install Debian's package (root there)
        subprocess.run(["bash", str(REPO / "scripts" / "ensure-chromium.sh")], check=True, timeout=900)
    return CHROMIUM
