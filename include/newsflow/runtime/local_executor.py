"""Airflow's LocalExecutor with the pipeline loaded once per worker process, before it forks tasks.

Airflow 3's LocalExecutor forks a few long-lived worker processes from the scheduler, and each worker forks
one supervised process per task. A task therefore starts with what its worker had imported: with the stock
executor that is Airflow alone, so every batch task imports the pipeline (deltalake, pyarrow, the extractor,
the language model: about 1.5 s) and every gate task Great Expectations too (about 4 s more), each time.
This executor loads them in each worker once (``preload.preload``, as ``celery_preload`` does for Celery's
worker), after the worker is forked, so the scheduler itself stays as small as before. Its workers also
install ``task_exit``'s fix, so a task's end is noticed when it happens (not up to 5 s later).

Use it where the stock one is named:
``AIRFLOW__CORE__EXECUTOR=newsflow.runtime.local_executor.PreloadingLocalExecutor``.
"""

from __future__ import annotations

import multiprocessing
from typing import Any

from airflow.executors import local_executor


def _run_warm_worker(**kwargs: Any) -> None:
    """A worker: the pipeline loaded first (a failure there is logged, and tasks load what they need), and the
    supervisor's fix for noticing a task's exit (``task_exit``)."""
    import logging

    from newsflow.runtime import task_exit

    task_exit.install()
    try:
        from newsflow.runtime.preload import preload

        preload()
    except Exception:
        logging.getLogger(__name__).exception("preloading the pipeline failed; tasks import it themselves")
    local_executor._run_worker(**kwargs)


class PreloadingLocalExecutor(local_executor.LocalExecutor):
    """``airflow.executors.local_executor.LocalExecutor`` whose workers preload the pipeline."""

    def _spawn_worker(self) -> None:
        process = multiprocessing.Process(target=_run_warm_worker, kwargs={
            "logger_name": self.log.name, "input": self.activity_queue, "output": self.result_queue,
            "unread_messages": self._unread_messages, "team_conf": self.conf})
        process.start()
        assert process.pid is not None  # started
        self.workers[process.pid] = process
