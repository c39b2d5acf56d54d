"""Imported once by the tests' fork server (``children.py``): what a run's tasks load (``load_pipeline``, the
same warm-up a Celery worker does before it forks), so each child does not pay about 1 s of imports again; a
crash matrix forks hundreds. Importing ``deltalake`` does not start its runtime, so the server's forks stay
safe. The object-store client's modules too (s3fs, aiobotocore, universal-pathlib: 0.17 s a child), for the
S3 crash matrix: only modules, no client, since a session's event-loop thread does not survive a fork."""

import aiobotocore.session  # noqa: F401
import s3fs  # noqa: F401
import upath  # noqa: F401

from newsflow.runtime.preload import load_pipeline

load_pipeline()
