"""SIGKILL at every step boundary and every I/O point we can reach (staged writes, every Delta commit, the
run marker) of a run on S3 (moto's server on loopback), then a rerun: nothing lost, nothing doubled, and a
date's marker always matches what its tables show. Gates use the pure-pandas stand-in."""

from __future__ import annotations

import json
from datetime import date

import pyarrow.compute as pc
import pytest
from faults import fastgates
from faults.crash import run_to_crash

from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.pipeline import RunContext, run_all
from newsflow.storage import to_path

DAY = "2024-07-01"
LANDING = "s3://landing-bucket/seeds"
KEYS = 3  # the seeds: two articles and one quarantined record


def _rows(lake, dataset):
    table = tables.read(lake.table(dataset), filter=pc.field("date") == date.fromisoformat(DAY))
    return [] if table is None else table.column("source_path").to_pylist()


def _untouched(fs, uri: str) -> bool:
    """The crash came before the run wrote anything a reader or a rerun looks at (only ``_staging/`` and
    ``_quality/``, under the crashed run's id): the step matrix already reruns from that state."""
    prefix = uri.removeprefix("s3://")
    return not any(fs.exists(f"{prefix}/{folder}") for folder in ("articles", "quarantine", "_state"))


def _check_marker_matches_tables(lake) -> None:
    marker = lake.run_marker(date.fromisoformat(DAY))
    if not marker.exists():
        return
    run_marker = json.loads(marker.read_text())
    assert len(_rows(lake, "articles")) == run_marker["articles"], "a reader of the table sees a partial date"
    assert len(_rows(lake, "quarantine")) == run_marker["quarantined"]


# Every I/O point on S3 in three shards (points shard+1, shard+1+shards, ...), so xdist spreads the longest
# matrix of the suite over both cores; each shard stops at its first point past the run's end.
MATRICES = [("step", 0, 1, 10), ("io", 0, 3, 4), ("io", 1, 3, 3), ("io", 2, 3, 3)]


@pytest.mark.slow(minutes=1.5)
@pytest.mark.parametrize(("kind", "shard", "shards", "minimum"), MATRICES,
                         ids=[f"{kind}-{shard + 1}of{shards}" for kind, shard, shards, _ in MATRICES])
def test_crash_anywhere_on_s3_then_rerun(s3, kind, shard, shards, minimum, monkeypatch):
    fastgates.install(monkeypatch)
    options = s3["options"]
    points = 0
    for n in range(shard + 1, 200, shards):
        uri = f"s3://lake-bucket/lake-{kind}-{n}"
        crashed = run_to_crash(LANDING, uri, DAY, f"manual__crash_{n}", kind, n, {"batch_size": 2}, options)
        lake = Lake(to_path(uri, options))
        _check_marker_matches_tables(lake)
        if not crashed:
            break
        points += 1
        s3["fs"].invalidate_cache()
        if kind == "io" and _untouched(s3["fs"], uri):
            continue
        summary = run_all(RunContext.create(LANDING, uri, DAY, f"manual__rerun_{n}", {"batch_size": 2}, options))
        _check_marker_matches_tables(lake)
        published, quarantined = _rows(lake, "articles"), _rows(lake, "quarantine")
        assert (summary["articles"], summary["quarantined"]) == (len(published), len(quarantined)) == (2, 1)
        assert len(set(published + quarantined)) == KEYS, "a record lost or doubled"
    print(f"s3/{kind} shard {shard + 1} of {shards}: {points} crash points")
    assert points >= minimum, f"only {points} {kind} crash points on S3 in shard {shard + 1} of {shards}"
