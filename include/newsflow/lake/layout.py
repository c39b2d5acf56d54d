"""Where everything lives in the lake: the one module that builds lake paths.

```
<lake>/articles/                              Delta table, partitioned by date (data in date=D/*.parquet)
<lake>/quarantine/                            Delta table, partitioned by date
<lake>/story_clusters/                        Delta table, partitioned by date: story clusters (dedup/clusters.py)
<lake>/source_stats/                          Delta table, partitioned by date: the analysts' daily per-source figures
<lake>/_state/processed/                      Delta table: landing records each date processed (who owns a file)
<lake>/_state/signatures/, _state/lsh_bands/  Delta tables: dedup history (signatures, LSH band index)
<lake>/_state/published/date=D.json           the run's completion marker: table versions, counts, files
<lake>/_quality/date=D/<run>/                 gate results, Data Docs, summary, report, drift verdicts
<lake>/_quality/health.html                   the lake health page (trends over the last dates), rewritten at publish
<lake>/_staging/<run>/                        work in progress between tasks
<lake>/_legacy/                               files of the pre-Delta layout, moved aside by `newsflow lake migrate`
```

Names starting with ``_`` or ``.`` are invisible to hive-partitioned readers (pyarrow, DuckDB globs
over ``date=*``, Spark). A run's own paths (staging, quality) hang off ``RunPaths``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import date

from newsflow.columns import DERIVED, PUBLISHED
from newsflow.storage import StorePath

_UNSAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
_DAY_RE = re.compile(r"^date=(\d{4}-\d{2}-\d{2})")
PART_NAME = "part-00000.parquet"


def run_key(run_id: str) -> str:
    """Airflow run ids contain ':' and '+': make them safe as one path component."""
    return _UNSAFE_RE.sub("_", run_id).strip("._") or "run"


def day_folder(day: date) -> str:
    return f"date={day.isoformat()}"


def day_of(name: str) -> date | None:
    """The date of a ``date=YYYY-MM-DD[...]`` file or folder name; None for any other name."""
    match = _DAY_RE.match(name)
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Lake:
    root: StorePath

    def partition(self, dataset: str, day: date) -> StorePath:
        return self.root / dataset / day_folder(day)

    @property
    def run_markers(self) -> StorePath:
        return self.root / "_state" / "published"

    def run_marker(self, day: date) -> StorePath:
        return self.run_markers / f"{day_folder(day)}.json"

    def published_days(self) -> list[date]:
        """Dates with a publish marker, oldest first."""
        if not self.run_markers.exists():
            return []
        return sorted(d for d in (day_of(p.name) for p in self.run_markers.glob("date=*.json")) if d)

    def table(self, name: str) -> StorePath:
        """A Delta table's root: ``articles``, ``quarantine`` and derived tables (``source_stats``) at the top,
        state tables under ``_state``."""
        return self.root / name if name in PUBLISHED or name in DERIVED else self.root / "_state" / name

    @property
    def health_page(self) -> StorePath:
        """The lake health page (``report/health.py``), beside the dates' quality folders."""
        return self.root / "_quality" / "health.html"

    @property
    def legacy(self) -> StorePath:
        return self.root / "_legacy"

    # the pre-Delta layout (read by the migration only)
    @property
    def ledgers(self) -> StorePath:
        return self.root / "_state" / "ledger"

    def ledger(self, day: date) -> StorePath:
        return self.ledgers / f"{day_folder(day)}.parquet"

    @property
    def staging_root(self) -> StorePath:
        return self.root / "_staging"

    def run(self, day: date, run_id: str) -> "RunPaths":
        return RunPaths(self, day, run_id)

    def find_run(self, run_id: str) -> "RunPaths | None":
        """The run's paths, from its ``_quality/date=D/<run>`` folder; None when the run left none."""
        key = run_key(run_id)
        found = sorted((self.root / "_quality").glob(f"date=*/{key}"), key=lambda p: p.parent.name)
        day = day_of(found[-1].parent.name) if found else None
        return RunPaths(self, day, run_id) if day else None

    def relative(self, path: StorePath) -> str:
        """``path`` relative to the lake root (posix), as run markers list files."""
        root, full = str(self.root).rstrip("/"), str(path)
        if not full.startswith(root + "/"):
            raise ValueError(f"{full} is not inside the lake {root}")
        return full[len(root) + 1:]


