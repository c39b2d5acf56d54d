"""What OpenLineage costs a run: ``newsflow run`` on the same landing folder, alternated with lineage on
(the provider's HTTP transport to a receiver on 127.0.0.1) and off, each into a fresh lake, one shared
AIRFLOW_HOME (migrated by a first, untimed run). Prints wall and CPU seconds per run and the on/off ratios
of the medians; ``--json`` writes them too.

    .venv/bin/python bench/lineage_cost.py --landing seeds --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NEWSFLOW = Path(sys.executable).parent / "newsflow"


def receiver() -> tuple[str, list[int], ThreadingHTTPServer]:
    sizes: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            sizes.append(len(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", sizes, server


def one_run(home: Path, landing: Path, lake: Path, url: str | None,
            settings: dict[str, str] | None = None) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW__", "OPENLINEAGE"))}
    env["AIRFLOW_HOME"] = str(home)
    if url:
        env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = json.dumps({"type": "http", "url": url})
        env.update(settings or {})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(NEWSFLOW), "run", "--landing", str(landing), "--lake", str(lake),
                           "--date", "2024-05-01"], env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"newsflow run failed:\n{done.stderr[-3000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--landing", type=Path, default=REPO / "seeds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--on-setting", action="append", default=[], metavar="KEY=VALUE",
                        help="more provider settings for the runs with lineage on, e.g. "
                             "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD=True")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.on_setting)
    url, sizes, server = receiver()
    results: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory(prefix="newsflow-lineage-cost-") as scratch:
        root = Path(scratch)
        one_run(root / "home", args.landing, root / "warm-lake", None)  # migrates the DB; not timed
        for i in range(args.rounds):
            for mode in ("off", "on") if i % 2 == 0 else ("on", "off"):  # alternated: drift hits both
                lake = root / f"lake-{mode}-{i}"
                wall, cpu = one_run(root / "home", args.landing, lake, url if mode == "on" else None, settings)
                results[mode].append((wall, cpu))
                print(f"round {i} lineage {mode}: {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
    server.shutdown()
    medians = {mode: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
               for mode, runs in results.items()}
    ratio_wall = medians["on"][0] / medians["off"][0]
    ratio_cpu = medians["on"][1] / medians["off"][1]
    events = len(sizes) // args.rounds
    print(f"median wall: on {medians['on'][0]:.2f} s, off {medians['off'][0]:.2f} s -> x{ratio_wall:.3f}")
    print(f"median CPU:  on {medians['on'][1]:.2f} s, off {medians['off'][1]:.2f} s -> x{ratio_cpu:.3f}")
    print(f"events per run: {events}, {sum(sizes) // max(args.rounds, 1)} bytes of JSON per run")
    if args.json:
        args.json.write_text(json.dumps({"runs": results, "ratio_wall": ratio_wall, "ratio_cpu": ratio_cpu,
                                         "events_per_run": events}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
