"""CC-NEWS on the Celery stack: one Celery worker against two, on the same day of archives.

    python bench/celery_scale.py [--records 20000] [--per-archive 1000] [--json PATH]

The bench corpus's generated news pages (``corpus.build``: real markup, rewritten text, so no two pages are
near duplicates) are packed as one day of CC-NEWS archives (2024-05-01, ``--per-archive`` HTML responses each,
gzip per record, the month's ``warc.paths.gz``) and served by an HTTP server on 127.0.0.1 in this process. Then
the production topology (``scripts/stack.py``: PostgreSQL metadata DB, CeleryExecutor on Redis, api-server,
scheduler, dag-processor, triggerer) is started twice, with one Celery worker and with two (one task slot
each), and ``news_ingest`` runs the day with ``landing=ccnews`` through the REST API. Each batch is one whole
archive (``ccnews_archives_per_batch``), so the archives are what the workers share out.

Reported: the run's own start -> end seconds for each, their ratio (the issue's goal: two workers >= 1.8x one),
records per second, and the task instances each worker ran. Everything, the control plane included, shares
this machine's cores, as on a small deployment; the figure is wall time, so the machine must be otherwise idle.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "scripts"))

import ccnews_bench  # noqa: E402  (bench/ is on the path above)

DAY = ccnews_bench.DAY


def day_tree(records: int, per_archive: int) -> tuple[Path, dict[str, Any]]:
    """``records`` generated HTML pages as one day of CC-NEWS archives (cached under the bench folder)."""
    root, facts = ccnews_bench.tree(records, per_archive, generated=True)
    return root, {"records": facts["pages"], "archives": facts["archives"], "bytes": facts["bytes"]}


def _machine_cpu() -> tuple[float, float]:
    """(busy, elapsed) CPU time of the whole machine in clock ticks since boot, from /proc/stat; elapsed is
    per core, so busy deltas over elapsed deltas are the cores kept busy."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return float(sum(fields) - idle), sum(fields) / os.cpu_count()


def run_on_stack(workers: int, base: str, scratch: Path, timeout: float) -> dict[str, Any]:
    """Start the stack with ``workers`` Celery workers, run the day once, stop; the run's figures."""
    import stack as stack_script

    lake = scratch / f"lake-{workers}"
    stack = stack_script.Stack(workers=workers, concurrency=1, lake=lake, echo=lambda *a, **k: None)
    try:
        stack.start(timeout=300)
        before = _machine_cpu()
        result = stack.run_dag("ccnews", lake, 1000, timeout=timeout, logical_date=f"{DAY}T00:00:00+00:00",
                               ccnews_base=base)
        after = _machine_cpu()
    finally:
        survivors = stack.stop()
    busy_cores = round((after[0] - before[0]) / (after[1] - before[1]), 2)  # of the machine's, while it ran
    if result.state != "success":
        failed = [f"{t['task_id']}[{t['map_index']}]={t['state']}" for t in result.task_instances
                  if t["state"] != "success"]
        raise SystemExit(f"{workers} worker(s): run {result.run_id} {result.state}: {failed}")
    busy: dict[str, float] = {}
    per_task: dict[str, float] = {}
    for ti in result.task_instances:
        host = ti.get("hostname") or "?"
        busy[host] = round(busy.get(host, 0.0) + (ti.get("duration") or 0.0), 1)
        per_task[ti["task_id"]] = round(per_task.get(ti["task_id"], 0.0) + (ti.get("duration") or 0.0), 1)
    summary = json.loads((lake / "_state" / "published" / f"date={DAY}.json").read_text())
    return {"workers": workers, "run_s": result.run_seconds, "wall_s": round(result.wall_seconds, 1),
            "tasks_per_worker": result.per_worker(), "task_seconds_per_worker": dict(sorted(busy.items())),
            "task_seconds": per_task, "machine_busy_cores": busy_cores,
            "published_marker": {k: summary[k] for k in ("articles", "quarantined") if k in summary},
            "task_instances": [{k: ti.get(k) for k in ("task_id", "map_index", "hostname", "start_date",
                                                        "end_date", "duration")} for ti in result.task_instances],
            "survivors": survivors}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--per-archive", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--skip-without-services", action="store_true",
                        help="print SKIPPED and exit 0 when PostgreSQL or Redis is not there (make bench)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import stack as stack_script
    from ccnews_tree import serve

    if reason := stack_script.services_unavailable():
        if args.skip_without_services:
            print(f"Celery bench SKIPPED: the Celery stack needs PostgreSQL and Redis: {reason}")
            return
        raise SystemExit(f"the Celery stack needs PostgreSQL and Redis: {reason}")
    root, facts = day_tree(args.records, args.per_archive)
    result: dict[str, Any] = {"tree": facts}
    started = time.perf_counter()
    with serve(root) as server, tempfile.TemporaryDirectory(prefix="newsflow-bench-celery-") as scratch:
        runs = [run_on_stack(workers, server.base, Path(scratch), args.timeout) for workers in (1, 2)]
    result["seconds"] = round(time.perf_counter() - started, 1)
    one, two = runs
    result |= {"runs": runs, "speedup_two_over_one": round(one["run_s"] / two["run_s"], 3),
               "records_per_s": {str(r["workers"]): round(args.records / r["run_s"], 1) for r in runs}}
    print(f"CC-NEWS day of {facts['records']} records in {facts['archives']} archives "
          f"({facts['bytes'] / 1e6:.0f} MB) on the Celery stack, over loopback HTTP")
    for r in runs:
        print(f"  {r['workers']} worker(s): run {r['run_s']:.1f} s ({args.records / r['run_s']:.1f} records/s); "
              f"task seconds per worker {r['task_seconds_per_worker']}; machine busy {r['machine_busy_cores']} "
              f"cores; published {r['published_marker']}")
        print(f"    task seconds by task: {r['task_seconds']}")
    print(f"  two workers / one: {result['speedup_two_over_one']}x (goal >= 1.8x)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
