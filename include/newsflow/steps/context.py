"""The run context every step gets: where the run reads and writes, its date, its settings, and the
small stats files steps leave for each other (what XCom does not need to carry)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any, Literal, TypeVar, cast, overload

from newsflow import runrecords, storage
from newsflow.lake.layout import Lake, RunPaths
from newsflow.runrecords import DedupStats, GateRecord, IngestStats, NormaliseStats, PlanStats, StageOutputStats
from newsflow.settings import Settings, load_settings

Stats = TypeVar("Stats", PlanStats, IngestStats, NormaliseStats, DedupStats, StageOutputStats, GateRecord)


@dataclass
class RunContext:
    landing: Any  # a Path, or a UPath / Airflow ObjectStoragePath for object stores
    lake_root: Any
    day: date
    run_id: str
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def create(cls, landing: Any, lake: Any, day: date | str, run_id: str, overrides: dict[str, Any] | None = None,
               storage_options: dict[str, Any] | None = None) -> RunContext:
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

    def save_stats(self, step: str, stats: Stats, batch: int | None = None) -> Stats:
        """Keep a step's stats file (``runrecords``) for the steps after it; returns ``stats``."""
        runrecords.write(self.run.stats_file(step, batch), stats)
        return stats

    @overload
    def load_stats(self, step: Literal["plan"]) -> PlanStats: ...
    @overload
    def load_stats(self, step: Literal["ingest"], batch: int) -> IngestStats: ...
    @overload
    def load_stats(self, step: Literal["normalise"], batch: int) -> NormaliseStats: ...
    @overload
    def load_stats(self, step: Literal["gate_raw", "gate_normalised"], batch: int) -> GateRecord: ...
    @overload
    def load_stats(self, step: Literal["gate_output"]) -> GateRecord: ...
    @overload
    def load_stats(self, step: Literal["dedup"]) -> DedupStats: ...
    @overload
    def load_stats(self, step: Literal["stage_output"]) -> StageOutputStats: ...

    def load_stats(self, step: str, batch: int | None = None) -> runrecords.StepStats:
        """The stats file a step left (typed by step); FileNotFoundError when the step has not run."""
        try:
            return cast(runrecords.StepStats, runrecords.read(self.run.stats_file(step, batch)))
        except FileNotFoundError:
            where = "" if batch is None else f" batch {batch}"
            missing = f"run {self.run_id}{where} has no {step} stats: run the {step} step first"
            raise FileNotFoundError(missing) from None

    def load_plan(self) -> dict[str, Any]:
        try:
            return cast(dict[str, Any], json.loads(storage.read_text(self.run.plan)))
        except FileNotFoundError:
            raise RuntimeError(f"run {self.run_id} has no plan: run the plan step first") from None

    def batches(self) -> list[int]:
        return list(range(self.load_plan()["batches"]))

    def load_batch(self, batch: int) -> list[Any]:
        """The batch's items: landing file keys, and archive parts (dicts)."""
        return cast(list[Any], json.loads(storage.read_text(self.run.batch_plan(batch))))
