"""The LocalExecutor variant whose workers preload the pipeline (``runtime/local_executor.py``); the real
scheduler runs it in tests/e2e/test_backfill_partitions.py."""

import subprocess
import sys

CHILD = """
import multiprocessing, sys
from newsflow.runtime.local_executor import PreloadingLocalExecutor, _run_warm_worker
from airflow.executors.local_executor import LocalExecutor
assert issubclass(PreloadingLocalExecutor, LocalExecutor)
assert "great_expectations" not in sys.modules and "newsflow.pipeline" not in sys.modules
queue = multiprocessing.SimpleQueue()
queue.put(None)  # the stock worker's poison pill: it returns at once
unread = multiprocessing.Value("I", 0)
_run_warm_worker(logger_name="test", input=queue, output=multiprocessing.Queue(), unread_messages=unread,
                 team_conf=PreloadingLocalExecutor().conf)
print(sorted(m for m in ("great_expectations", "newsflow.pipeline", "deltalake") if m in sys.modules))
from airflow.sdk.execution_time.supervisor import WatchedSubprocess
print(getattr(WatchedSubprocess._service_subprocess, "_newsflow_waits_on_exited_process", False))
"""


def test_a_worker_loads_the_pipeline_and_fixes_the_supervisor_before_it_takes_tasks():
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    *_, loaded, supervisor_fixed = done.stdout.strip().splitlines()
    assert loaded == "['deltalake', 'great_expectations', 'newsflow.pipeline']"
    assert supervisor_fixed == "True"  # runtime/task_exit.py
