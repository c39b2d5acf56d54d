"""Crash injection: run the pipeline's steps in a forked child that SIGKILLs itself at a chosen point.

Points are either a step boundary (``("step", i)``: after the i-th step call) or an I/O event from
``stage_output`` on (``("io", n)``: before the n-th write/rename/copy/delete; ``("mid", n)``: the
n-th copy or atomic write is left half done, then the process dies), or a moment inside a Delta commit
(``("inside", n)``: a killer process SIGKILLs the run a few milliseconds into one of delta-rs's calls,
while it writes data files or its log entry; delta-rs holds the GIL, so the killer is not a thread).
``run_to_crash`` returns True when the point was reached (the child died by SIGKILL), False when the run
finished first: the enumeration stops there, so every event of the run is covered.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
import traceback
from pathlib import Path

from newsflow import pipeline, storage
from newsflow.pipeline import RunContext


def steps(ctx: RunContext) -> list:
    """The DAG's task calls in order, as (name, thunk); batches are known after ``plan``."""
    calls = [("plan", lambda: pipeline.plan(ctx))]
    calls.append(("batches", None))  # expanded after plan ran
    calls += [("dedup", lambda: pipeline.dedup(ctx)), ("stage_output", lambda: pipeline.stage_output(ctx)),
              ("gate_output", lambda: pipeline.gate_output(ctx)), ("publish", lambda: pipeline.publish(ctx))]
    return calls


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _half(source: Path, target: Path) -> None:
    data = Path(source).read_bytes()
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_bytes(data[: len(data) // 2])


# Delays after a Delta call starts (the killer's own start adds a millisecond or two): a commit of the test's
# small tables takes a few milliseconds, so these land before, while or just after delta-rs writes data files
# and its log entry (about 1 kill in 12 leaves data files no log entry names: caught mid-commit); a point
# that lands after the run's end still counts (the run waits for it).
INSIDE_DELAYS_S = (0.0, 0.001, 0.002, 0.004, 0.007, 0.012)


class _Events:
    def __init__(self, mode: str, target: int) -> None:
        self.mode, self.target, self.count, self.armed = mode, target, 0, False
        self.calls = 0
        self.killer = None

    def inside(self) -> None:
        """One Delta call starts; at the target call, a killer process fires after the target delay."""
        if not self.armed:
            return
        self.calls += 1
        call, delay = divmod(self.target - 1, len(INSIDE_DELAYS_S))
        if self.calls == call + 1:
            import subprocess

            self.killer = subprocess.Popen(["sh", "-c", f"sleep {INSIDE_DELAYS_S[delay]}; kill -9 {os.getpid()}"])

    def hit(self, copy=None) -> None:
        """One I/O event; ``copy()`` leaves the half-done result when the mode is 'mid'."""
        if not self.armed or self.mode == "inside":
            return
        if self.mode == "mid" and copy is None:
            return  # only copies and atomic writes have a middle
        self.count += 1
        if self.count == self.target:
            if self.mode == "mid":
                copy()
            _die()


def _patch_io(events: _Events) -> None:
    import pyarrow.parquet as pq

    real_replace, real_copytree, real_copyfile = os.replace, shutil.copytree, shutil.copyfile
    real_rmtree, real_unlink, real_write_table = shutil.rmtree, Path.unlink, pq.ParquetWriter.write_table
    real_atomic = storage.write_text_atomic

    def replace(src, dst, *a, **k):
        events.hit()
        return real_replace(src, dst, *a, **k)

    def copytree(src, dst, *a, **k):
        def half():
            for file in Path(src).rglob("*"):
                if file.is_file():
                    _half(file, Path(dst) / file.relative_to(src))
        events.hit(half)
        return real_copytree(src, dst, *a, **k)

    def copyfile(src, dst, *a, **k):
        events.hit(lambda: _half(src, dst))
        return real_copyfile(src, dst, *a, **k)

    def rmtree(path, *a, **k):
        events.hit()
        return real_rmtree(path, *a, **k)

    def unlink(self, *a, **k):
        events.hit()
        return real_unlink(self, *a, **k)

    def write_table(self, *a, **k):
        events.hit()
        return real_write_table(self, *a, **k)

    def atomic(path, text):
        def half():
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(text[: len(text) // 2])
        events.hit(half)
        return real_atomic(path, text)

    # Delta commits happen inside delta-rs (Rust), out of reach of these patches: each one is an event
    # before it starts and after it returns (a commit itself is one put-if-absent of its log entry).
    import newsflow.lake.tables as tables

    def around(real):
        def call(*a, **k):
            if events.mode == "inside":
                events.inside()
                return real(*a, **k)
            events.hit()
            result = real(*a, **k)
            events.hit()
            return result
        return call

    tables.replace_date, tables.claim = around(tables.replace_date), around(tables.claim)
    tables.replace_date_streamed = around(tables.replace_date_streamed)
    os.replace, shutil.copytree, shutil.copyfile, shutil.rmtree = replace, copytree, copyfile, rmtree
    Path.unlink, pq.ParquetWriter.write_table = unlink, write_table
    storage.write_text_atomic = atomic


def _child(ctx: RunContext, kind: str, n: int) -> None:
    events = _Events(kind, n)
    if kind in ("io", "mid", "inside"):
        _patch_io(events)
    done = 0

    def boundary() -> None:
        nonlocal done
        done += 1
        if kind == "step" and done == n:
            _die()

    for name, call in steps(ctx):
        if name == "batches":
            for batch in ctx.batches():
                for step in pipeline.BATCH_STEPS:
                    pipeline.run_step(step, ctx, batch)
                    boundary()
            continue
        if name == "stage_output":
            events.armed = True
        call()
        boundary()
    if events.killer is not None:  # the target commit was reached: the kill comes, wherever the run is
        events.killer.wait()
        time.sleep(5)


def _entry(landing: str, lake: str, day: str, run_id: str, kind: str, n: int, overrides: dict | None,
           storage_options: dict | None) -> None:
    from faults import fastgates

    fastgates.install()
    ctx = RunContext.create(landing, lake, day, run_id, overrides, storage_options)
    try:
        _child(ctx, kind, n)
    except BaseException:
        traceback.print_exc()
        os._exit(3)


def run_to_crash(landing, lake, day: str, run_id: str, kind: str, n: int, overrides: dict | None,
                 storage_options: dict | None = None) -> bool:
    """A child runs every step and kills itself at point (kind, n). True if it died there.

    The child comes from the tests' fork server (``children.py``), not from this process."""
    import children

    child = children.context().Process(target=_entry, args=(str(landing), str(lake), day, run_id, kind, n, overrides,
                                                 storage_options))
    child.start()
    child.join()
    if child.exitcode == -signal.SIGKILL:
        return True
    assert child.exitcode == 0, f"the child failed (not by the injected crash) at {kind} {n}: exit {child.exitcode}"
    return False
