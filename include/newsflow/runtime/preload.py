"""Warm a worker process before it forks tasks (or a benchmark before its clock starts)."""

from __future__ import annotations


def load_pipeline() -> None:
    """The pipeline with its extractor, the language model, the MinHash permutations, GX imported: what
    every run's tasks load, for a process that runs them itself (``newsflow run``) or forks them (Celery's
    parent, the tests' fork server). Not the date fallback's parsers: the bench's 1k pages never reach
    dateparser, whose warm-up costs 0.9 s."""
    import deltalake  # noqa: F401
    import pyarrow.dataset  # noqa: F401

    # every step module (newsflow.pipeline), and the modules the steps import inside their bodies
    import newsflow.dedup.clusters
    import newsflow.dedup.history
    import newsflow.gates.drift
    import newsflow.gates.suites
    import newsflow.ingest.ccnews
    import newsflow.ingest.stage
    import newsflow.pipeline
    import newsflow.report
    import newsflow.steps.summary  # noqa: F401
    from newsflow.dedup.signature import signature
    from newsflow.gates.runner import quiet_gx
    from newsflow.normalise.stage import NormaliseStage  # noqa: F401
    from newsflow.settings import Settings
    from newsflow.text.language import known_languages

    quiet_gx()
    import great_expectations
    import great_expectations.expectations  # noqa: F401

    known_languages()
    signature("warm up", Settings())


def preload() -> None:
    """Everything a batch task would otherwise load on first use, once per worker process (Celery's
    parent before it forks tasks, a benchmark before its clock starts): ``load_pipeline``, the date
    fallback's parsers, and GX warmed by a tiny validation (its templates compiled once, for every forked
    task)."""
    from newsflow.extract.dates import warm_up as warm_up_dates
    from newsflow.gates.runner import preload as preload_gates

    load_pipeline()
    warm_up_dates()
    preload_gates()
