"""Where the tests' pipeline children come from (importable as ``children``): one fork server.

Children that run the pipeline come from a fork server, not from the test process: delta-rs's async
runtime does not survive a fork of a process that already used it, and the test process has. A process
has one fork server, started by the first test that asks, with that test's preload list: so every test asks
through ``context()`` for the same list, or the first one would silently decide the others' start-up cost
(and the hostile run's time budget would include GX's import).
"""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing import forkserver
from multiprocessing.context import ForkServerContext
from pathlib import Path

# ``children_preload``: what every run imports lazily, the language model and GX (the hostile run's time budget
# must not include GX's import); then the test-side child bodies.
PRELOAD = ["children_preload", "faults.crash", "faults.fastgates", "hostile.child"]
TESTS = str(Path(__file__).resolve().parent)


def context() -> ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    # Python 3.11's fork server does not take the parent's sys.path (pytest puts tests/ there, not in the
    # environment) and skips a preload it cannot import without a word: each child then paid ~1 s of
    # imports. So the server starts with tests/ on PYTHONPATH; the test process's environment is restored.
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [TESTS, before]))
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before
    return ctx
