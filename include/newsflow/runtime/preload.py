"""Warm a worker process before it forks tasks (or a benchmark before its clock starts)."""

from __future__ import annotations


def preload() -> None:
    """Everything a batch task would otherwise load on first use, once per worker process (Celery's
    parent before it forks tasks, a benchmark before its clock starts): GX warmed by a tiny
    validation, the pipeline with its extractor (and the date fallback's parsers), the language model, the MinHash permutations."""
    import newsflow.pipeline  # noqa: F401  (every step module, the extractor, the decoders)
    from newsflow.dedup.signature import signature
    from newsflow.extract.dates import warm_up as warm_up_dates
    from newsflow.gates.runner import preload as preload_gates
    from newsflow.normalise.stage import NormaliseStage  # noqa: F401
    from newsflow.settings import Settings
    from newsflow.text.language import known_languages

    preload_gates()
    warm_up_dates()
    known_languages()
    signature("warm up", Settings())
