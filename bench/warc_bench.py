"""WARC input: what reading archives costs, against the same pages given as .html files, measured in one run.

    python bench/warc_bench.py [--sizes 1000 10000] [--per-archive 5000] [--workers 1 2] [--json PATH]

For each size N, the HTML pages of ``bench/corpus.py``'s N-page corpus are written twice: as .html files
(``pages-N/``), and as CC-NEWS-shaped archives (``warc-N/``: a warcinfo record, then one response record
per page, gzip per record, up to ``--per-archive`` records per archive). Then:

- the reader alone, one core, MB/s of archive bytes: FastWARC iterating and reading every payload
  (HTTP decoded), warcio doing the same, and newsflow's own path (index the archive into record spans,
  read each span, parse it with FastWARC);
- the pipeline end to end on both landings, in a fresh process per run (``pipeline_bench.pipeline_run``),
  1 and 2 workers: the WARC layer's cost is the WARC run's CPU time over the .html run's, minus one;
- peak RSS of each run (compare sizes: the 100k run against the 10k run) and two workers against one.
Ratios are per CPU second as well as per wall second: the machine is shared.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import pipeline_bench  # noqa: E402  (bench/ is on the path above)

WORK = pipeline_bench.WORK


def _pages(landing: Path) -> list[Path]:
    return [p for p in sorted(landing.rglob("page-*")) if p.name.endswith((".html", ".html.gz"))]


def landings(n: int, per_archive: int) -> tuple[Path, Path, dict]:
    """(.html landing, WARC landing, facts) holding the same pages."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    corpus, _ = pipeline_bench.corpus(n)
    html_dir, warc_dir = WORK / f"pages-{n}", WORK / f"warc-{n}-{per_archive}"
    marker = warc_dir / ".corpus.json"
    if marker.exists():
        return html_dir, warc_dir, json.loads(marker.read_text())
    html_dir.mkdir(parents=True, exist_ok=True)
    warc_dir.mkdir(parents=True, exist_ok=True)
    pages = _pages(corpus)
    html_bytes = 0
    for start in range(0, len(pages), per_archive):
        with open(warc_dir / f"CC-NEWS-{start // per_archive:05d}.warc.gz", "wb") as handle:
            writer = WARCWriter(handle, gzip=True)
            writer.write_record(writer.create_warcinfo_record(handle.name, {"software": "newsflow bench"}))
            for path in pages[start:start + per_archive]:
                body = path.read_bytes()
                link = html_dir / path.name
                if not link.exists():
                    os.link(path, link)  # the same bytes, inside the landing root (symlinks out of it are refused)
                if path.suffix == ".gz":
                    body = gzip.decompress(body)
                html_bytes += len(body)
                name = path.name.removesuffix(".gz")
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                   ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(f"https://news.example/{name}", "response",
                                                              payload=io.BytesIO(body), http_headers=http))
    facts = {"pages": len(pages), "html_bytes": html_bytes,
             "warc_bytes": sum(p.stat().st_size for p in warc_dir.glob("*.warc.gz")),
             "archives": len(list(warc_dir.glob("*.warc.gz")))}
    marker.write_text(json.dumps(facts))
    return html_dir, warc_dir, facts


def _timed(fn) -> tuple[float, float, object]:
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - started, time.process_time() - cpu, result


