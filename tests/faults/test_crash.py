"""SIGKILL at every step boundary, before/inside every write, rename, copy and delete from
``stage_output`` through ``publish``, and at timed moments inside each Delta commit (delta-rs's own I/O);
then: readers see the previous state or nothing (never half), and a rerun puts every landing record in exactly
one dataset, exactly once. Gates use the pure-pandas stand-in (tests/faults/fastgates.py) so the matrix runs in
about a minute."""

from __future__ import annotations

import json
import shutil

import pytest
from faults import fastgates
from faults.crash import run_to_crash
from faults.lakecheck import (
    assert_exactly_once,
    expected_keys,
    leftovers,
    make_landing,
    trusted,
    visible_files_are_whole,
)

from newsflow.pipeline import RunContext, run_all

DAY = "2024-07-01"
OVERRIDES = {"batch_size": 4}
TALLY: dict[str, int] = {"crash_points": 0, "reruns": 0, "lost": 0, "doubled": 0, "killed_mid_commit": 0}


def _uncommitted_files(lake) -> int:
    """Data files no version of their table references: the kill landed inside a commit, after delta-rs
    wrote them and before its log entry (readers never see them; vacuum removes them)."""
    from newsflow.lake import tables
    from newsflow.lake.layout import Lake

    count = 0
    for name in ("articles", "quarantine", "story_clusters", "processed", "signatures", "lsh_bands"):
        root = Lake(lake).table(name)
        if (root / "_delta_log").exists():
            known = set(tables.all_data_files(root))
            count += sum(1 for f in root.rglob("*.parquet") if f.relative_to(root).as_posix() not in known)
    return count


@pytest.fixture(scope="module")
def world(tmp_path_factory, seeds):
    """Gates stubbed for the module; a landing folder; a lake holding a published previous state of DAY."""
    with pytest.MonkeyPatch.context() as mp:
        fastgates.install(mp)
        root = tmp_path_factory.mktemp("faults")
        old_landing = make_landing(root / "landing_v1", seeds, extra=1)
        landing = make_landing(root / "landing", seeds, extra=2)  # v2: one page more than v1
        previous = root / "previous_lake"
        run_all(RunContext.create(str(old_landing), str(previous), DAY, "manual__v1", OVERRIDES))  # also warms imports
        yield {"root": root, "landing": landing, "old_keys": expected_keys(old_landing),
               "keys": expected_keys(landing), "previous": previous, "old_landing": old_landing}
    out = root.parent / "fault-tally.json"
    out.write_text(json.dumps(TALLY))
    print("\nfault tally:", TALLY)


def _points(shard: int, shards: int):
    """Crash points shard+1, shard+1+shards, ...: the shards of one matrix together cover every point, and each
    stops at its first point past the run's end, so xdist can run a long matrix on both cores."""
    n = shard + 1
    while True:
        yield n
        n += shards


def _untouched(lake, state, rerun_scenario: bool) -> bool:
    """The lake is exactly as before the crashed run (only its _staging/ and _quality/ changed)."""
    if rerun_scenario:
        return (state is not None and state["manifest"]["run_id"] == "manual__v1" and not leftovers(lake)
                and not (lake / "articles" / f".date={DAY}.incoming").exists())
    return state is None and not any((lake / d).exists() for d in ("articles", "quarantine", "_state"))


def _crash_then_rerun(world, lake, kind, n, rerun_scenario: bool) -> bool:
    landing = world["landing"]
    crashed = run_to_crash(landing, lake, DAY, f"manual__crash_{kind}_{n}", kind, n, OVERRIDES)
    visible_files_are_whole(lake)
    state = trusted(lake, DAY)
    if state is not None:
        run_id = state["manifest"]["run_id"]
        keys = world["old_keys"] if run_id == "manual__v1" else world["keys"]
        assert_exactly_once(state, keys)  # a complete previous or new state, never half
        if not rerun_scenario:
            assert run_id != "manual__v1"
    if not crashed:
        return False
    TALLY["crash_points"] += 1
    if kind == "inside":
        TALLY["killed_mid_commit"] += _uncommitted_files(lake) > 0
    if kind != "step" and _untouched(lake, state, rerun_scenario):
        return True  # the crash never reached the lake: the step matrix already reruns from this point
    summary = run_all(RunContext.create(str(landing), str(lake), DAY, f"manual__rerun_{kind}_{n}", OVERRIDES))
    TALLY["reruns"] += 1
    state = trusted(lake, DAY)
    assert state and state["manifest"]["run_id"] == summary["run_id"]
    try:
        assert_exactly_once(state, world["keys"])
    except AssertionError:
        TALLY["lost"] += 1
        raise
    assert not leftovers(lake), leftovers(lake)
    for dataset in ("articles", "quarantine"):  # one data file per date in the table's current version
        assert len(state["manifest"]["files"][dataset]) == 1
    return True


# The long matrices (every I/O point, every moment inside a commit) in two shards each; minimum points per shard.
MATRICES = [("step", 0, 1, 13), ("io", 0, 2, 5), ("io", 1, 2, 5), ("mid", 0, 1, 3), ("inside", 0, 2, 13),
            ("inside", 1, 2, 12)]


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["first_run", "rerun_over_published"])
@pytest.mark.parametrize(("kind", "shard", "shards", "minimum"), MATRICES,
                         ids=[f"{kind}-{shard + 1}of{shards}" for kind, shard, shards, _ in MATRICES])
def test_crash_anywhere_then_rerun(world, tmp_path, kind, shard, shards, minimum, scenario):
    tried = 0
    for n in _points(shard, shards):
        lake = tmp_path / f"lake_{n}"
        if scenario == "rerun_over_published":
            shutil.copytree(world["previous"], lake)
        if not _crash_then_rerun(world, lake, kind, n, scenario == "rerun_over_published"):
            break
        tried += 1
        shutil.rmtree(lake)
    assert tried >= minimum, f"only {tried} {kind} crash points in shard {shard + 1} of {shards}"
    print(f"{scenario}/{kind} shard {shard + 1} of {shards}: {tried} crash points")
