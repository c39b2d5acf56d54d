"""Dedup against the lake's history: cost of the dedup step with 1 date of history vs many.

    python bench/history_bench.py [--dates 1 30] [--per-date 10000] [--run 10000] [--json PATH]

Builds lakes whose ``_state/signatures`` and ``_state/lsh_bands`` tables hold ``--per-date`` published
documents per date (random 128-value signatures, as the real ones are uniform hashes), writes a
``--run``-document run's staged batch file (1 % of it planted near copies of history documents), then, in
a fresh process per lake that does nothing else, runs what the ``dedup`` step does against the lake: read
the run's column view, the candidate lookup (``known_candidates``: content-hash and LSH-bucket keys in the
band index, then the candidates' signatures) and ``find_duplicates``. Reports the median round's wall and
CPU seconds and that process's peak RSS, and the ratio of the largest history to the smallest (issue 14's
goal: at most 1.2x with 30 dates x 10k documents against 1 date). Lakes are kept between runs (rebuilt when
the index layout changes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from pipeline_bench import peak_rss_mb  # noqa: E402  (bench/ is not a package)

WORK = Path(os.environ.get("NEWSFLOW_BENCH_DIR", Path(tempfile.gettempdir()) / "newsflow-bench")) / "history"
NUM_PERM = 128
FIRST_DAY = date(2024, 1, 1)


def _signatures(rng, n: int):
    import numpy as np

    return rng.integers(0, 1 << 32, size=(n, NUM_PERM), dtype=np.uint64).astype(np.uint32)


def build(lake: Path, dates: int, per_date: int) -> None:
    """A lake holding ``dates`` dates of dedup history (skipped when already built)."""
    import numpy as np
    import pyarrow as pa

    from newsflow.dedup.history import INDEX_FORMAT, write_history
    from newsflow.dedup.history import SIGNED_LEDGER as LEDGER
    from newsflow.lake.layout import Lake
    from newsflow.settings import Settings

    marker = lake / ".built.json"
    built = {"dates": dates, "per_date": per_date, "index_format": INDEX_FORMAT}
    if marker.exists() and json.loads(marker.read_text()) == built:
        return
    shutil.rmtree(lake, ignore_errors=True)  # built by another release (another index layout): build again
    for stale in lake.parent.glob(f"{lake.name}.run-*"):
        stale.unlink()
    rng = np.random.default_rng(7)
    settings = Settings()
    for d in range(dates):
        day = FIRST_DAY + timedelta(days=d)
        matrix = _signatures(rng, per_date)
        ids = [hashlib.sha256(f"doc {d} {i}".encode()).hexdigest()[:32] for i in range(per_date)]  # like doc ids
        ledger = pa.table({
            "source_file": ids, "file_sha256": ids, "source_path": ids, "outcome": ["published"] * per_date,
            "doc_id": ids, "content_sha256": [hashlib.sha256(x.encode()).hexdigest() for x in ids],
            "minhash": pa.array(matrix.astype(np.uint64).tolist(), pa.list_(pa.uint64()))}, schema=LEDGER)
        write_history(Lake(lake), ledger, day, f"bench-{d}", settings)
    marker.write_text(json.dumps(built))


def run_file(lake: Path, run: int) -> Path:
    return lake.parent / f"{lake.name}.run-{run}.parquet"


def prepare(lake: Path, run: int) -> None:
    """The run's staged batch file, as the normalise steps leave it (skipped when already written): random
    signatures, 1 % of them near copies of the lake's first date (the same date in every lake)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from newsflow.lake import tables
    from newsflow.lake.layout import Lake
    from newsflow.lake.staging import write_records
    from newsflow.record import Article

    staged = run_file(lake, run)
    if staged.exists():
        return
    rng = np.random.default_rng(11)
    signatures = _signatures(rng, run)
    sample = tables.read(Lake(lake).table("signatures"), columns=["minhash"],
                         filter=pc.field("date") == pa.scalar(FIRST_DAY, pa.date32()))
    planted = min(run // 100, sample.num_rows)
    for i in range(planted):  # near copies: 90 of 128 values kept
        signatures[i, :90] = np.asarray(sample.column("minhash")[i].as_py(), dtype=np.uint32)[:90]
    records = []
    for i in range(run):
        record = Article(record_id=f"r{i}", source_path=f"run/{i}.html", landing_name="bench", kind="html",
                         size_bytes=1, sha256=f"s{i}")
        record.content_sha256 = hashlib.sha256(f"run {i}".encode()).hexdigest()
        record.minhash = signatures[i].astype(np.uint64).tolist()
        records.append(record)
    write_records(staged, records)
    staged.with_suffix(".json").write_text(json.dumps({"planted": planted}))


def measure(lake: Path, run: int) -> dict:
    """In this (fresh) process, doing nothing else: the dedup step's lake lookups and comparison for the
    prepared ``run``-document run (its peak RSS is the step's, plus the imports)."""
    from newsflow.dedup.find import find_duplicates
    from newsflow.dedup.history import known_candidates
    from newsflow.dedup.view import read_run_view
    from newsflow.lake.layout import Lake
    from newsflow.settings import Settings

    settings = Settings()
    rss_before = peak_rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    # what the dedup step does, minus writing its verdicts: read the run's view, look up the lake, compare
    view = read_run_view([run_file(lake, run)], NUM_PERM)
    known = known_candidates(Lake(lake), date(2030, 1, 1), view.table.column("content_sha256").to_pylist(),
                             view.signatures, view.table.column("signed").to_numpy(zero_copy_only=False), settings)
    lookup_s = time.perf_counter() - wall
    found = find_duplicates(view, known, settings)
    return {"wall_s": time.perf_counter() - wall, "cpu_s": time.process_time() - cpu, "lookup_s": lookup_s,
            "candidates": len(known), "near_duplicates": sum(1 for _, code, _ in found if code == "near_duplicate"),
            "planted": json.loads(run_file(lake, run).with_suffix(".json").read_text())["planted"],
            "peak_rss_mb": peak_rss_mb(), "rss_before_mb": rss_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dates", type=int, nargs="+", default=[1, 30])
    parser.add_argument("--per-date", type=int, default=10_000)
    parser.add_argument("--run", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="measurements per lake (the median is reported)")
    parser.add_argument("--json", type=Path, default=REPO / "artifacts" / "history_bench.json")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.run)))
        return
    if args.prepare:
        prepare(args.prepare, args.run)
        return
    results = {}
    for dates in args.dates:
        lake = WORK / f"lake-{dates}x{args.per_date}"
        started = time.perf_counter()
        build(lake, dates, args.per_date)
        subprocess.run([sys.executable, __file__, "--prepare", str(lake), "--run", str(args.run)], check=True)
        rounds = []
        for _ in range(args.rounds):
            out = subprocess.run([sys.executable, __file__, "--measure", str(lake), "--run", str(args.run)],
                                 capture_output=True, text=True, check=True)
            rounds.append(json.loads(out.stdout.strip().splitlines()[-1]))
        rounds.sort(key=lambda r: r["wall_s"])
        results[dates] = dict(rounds[len(rounds) // 2], build_s=time.perf_counter() - started,
                              history_documents=dates * args.per_date)
        r = results[dates]
        print(f"history {dates:>3} date(s) x {args.per_date}: dedup {r['wall_s']:.2f} s wall ({r['cpu_s']:.2f} s CPU, "
              f"lookup {r['lookup_s']:.2f} s), peak RSS {r['peak_rss_mb']:.0f} MB, {r['candidates']} candidates, "
              f"{r['near_duplicates']}/{r['planted']} planted near copies found")
    small, large = results[min(args.dates)], results[max(args.dates)]
    ratios = {"wall": large["wall_s"] / small["wall_s"], "cpu": large["cpu_s"] / small["cpu_s"],
              "peak_rss": large["peak_rss_mb"] / small["peak_rss_mb"]}
    print(f"{max(args.dates)} dates vs {min(args.dates)}: time x{ratios['wall']:.2f} (CPU x{ratios['cpu']:.2f}, "
          f"{large['cpu_s'] - small['cpu_s']:+.2f} s), peak RSS x{ratios['peak_rss']:.2f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"results": results, "ratios": ratios, "run": args.run,
                                     "per_date": args.per_date}, indent=1))


if __name__ == "__main__":
    main()