def readers(warc_dir: Path) -> dict:
    """MB/s of archive bytes, one core: every response payload read (HTTP decoded)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType
    from warcio.archiveiterator import ArchiveIterator as WarcioIterator

    from newsflow.ingest import warc

    archives = sorted(warc_dir.glob("*.warc.gz"))
    size = sum(p.stat().st_size for p in archives)

    def fastwarc() -> int:
        count = 0
        for path in archives:
            with open(path, "rb") as handle:
                for record in ArchiveIterator(handle, record_types=WarcRecordType.response, auto_decode="all"):
                    record.reader.read()
                    count += 1
        return count

    def warcio() -> int:
        count = 0
        for path in archives:
            with open(path, "rb") as handle:
                for record in WarcioIterator(handle):
                    if record.rec_type == "response":
                        record.content_stream().read()
                        count += 1
        return count

    def newsflow() -> int:
        count = 0
        for path in archives:
            index = warc.index_archive(path)
            for _span, data in warc.read_spans(path, index.mode, index.spans):
                if warc.parse_record(data, 1 << 30).warc_type == "response":
                    count += 1
        return count

    def newsflow_index() -> int:
        return sum(len(warc.index_archive(path).spans) for path in archives)

    out = {}
    for name, fn in (("fastwarc", fastwarc), ("warcio", warcio), ("newsflow_read", newsflow),
                     ("newsflow_index_only", newsflow_index)):
        wall, cpu, records = _timed(fn)
        out[name] = {"records": records, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                     "mb_per_s": round(size / 1e6 / wall, 1), "mb_per_cpu_s": round(size / 1e6 / cpu, 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--per-archive", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--html", action=argparse.BooleanOptionalAction, default=True,
                        help="also run the .html landing (the baseline of the WARC layer's cost)")
    parser.add_argument("--readers", action=argparse.BooleanOptionalAction, default=True,
                        help="also time the WARC readers alone")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--json", type=Path, default=REPO / "artifacts" / "warc_bench.json")
    args = parser.parse_args()
    from newsflow.settings import Settings

    batch_size = args.batch_size or Settings().batch_size
    results = {}
    for n in args.sizes:
        html_dir, warc_dir, facts = landings(n, args.per_archive)
        entry = {"corpus": facts, "readers": readers(warc_dir) if args.readers else {}, "runs": {}}
        for workers in args.workers:
            for label, landing in (("html", html_dir), ("warc", warc_dir)):
                if label == "html" and not args.html:
                    continue
                run = pipeline_bench.pipeline_run(landing, workers, batch_size)
                entry["runs"][f"{label}-{workers}"] = run
        results[str(n)] = entry
        _print(n, entry)
    _print_scale(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1))
    print(f"\nJSON: {args.json}")


def _print(n: int, entry: dict) -> None:
    facts = entry["corpus"]
    print(f"\n== N = {n}: {facts['pages']} pages, {facts['html_bytes'] / 1e6:.0f} MB of HTML, "
          f"{facts['archives']} archive(s) of {facts['warc_bytes'] / 1e6:.0f} MB ==")
    print("reader alone, one core (MB/s of archive bytes, wall / CPU):")
    for name, row in entry["readers"].items():
        print(f"  {name:22} {row['mb_per_s']:8.1f} / {row['mb_per_cpu_s']:8.1f}   ({row['records']} records)")
    runs = entry["runs"]
    for key, run in runs.items():
        print(f"  pipeline, {key:10} wall {run['wall_s']:7.1f} s  CPU {run['cpu_s']:7.1f} s  "
              f"{facts['pages'] / run['wall_s']:6.1f} pages/s  peak RSS {run['peak_rss_mb']:6.0f} MB  "
              f"{run['articles']} published / {run['quarantined']} quarantined")
        by_step = run["steps_peak_rss_mb"].items()
        print("    peak RSS by step (MB): " + ", ".join(f"{step} {mb:.0f}" for step, mb in by_step))
    for workers in ("1", "2"):
        html, warc = runs.get(f"html-{workers}"), runs.get(f"warc-{workers}")
        if html and warc:
            print(f"WARC layer cost, {workers} worker(s): CPU x{warc['cpu_s'] / html['cpu_s']:.3f}, "
                  f"wall x{warc['wall_s'] / html['wall_s']:.3f} of the .html run (goal: at most x1.10); "
                  f"ingest step {warc['steps_s'].get('ingest', 0):.1f} s vs {html['steps_s'].get('ingest', 0):.1f} s, "
                  f"plan {warc['steps_s'].get('plan', 0):.1f} s vs {html['steps_s'].get('plan', 0):.1f} s")
    if "warc-1" in runs and "warc-2" in runs:
        print(f"two workers / one (WARC): {runs['warc-1']['wall_s'] / runs['warc-2']['wall_s']:.2f}x (goal >= 1.7x)")


def _print_scale(results: dict) -> None:
    """The scale goal: the largest size's peak RSS against the one before it, on the same worker count."""
    sizes = sorted(results, key=int)
    if len(sizes) < 2:
        return
    small, large = results[sizes[-2]]["runs"], results[sizes[-1]]["runs"]
    for key in sorted(set(small) & set(large)):
        print(f"peak RSS, {key}: {sizes[-1]} vs {sizes[-2]} records: "
              f"x{large[key]['peak_rss_mb'] / small[key]['peak_rss_mb']:.2f} (goal <= x1.20)")


if __name__ == "__main__":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    main()
