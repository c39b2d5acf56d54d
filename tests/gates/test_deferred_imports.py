"""``quiet_gx`` defers the modules GX imports for expectations the gates never run (``scipy.stats``,
``altair``): GX still imports, the gates still validate, and the first real use gets the real module."""

import subprocess
import sys

CHILD = """
import sys
from newsflow.gates.runner import quiet_gx
quiet_gx()
import great_expectations, great_expectations.expectations
stub = sys.modules["scipy.stats"]
assert type(stub).__name__ == "_Deferred", type(stub)
from scipy.stats import entropy   # first use: the real module takes its place
import scipy.stats
assert sys.modules["scipy.stats"] is scipy.stats and type(scipy.stats).__name__ == "module"
assert abs(entropy([0.5, 0.5], base=2) - 1.0) < 1e-12
import altair
assert hasattr(altair, "Chart")
print("ok")
"""


def test_deferred_modules_load_on_first_use():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().splitlines()[-1] == "ok"
