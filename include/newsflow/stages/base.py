"""The stage contract (datatrove-style).

A stage takes records and yields the same records, in order, never fewer: a
record it cannot accept is marked with a ``Reject`` (stage + reason) and passed
on so the writer can quarantine it. Each stage counts what it did.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from newsflow.record import Article
from newsflow.runrecords import StageCounts

LOGGER = logging.getLogger(__name__)


@dataclass
class StageStats:
    name: str
    records_in: int = 0
    records_out: int = 0
    rejected: int = 0
    seconds: float = 0.0
    counters: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> StageCounts:
        return StageCounts(name=self.name, records_in=self.records_in, records_out=self.records_out,
                           rejected=self.rejected, seconds=round(self.seconds, 4),
                           counters=dict(sorted(self.counters.items())), reasons=dict(sorted(self.reasons.items())))


class Stage:
    """Base class: subclasses implement ``process`` for one live record.

    Records already rejected upstream skip ``process`` unless the stage sets
    ``sees_rejected`` (checks that add every reason, not only the first).
    """

    name: str = "stage"
    sees_rejected: bool = False

    def __init__(self) -> None:
        self.stats = StageStats(self.name)

    def process(self, record: Article) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def run(self, records: Iterable[Article]) -> Iterator[Article]:
        stats = self.stats
        for record in records:
            stats.records_in += 1
            before = len(record.rejects)
            if self.sees_rejected or not record.rejected:
                started = time.perf_counter()
                try:
                    self.process(record)
                except Exception as exc:  # a stage bug must not lose the record
                    LOGGER.exception("stage %s failed on %s", self.name, record.source_path)
                    record.reject(self.name, "stage_error", f"{type(exc).__name__}: {exc}"[:500])
                stats.seconds += time.perf_counter() - started
            new = record.rejects[before:]
            if new:
                stats.rejected += 1
                for reason in new:
                    stats.reasons[reason.code] += 1
            stats.records_out += 1
            yield record


def run_stages(records: Iterable[Article], stages: list[Stage]) -> Iterator[Article]:
    stream: Iterable[Article] = records
    for stage in stages:
        stream = stage.run(stream)
    yield from stream
