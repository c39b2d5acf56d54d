"""Where everything lives in the lake. Names starting with ``_`` or ``.`` are
invisible to hive-partitioned readers (pyarrow, DuckDB globs over ``date=*``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
DATASETS = ("articles", "quarantine")


def run_key(run_id: str) -> str:
    """Airflow run ids contain ':' and '+': make them safe as one path component."""
    return _UNSAFE_RE.sub("_", run_id).strip("._") or "run"


@dataclass(frozen=True)
class Lake:
    root: Path

    def partition(self, dataset: str, day: date) -> Path:
        return self.root / dataset / f"date={day.isoformat()}"

    def manifest(self, day: date) -> Path:
        return self.root / "_state" / "published" / f"date={day.isoformat()}.json"

    def ledger(self, day: date) -> Path:
        return self.root / "_state" / "ledger" / f"date={day.isoformat()}.parquet"

    @property
    def ledger_dir(self) -> Path:
        return self.root / "_state" / "ledger"

    def staging(self, key: str) -> Path:
        return self.root / "_staging" / key

    def quality(self, day: date, key: str) -> Path:
        return self.root / "_quality" / f"date={day.isoformat()}" / key
