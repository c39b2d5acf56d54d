"""Imported once by the tests' fork server (``children.py``): what a run's tasks load (``load_pipeline``, the
same warm-up a Celery worker does before it forks), so each child does not pay about 1 s of imports again; a
crash matrix forks hundreds. Importing ``deltalake`` does not start its runtime, so the server's forks stay
safe."""

from newsflow.runtime.preload import load_pipeline

load_pipeline()
