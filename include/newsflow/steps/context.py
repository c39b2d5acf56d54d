"""The run context every step gets: where the run reads and writes, its date, its settings, and the
small stats files steps leave for each other (what XCom does not need to carry)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property

from newsflow import storage
from newsflow.lake.layout import Lake, RunPaths
from newsflow.settings import Settings, load_settings


@dataclass
class RunContext:
    landing: object  # a Path, or a UPath / Airflow ObjectStoragePath for object stores
    lake_root: object
    day: date
    run_id: str
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def create(cls, landing, lake, day: date | str, run_id: str, overrides: dict | None = None,
               storage_options: dict | None = None) -> RunContext:
        """``landing`` and ``lake``: paths, ``file://`` or object-store URIs, or path objects."""
        if isinstance(day, str):
            day = date.fromisoformat(day)
        return cls(storage.to_path(landing, storage_options), storage.to_path(lake, storage_options), day, run_id,
                   load_settings(overrides))

    @cached_property
    def lake(self) -> Lake:
        return Lake(self.lake_root)

    @cached_property
    def run(self) -> RunPaths:
        return self.lake.run(self.day, self.run_id)

    @property
    def reference_time(self) -> datetime:
        """'Now' for date checks: the end of the run's day, never the wall clock (reruns reproduce)."""
        return datetime.combine(self.day, time.max, tzinfo=UTC)

    def save_stats(self, step: str, stats: dict, batch: int | None = None) -> dict:
        storage.write_text_atomic(self.run.stats_file(step, batch),
                                  json.dumps(stats, indent=1, sort_keys=True, default=str))
        return stats

    def load_stats(self, step: str, batch: int | None = None) -> dict:
        path = self.run.stats_file(step, batch)
        return json.loads(path.read_text()) if path.exists() else {}

    def load_plan(self) -> dict:
        if not self.run.plan.exists():
            raise RuntimeError(f"run {self.run_id} has no plan: run the plan step first")
        return json.loads(self.run.plan.read_text())

    def batches(self) -> list[int]:
        return list(range(self.load_plan()["batches"]))

    def load_batch(self, batch: int) -> list:
        """The batch's items: landing file keys, and archive parts (dicts)."""
        return json.loads(self.run.batch_plan(batch).read_text())
