"""Imported once by the tests' fork server (``children.py``): what a pipeline run imports lazily, and the
language model. Without it each child pays about 1.2 s of imports, and a crash matrix forks hundreds.
It never starts delta-rs's runtime (importing ``deltalake`` does not), so the server's forks stay safe."""

import datasketch  # noqa: F401
import deltalake  # noqa: F401
import pyarrow.dataset
import pyarrow.parquet  # noqa: F401

import newsflow.dedup.clusters
import newsflow.dedup.history
import newsflow.extract
import newsflow.gates.drift
import newsflow.gates.suites
import newsflow.ingest.ccnews
import newsflow.ingest.stage
import newsflow.normalise.stage
import newsflow.pipeline
import newsflow.report
import newsflow.steps.summary  # noqa: F401
from newsflow.text.language import known_languages

known_languages()
