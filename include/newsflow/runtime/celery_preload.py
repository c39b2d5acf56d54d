"""Celery configuration for Airflow workers that run newsflow: Airflow's default,
plus the heavy imports done once in the worker's parent process, and the task
supervisor's fix for noticing a task's exit (``task_exit``).

Airflow 3 runs each task in a process forked from the worker, so modules the
worker imported before forking are already loaded in every task. Without this,
each gate task pays Great Expectations' import (6-15 s here) again. Point the
workers (only them) at it: ``AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS=newsflow.runtime.celery_preload.CELERY_CONFIG``.
"""

from __future__ import annotations

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

from newsflow.runtime import task_exit
from newsflow.runtime.preload import preload

preload()
task_exit.install()

CELERY_CONFIG = DEFAULT_CELERY_CONFIG
