"""The supervisor fix (``runtime/task_exit.py``): a task process that closes its sockets before it exits is
noticed when it exits, not at the supervisor's next wake-up.

The child below makes the kernel's race permanent: it closes every descriptor it holds, then lives a while
longer. The parent drives the supervisor's own loop body (``_service_subprocess``) with a wake-up interval of
an hour. Stock, the call after the last EOF sleeps that hour in a ``select()`` over no socket (the timeout fails
the test); fixed, it returns the exit code when the child exits. Each case runs in a fresh interpreter, so the
patch never leaks into other tests."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHILD = """
import os, sys, time, uuid
import structlog
from airflow.sdk.execution_time import supervisor
from newsflow.runtime import task_exit

if sys.argv[1] == "fixed":
    assert task_exit.install() and task_exit.install()  # idempotent

class Watched(supervisor.WatchedSubprocess):
    decoder = None  # the child sends no request

def task():
    os.closerange(0, 4096)  # every socket to the supervisor gone: EOF on all of them
    time.sleep(0.5)
    os._exit(7)

proc = Watched.start(target=task, id=uuid.uuid4(), logger=structlog.get_logger())
calls = 0
while proc._exit_code is None or proc._open_sockets:
    proc._service_subprocess(max_wait_time=3600)
    calls += 1
print(proc._exit_code, calls)
"""


def _run(mode: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, timeout=timeout)


def test_the_supervisor_notices_the_exit_of_a_process_whose_sockets_closed_first():
    done = _run("fixed", timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    exit_code, calls = done.stdout.split()[-2:]
    assert exit_code == "7"
    assert int(calls) >= 2  # the EOFs first, then the wait on the process itself


def test_the_stock_supervisor_sleeps_on_a_select_over_no_socket():
    """What the fix is for: without it, the same loop is still asleep long after the child has exited."""
    with pytest.raises(subprocess.TimeoutExpired):
        _run("stock", timeout=8)


def test_install_leaves_a_task_sdk_without_the_method_alone(monkeypatch):
    from airflow.sdk.execution_time import supervisor

    from newsflow.runtime import task_exit

    monkeypatch.delattr(supervisor, "WatchedSubprocess")
    assert task_exit.install() is False
