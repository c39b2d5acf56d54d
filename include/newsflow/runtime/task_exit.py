"""Airflow's task supervisor, made to notice a finished task process at once.

A worker runs each task in a process forked by a supervisor (``airflow.sdk.execution_time.supervisor``). The
supervisor waits in ``select()`` over the task's sockets (stdout, stderr, logs, requests) for at most ``[workers]
min_heartbeat_interval`` (5 s) at a time, and after each wake-up asks whether the process has exited. The kernel
closes an exiting process's sockets a moment before it makes the process reapable. So the wake-up on the last
EOF can come too early: the process is not reapable yet, and no socket is left to wake the supervisor. It then
sleeps out the whole interval in a ``select()`` over nothing. That happens when the cores are busy: on the Celery
stack with two workers on two cores, 16 of 85 tasks ended 5.0 s after their last log line, and the workers were idle
for a fifth of the run.

``install()`` changes one thing: while no socket is left and the exit code is unknown, the supervisor waits on
the process itself, for the same interval, instead of on an empty ``select()``. The wait returns when the
process exits. Everything else stays as before: heartbeats, kill escalation and its timeouts (a wait still lasts
at most ``max_wait_time``). psutil and ``Popen`` keep the exit code, so the stock exit check that follows finds it.
Workers install it when they preload (``celery_preload``, ``local_executor``).
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

_INSTALLED = "_newsflow_waits_on_exited_process"


def install() -> bool:
    """Patch ``WatchedSubprocess._service_subprocess`` (idempotent). Returns False if the Task SDK no longer
    has the method this relies on (it is then left alone)."""
    from airflow.sdk.execution_time import supervisor

    watched = getattr(supervisor, "WatchedSubprocess", None)
    original = getattr(watched, "_service_subprocess", None)
    if watched is None or original is None:
        return False
    if getattr(original, _INSTALLED, False):
        return True

    @functools.wraps(original)
    def service_subprocess(self: Any, max_wait_time: float, *args: Any, **kwargs: Any) -> int | None:
        if self._exit_code is None and not self.selector.get_map():
            # every socket has closed: only the process's exit is left to wait for
            with contextlib.suppress(self._process.TimeoutExpired):
                self._process.wait(timeout=max(0.01, max_wait_time))
            max_wait_time = 0
        result: int | None = original(self, max_wait_time, *args, **kwargs)
        return result

    setattr(service_subprocess, _INSTALLED, True)
    watched._service_subprocess = service_subprocess
    return True
