"""The hostile run's child process (importable: started from a fork server, see ``test_hostile.py``)."""

from __future__ import annotations

import json
import logging
import resource
import traceback
from pathlib import Path

from newsflow.pipeline import RunContext, run_all


def run(landing: str, lake: str, log: str, root: str, day: str) -> None:
    """One run, real gates, default limits; every log record to ``log``; its own peak RSS growth measured."""
    import os

    out = Path(root)
    code = 1
    try:
        handler = logging.FileHandler(log)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.DEBUG)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        summary = run_all(RunContext.create(landing, lake, day, "manual__hostile"))
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        (out / "summary.json").write_text(json.dumps(summary, default=str))
        (out / "peak_growth_mb").write_text(str(grown))
        code = 0
    except BaseException:
        (out / "error.txt").write_text(traceback.format_exc())
    finally:
        os._exit(code)