@dataclass(frozen=True)
class RunPaths:
    """One run's files: its staging area between tasks and its quality folder."""

    lake: Lake
    day: date
    run_id: str

    @property
    def key(self) -> str:
        return run_key(self.run_id)

    @property
    def staging(self) -> StorePath:
        return self.lake.staging_root / self.key

    @property
    def quality(self) -> StorePath:
        return self.lake.root / "_quality" / day_folder(self.day) / self.key

    @property
    def run_marker(self) -> StorePath:
        return self.lake.run_marker(self.day)

    # -- staging: one folder per batch, a Parquet file and a stats file per step
    @property
    def plan(self) -> StorePath:
        return self.staging / "plan.json"

    def batch_dir(self, batch: int) -> StorePath:
        return self.staging / f"batch-{batch:05d}"

    def batch_plan(self, batch: int) -> StorePath:
        """What one batch reads (its landing files and archive spans): one file per batch, so a task
        loads its own part of a plan that may list millions of records."""
        return self.batch_dir(batch) / "plan.json"

    def staged_batches(self) -> list[int]:
        """The batches that have a staging folder (a run that stopped part way)."""
        if not self.staging.exists():
            return []
        return sorted(int(p.name.removeprefix("batch-")) for p in self.staging.iterdir()
                      if p.name.startswith("batch-") and p.name.removeprefix("batch-").isdigit())

    def step_file(self, step: str, batch: int) -> StorePath:
        return self.batch_dir(batch) / f"{step}.parquet"

    def stats_file(self, step: str, batch: int | None = None) -> StorePath:
        return (self.staging if batch is None else self.batch_dir(batch)) / f"{step}.stats.json"

    @property
    def dedup_verdicts(self) -> StorePath:
        return self.staging / "dedup.parquet"

    @property
    def staged_out(self) -> StorePath:
        return self.staging / "out"

    def staged_partition(self, dataset: str) -> StorePath:
        return self.staged_out / dataset / day_folder(self.day)

    def staged_file(self, dataset: str) -> StorePath:
        return self.staged_partition(dataset) / PART_NAME

    @property
    def staged_ledger(self) -> StorePath:
        return self.staged_out / "ledger.parquet"

    def staged_files(self) -> dict[str, StorePath]:
        return {dataset: self.staged_file(dataset) for dataset in PUBLISHED}

    # -- quality: gate evidence and the run report
    @staticmethod
    def gate_name(gate: str, batch: int | None = None) -> str:
        return gate if batch is None else f"{gate}.b{batch:05d}"

    # ``base``: a local folder standing for the quality folder (GX writes local files only)
    def gate_results(self, name: str, base: StorePath = None) -> StorePath:
        return (base or self.quality) / f"{name}.gx.json"

    def data_docs(self, name: str, base: StorePath = None) -> StorePath:
        """The gate's GX Data Docs site (``index.html`` inside)."""
        return self.data_docs_root(base) / name

    def data_docs_root(self, base: StorePath = None) -> StorePath:
        return (base or self.quality) / "data_docs"

    def gate_report(self, name: str) -> StorePath:
        return self.quality / f"{name}.report.json"

    def gate_reports(self, only: str | None = None) -> list[StorePath]:
        """Every gate's report file, or the one named ``only`` (``gate_raw.b00003``)."""
        return sorted(self.quality.glob(f"{only or '*'}.report.json"), key=lambda p: p.name)

    @staticmethod
    def report_name(path: StorePath) -> str:
        return str(path.name).removesuffix(".report.json")

    @property
    def summary(self) -> StorePath:
        return self.quality / "summary.json"

    def from_quality(self, path: StorePath) -> str:
        """A link from the quality folder to ``path`` in the lake (relative, posix: the lake can move)."""
        return posixpath.relpath(self.lake.relative(path), self.lake.relative(self.quality))

    @property
    def drift_report(self) -> StorePath:
        """The drift gate's verdicts (``gates/drift.py``): the ``drift`` section of the run report."""
        return self.quality / "drift.json"

    def from_health(self, path: StorePath) -> str:
        """A link from the lake health page to ``path`` in the lake (relative, posix)."""
        return posixpath.relpath(self.lake.relative(path), self.lake.relative(self.lake.health_page.parent))

    @property
    def report_json(self) -> StorePath:
        return self.quality / "report.json"

    @property
    def report_html(self) -> StorePath:
        return self.quality / "report.html"
