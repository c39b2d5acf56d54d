"""Synthetic lake histories for the drift gate and the health page (importable as ``histories``).

Rows are written straight into the ``articles`` and ``quarantine`` Delta tables through the table layer,
with a publish marker per date, as ``publish`` leaves them: no pipeline run, no wall clock. Every figure is
a function of the date's index, so a history is the same in every run of the tests.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

START = date(2026, 3, 1)
DAYS = 14
TODAY = START + timedelta(days=DAYS)  # the day judged against the 14 before it
INGESTED_AT = datetime(2026, 3, 1, tzinfo=UTC)  # fixed: rows carry it, nothing reads the clock


@dataclass
class Day:
    """What one date published: articles per source with their word count, and quarantined records."""

    sources: dict[str, int] = field(default_factory=lambda: {"a.example": 50, "b.example": 30, "c.example": 20})
    words: dict[str, int] = field(default_factory=lambda: {"a.example": 600, "b.example": 400, "c.example": 800})
    undated: float = 0.1  # share of articles without published_at
    reasons: dict[str, int] = field(default_factory=lambda: {"gate_normalised.text_length": 3})
    duplicates: int = 2
    templates: int = 3  # page templates per source (a section front, a story, a live blog): its fingerprints
    redesigned: tuple[str, ...] = ()  # sources whose pages all use a template no earlier date had
    untitled: dict[str, float] = field(default_factory=dict)  # per source: share of articles without a title

    def varied(self, index: int) -> Day:
        """This day, shifted a little by the date's index (a normal week: volumes ±6 %, words ±5 %)."""
        wobble = (index % 5 - 2) / 100  # -0.02 .. +0.02, three times over
        return Day({s: max(1, round(n * (1 + 3 * wobble))) for s, n in self.sources.items()},
                   {s: round(w * (1 + 2.5 * wobble)) for s, w in self.words.items()}, self.undated,
                   dict(self.reasons), self.duplicates, self.templates, self.redesigned, dict(self.untitled))


def _digest(*parts) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def rows(day: date, spec: Day, run_id: str) -> tuple[list[dict], list[dict]]:
    articles, quarantine = [], []
    for source, count in sorted(spec.sources.items()):
        for i in range(count):
            path = f"{source}/{day}/{i:04d}.html"
            words = spec.words[source] + (i % 7) - 3
            template = f"new-{day}" if source in spec.redesigned else i % spec.templates
            untitled = i < round(count * spec.untitled.get(source, 0.0))
            articles.append({
                "doc_id": _digest("doc", path)[:32], "source": source,
                "title": None if untitled else f"Story {i} from {source}",
                "url": f"https://{source}/{day}/{i:04d}.html",
                "template_fingerprint": _digest("template", source, template)[:16],
                "authors": ["Jane Doe"] if i % 4 else [], "language": "en",
                "published_at": None if i < round(count * spec.undated) else datetime(day.year, day.month, day.day,
                                                                                       tzinfo=UTC),
                "text": "word " * 3, "normalized_text": "word", "word_count": words,
                "content_sha256": _digest("text", path), "source_path": path, "source_sha256": _digest("raw", path),
                "source_bytes": 1000 + words, "run_id": run_id, "ingested_at": INGESTED_AT,
            })
    codes = [code for code, n in sorted(spec.reasons.items()) for _ in range(n)]
    codes += ["dedup.exact_duplicate"] * spec.duplicates
    for i, code in enumerate(codes):
        path = f"bad/{day}/{i:04d}.html"
        quarantine.append({"source_path": path, "stage": code.split(".")[0], "reasons": [f"{code}: synthetic"],
                           "reason_codes": [code], "source_bytes": 10, "run_id": run_id, "ingested_at": INGESTED_AT})
    return articles, quarantine


def _table(dataset: str, data: list[dict], day: date | None):
    import pyarrow as pa

    from newsflow.columns import SCHEMAS, table_schema

    if day is None:  # a staged file: the dataset's schema, no partition column
        return pa.Table.from_pylist(data, schema=SCHEMAS[dataset])
    return pa.Table.from_pylist([dict(r, date=day) for r in data], schema=table_schema(dataset))


def publish_day(lake: Path, day: date, spec: Day) -> None:
    """Commit one date as ``publish`` would: both tables, then the marker with its counts."""
    from newsflow.lake import tables
    from newsflow.lake.layout import Lake

    run_id = f"synthetic__{day}"
    articles, quarantine = rows(day, spec, run_id)
    lake_ = Lake(lake)
    versions = {name: tables.replace_date(lake_.table(name), _table(name, data, day), day, run_id)
                for name, data in (("articles", articles), ("quarantine", quarantine))}
    lake_.run_markers.mkdir(parents=True, exist_ok=True)
    lake_.run_marker(day).write_text(json.dumps({"date": day.isoformat(), "run_id": run_id, "versions": versions,
                                               "articles": len(articles), "quarantined": len(quarantine),
                                               "files": {}}))


def history(lake: Path, days: int = DAYS, spec: Day | None = None) -> list[date]:
    """``days`` normal dates from START: the lake a drift check of TODAY reads."""
    spec = spec or Day()
    written = [START + timedelta(days=i) for i in range(days)]
    for index, day in enumerate(written):
        publish_day(lake, day, spec.varied(index))
    return written


def stage_run(lake: Path, day: date, spec: Day, run_id: str | None = None):
    """A run of ``day`` stopped before publish: its staged output as ``stage_output`` writes it. Returns its
    ``RunContext``."""
    from newsflow import storage
    from newsflow.steps.context import RunContext

    ctx = RunContext.create(str(lake.parent / "landing"), str(lake), day, run_id or f"manual__{day}")
    articles, quarantine = rows(day, spec, ctx.run_id)
    for name, data in (("articles", articles), ("quarantine", quarantine)):
        with storage.parquet_writer(ctx.run.staged_file(name), _table(name, data, None).schema) as writer:
            writer.write_table(_table(name, data, None))
    ctx.run.quality.mkdir(parents=True, exist_ok=True)
    return ctx


# A history shaped like the seeds' run (2 plain-text articles, one quarantined record a date), but with
# titles: a seeds run on top of it publishes with a missing_title warning (tests/gates, tests/ui).
SEEDS_LIKE = Day(sources={"seeds": 2}, words={"seeds": 700}, undated=0.0,
                 reasons={"gate_normalised.boilerplate_phrase": 1}, duplicates=0)


def before(lake: Path, day: date, spec: Day, days: int = DAYS) -> None:
    """``days`` normal dates ending the day before ``day``."""
    for i in range(days):
        publish_day(lake, day - timedelta(days=days - i), spec.varied(i))
