"""Every tunable in one place. A JSON file named by NEWSFLOW_SETTINGS, or DAG
params, override only the keys they set (trafilatura's settings.cfg idea)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

# Drift expectations (gates/drift.py). Bounds from 30 dates of bench/corpus.py corpora (docs/drift.md):
# warn outside what those normal days reached, fail only where a day cannot be a normal one.
DRIFT_RULES: dict[str, dict[str, Any]] = {
    "volume": {"warn": [0.5, 2.0], "fail": [0.2, None]},
    "source_volume": {"warn": [0.25, 4.0], "fail": None},
    "source_median_words": {"warn": [0.6, 1.67], "fail": [0.3, None]},
    "quarantine_rate": {"warn": [None, 0.1], "fail": [None, 0.3]},
    "reason_rate": {"warn": [None, 0.1], "fail": None},
    "duplicate_rate": {"warn": [None, 0.15], "fail": None},
    "missing_published_at": {"warn": [None, 0.15], "fail": None},
    "missing_authors": {"warn": [None, 0.2], "fail": None},
    "missing_title": {"warn": [None, 0.1], "fail": None},
    "language_share": {"warn": [-0.15, 0.15], "fail": None},
    # the canary per publisher (per source, against its own history; docs/drift.md "A canary per publisher")
    "source_missing_title": {"warn": [None, 0.3], "fail": None},
    "source_missing_authors": {"warn": [None, 0.3], "fail": None},
    "source_missing_published_at": {"warn": [None, 0.3], "fail": None},
    "source_new_templates": {"warn": [None, 0.5], "fail": None},
}


@dataclass(frozen=True)
class Settings:
    # work split: landing files per mapped batch (each batch is one set of mapped tasks). Each batch
    # pays Airflow's per-task overhead (~1.3 s × 4 tasks here) and each gate's fixed GX cost, so
    # batches are large; no step holds a batch's pages at once, so memory does not grow with it.
    # 1,000 keeps 10k pages in 10 batches: enough to share out over two workers.
    batch_size: int = 1000
    # ingest: per-file limits; bigger or slower inputs are quarantined, never truncated
    max_file_bytes: int = 20 * 1024 * 1024
    min_file_bytes: int = 1
    max_decompressed_bytes: int = 50 * 1024 * 1024
    max_jsonl_records: int = 100_000
    # extraction: bounded work per page
    extract_timeout_seconds: float = 20.0
    # normalised gate
    min_text_chars: int = 200
    max_text_chars: int = 2_000_000
    future_grace_days: int = 2
    allowed_languages: tuple[str, ...] = ()  # empty: any ISO 639-1 code the detector knows
    # CC-NEWS (ingest/ccnews.py, docs/ccnews.md): where archives are read from (``--ccnews-base``, DAG param
    # ``ccnews_base``), how many whole archives a batch holds (one: a batch is an archive's ~30k records, and
    # the day's archives spread over the workers), and how a remote read survives transient failures:
    # ``ccnews_retry_attempts`` failures in a row without progress end the archive's task; waits double from
    # ``ccnews_retry_backoff_seconds``, a server's Retry-After is honoured, both capped at the max wait
    ccnews_base: str = "https://data.commoncrawl.org/"
    ccnews_archives_per_batch: int = 1
    ccnews_retry_attempts: int = 6
    ccnews_retry_backoff_seconds: float = 2.0
    ccnews_retry_max_wait_seconds: float = 120.0
    ccnews_timeout_seconds: float = 60.0
    # host filters before extraction (ingest/hosts.py): registered-domain matching, entries inline or
    # ``@file``; empty allow list: every host; deny wins. Filtered records are counted, not quarantined
    hosts_allow: tuple[str, ...] = ()
    hosts_deny: tuple[str, ...] = ()
    # dedup
    near_duplicate_threshold: float = 0.7
    minhash_permutations: int = 128
    shingle_size: int = 5
    # batch gates: above this share of quarantined records the run fails and publishes nothing
    max_quarantine_ratio: float = 0.8
    # drift (gates/drift.py): today's figures against the median of the last ``drift_history_dates``
    # published dates before the run's day; with fewer than ``drift_min_history`` of them (first runs)
    # every verdict is "not enough history" and nothing fails
    drift_history_dates: int = 14
    drift_min_history: int = 5
    # a per-source figure is judged only for sources with this many articles today and as median
    drift_min_source_articles: int = 10
    # False: fail verdicts are reported as warnings and the run publishes (a known holiday, a feed
    # that really changed); DAG param ``drift_enforce``, ``newsflow run --drift-warn-only``
    drift_enforce: bool = True
    # one entry per drift expectation: {"warn": [low, high], "fail": [low, high]} on the figure's
    # ratio (today / trailing median) or difference (today - trailing median, in shares of 0..1), as
    # DRIFT_FIGURES says; null bound: open side; "fail": null makes the expectation warn-only. A JSON
    # override of one expectation replaces that expectation only. Defaults: docs/drift.md
    drift_rules: dict[str, dict[str, Any]] = field(
        default_factory=lambda: {name: dict(rule) for name, rule in DRIFT_RULES.items()},
                              hash=False)  # a dict: Settings stay hashable without it

    def override(self, values: dict[str, Any] | None) -> Settings:
        if not values:
            return self
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"unknown newsflow settings: {', '.join(unknown)}")
        coerced: dict[str, Any] = {}
        for key, value in values.items():
            if value is None:
                continue
            default = getattr(self, key)
            if isinstance(default, dict):  # drift_rules: merged per rule; a misspelt rule is an error
                strange = sorted(set(value) - set(default))
                if strange:
                    raise ValueError(f"unknown drift rules: {', '.join(strange)}")
                coerced[key] = {**default, **value}
            elif isinstance(default, tuple):
                coerced[key] = tuple(value)
            elif isinstance(default, bool):
                coerced[key] = bool(value)
            else:
                coerced[key] = type(default)(value)
        return replace(self, **coerced)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["allowed_languages"] = list(self.allowed_languages)
        data["hosts_allow"], data["hosts_deny"] = list(self.hosts_allow), list(self.hosts_deny)
        return data


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    path = os.environ.get("NEWSFLOW_SETTINGS")
    if path:
        with open(path, encoding="utf-8") as handle:
            settings = settings.override(json.load(handle))
    return settings.override(overrides)
