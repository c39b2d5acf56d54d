"""Where the tests find the repo, the seeds and shared/ (importable as ``paths``: pytest's pythonpath
includes tests/). The one place these are defined; conftest, helpers and tests import them."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO / "seeds"
SHARED = REPO.parent / "shared"
