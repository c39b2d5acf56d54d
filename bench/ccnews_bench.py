"""CC-NEWS: ``newsflow run --landing ccnews`` against a loopback CC-NEWS tree, beside the loops an analyst
would write instead, on the same archives, measured in one run.

    python bench/ccnews_bench.py [--pages 300] [--per-archive 100] [--generated] [--json PATH]

The dev sets' first ``--pages`` real news pages (``corpus.real_pages``; about 1,000 exist), or with
``--generated`` the bench corpus's generated pages (any number: the issue's 3,013), are packed as CC-NEWS archives of
2024-05-01 (warcinfo, then one response record per page, gzip per record, ``--per-archive`` pages each,
named by start time) with the month's ``warc.paths.gz`` listing, and served by an HTTP server on 127.0.0.1
(in this process; its CPU is not counted to anyone). Then, each as one whole process pinned to the same core
(start-up and imports included, as ``pipeline_bench.airflow_run`` times ``newsflow run``):

- ``newsflow run --landing ccnews --ccnews-base <loopback> --date 2024-05-01`` (the real DAG via dag.test();
  a first run on the same Airflow home creates its DB and is not timed);
- the trafilatura loop: warcio streaming each archive over the same HTTP server, ``trafilatura.extract``
  with metadata (JSON output) on every HTML response; run before and after newsflow, their mean the baseline;
- datatrove's own pipelines on the same archives as local files, as the issue ran them: ``WarcReader`` ->
  ``Trafilatura`` -> ``ParquetWriter`` (``plain``); the same with its Gopher repetition and quality filters
  and its C4 filter (``filters``, FineWeb's settings); and that followed by its 4-stage MinHash dedup
  (``minhash``). Its filters tokenize English with spaCy's blank model (installed, no download);
- the pipeline's steps called directly (``run_all``, no Airflow): the per-core rate of the work itself, and
  its peak RSS (VmHWM): what one worker holds while streaming an archive.

Rates are pages per CPU second (per core); ratios are the baseline's CPU seconds over newsflow's for the
same archives. Wall seconds are printed too (the machine is shared: CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tests"))

import pipeline_bench  # noqa: E402  (bench/ is on the path above)

DAY = "2024-05-01"
MONTH = "crawl-data/CC-NEWS/2024/05"
HOSTS = ("www.bbc.co.uk", "www.reuters.com", "apnews.com", "www.theguardian.com", "www.lemonde.fr")


def tree(pages: int, per_archive: int, generated: bool = False) -> tuple[Path, dict[str, Any]]:
    """The CC-NEWS tree of ``pages`` pages (cached under the bench folder): the dev sets' first real news pages,
    or, ``generated``, the bench corpus's generated ones (``corpus.build``: a real page's markup and furniture,
    its text rewritten from its own words, so no two pages are near duplicates), for sizes the ~1,000 real
    news pages cannot reach."""
    root = pipeline_bench.WORK / f"ccnews-{'generated-' if generated else ''}{pages}-{per_archive}"
    marker = root / ".tree.json"
    if marker.exists():
        return root, json.loads(marker.read_text())
    if generated:
        # The corpus mixes in plain-text and broken files (3 % and 10 %); only its HTML pages go into archives.
        landing, _ = pipeline_bench.corpus(int(pages / 0.85) + 1)
        files = sorted(p for p in landing.rglob("page-*") if p.name.endswith((".html", ".html.gz")))[:pages]
    else:
        landing, _ = pipeline_bench.real_corpus(pages)
        files = sorted(landing.rglob("page-*.html"))[:pages]
    if len(files) < pages:
        raise SystemExit(f"the corpus has {len(files)} HTML pages, fewer than {pages}")
    facts = write_day(root, [gzip.decompress(p.read_bytes()) if p.name.endswith(".gz") else p.read_bytes()
                             for p in files], per_archive)
    marker.write_text(json.dumps(facts))
    return root, facts


def write_day(root: Path, pages: list[bytes], per_archive: int) -> dict[str, Any]:
    """``pages`` as the archives of 2024-05-01 (``per_archive`` responses each, named by start time) and the
    month's listing under ``root``; returns the tree's counts."""
    from ccnews_tree import write_archive

    (root / MONTH).mkdir(parents=True, exist_ok=True)
    rels = []
    for number, start in enumerate(range(0, len(pages), per_archive)):
        stamp = f"20240501{number // 60:02d}{number % 60:02d}00"
        rel = f"{MONTH}/CC-NEWS-{stamp}-{number:05d}.warc.gz"
        chosen = [(f"https://{HOSTS[i % len(HOSTS)]}/story/{i:06d}", page)
                  for i, page in enumerate(pages[start:start + per_archive], start=start)]
        write_archive(root / rel, chosen, stamp, extras=False)
        rels.append(rel)
    (root / MONTH / "warc.paths.gz").write_bytes(gzip.compress(("\n".join(rels) + "\n").encode(), mtime=0))
    return {"pages": len(pages), "archives": len(rels), "bytes": sum((root / r).stat().st_size for r in rels)}


def _trafilatura_loop(base: str, root: str) -> None:
    """Child-process body: warcio over each archive streamed from ``base``, trafilatura with metadata."""
    import urllib.request

    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    listing = gzip.decompress(urllib.request.urlopen(f"{base}{MONTH}/warc.paths.gz").read()).decode().split()
    pages = 0
    for rel in listing:
        with urllib.request.urlopen(base + rel) as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type != "response" or "html" not in (record.http_headers.get_header("Content-Type")
                                                                   or ""):
                    continue
                html = record.content_stream().read()
                trafilatura.extract(html, url=record.rec_headers.get_header("WARC-Target-URI"), with_metadata=True,
                                    output_format="json")
                pages += 1
    print(json.dumps({"pages": pages}))


DATATROVE_MODES = ("plain", "filters", "minhash")
DATATROVE_LABELS = {"plain": "reader, trafilatura", "filters": "+ Gopher and C4 filters", "minhash": "+ MinHash dedup"}


def _datatrove(root: str, out: str, mode: str) -> None:
    """Child-process body: datatrove's own pipeline on the archives as local files, as the issue ran it.

    ``plain``: ``WarcReader`` -> ``Trafilatura`` -> ``ParquetWriter``. ``filters``: the same with the Gopher
    repetition and quality filters and the C4 filter before the writer. ``minhash``: ``filters``, then its
    4-stage MinHash dedup (signatures, buckets, clusters, filter) over what the filters kept. Everything runs in
    this process (one task at a time, one worker), so its CPU is this process's. English throughout: datatrove's
    filters tokenize English words with spaCy's blank model, which needs no download."""
    from datatrove.executor import LocalPipelineExecutor

    # from the module itself: the package's __init__ imports its exact-substring dedup, which needs HF tokenizers
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.extractors import Trafilatura
    from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter, GopherRepetitionFilter
    from datatrove.pipeline.readers import ParquetReader, WarcReader
    from datatrove.pipeline.writers import ParquetWriter

    work = Path(out)
    steps: list[Any] = [WarcReader(str(Path(root) / MONTH), glob_pattern="*.warc.gz"),
                        Trafilatura(favour_precision=True)]
    if mode != "plain":
        steps += [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(filter_no_terminal_punct=False)]
    extracted = work / "extracted"
    steps.append(ParquetWriter(str(extracted)))

    def execute(pipeline: list[Any], name: str, tasks: int = 1) -> None:
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1,
                              logging_dir=str(work / "_logs" / name)).run()

    execute(steps, "extract")
    if mode == "minhash":
        config = MinhashConfig()
        execute([ParquetReader(str(extracted)),
                 MinhashDedupSignature(output_folder=str(work / "signatures"), config=config)], "signatures")
        execute([MinhashDedupBuckets(input_folder=str(work / "signatures"), output_folder=str(work / "buckets"),
                                     config=config)], "buckets", tasks=config.num_buckets)
        execute([MinhashDedupCluster(input_folder=str(work / "buckets"), output_folder=str(work / "remove_ids"),
                                     config=config)], "clusters")
        execute([ParquetReader(str(extracted)), MinhashDedupFilter(input_folder=str(work / "remove_ids")),
                 ParquetWriter(str(work / "deduplicated"))], "dedup")
    print(json.dumps({"mode": mode}))


def datatrove_output(out: Path) -> dict[str, int]:
    """What a ``_datatrove`` run wrote (documents after extraction and filters, and after dedup), counted from
    its Parquet files after the timed process has ended, so the count costs it nothing."""
    import pyarrow.parquet as pq

    counts = {"written": pq.ParquetDataset(out / "extracted").read(columns=[]).num_rows}
    if (out / "deduplicated").is_dir():
        counts["deduplicated"] = pq.ParquetDataset(out / "deduplicated").read(columns=[]).num_rows
    return counts


def _direct(base: str, lake: str) -> None:
    """Child-process body: the pipeline's steps in this process (no Airflow); prints the summary's figures
    and this process's peak RSS."""
    from newsflow.ingest.ccnews import CCNewsLanding
    from newsflow.pipeline import RunContext, run_all

    summary = run_all(RunContext.create(CCNewsLanding(base), lake, DAY, "bench__1"))
    print(json.dumps({"articles": summary["articles"], "ingested": summary["ingested"],
                      "ccnews": summary["ccnews"], "peak_rss_mb": pipeline_bench.peak_rss_mb()}))


def big_tree(pages: int, copies: int) -> tuple[Path, dict[str, Any]]:
    """One archive holding the ``pages`` real pages ``copies`` times (distinct URLs): what a worker's memory
    does when the archive grows."""
    from ccnews_tree import write_archive

    root = pipeline_bench.WORK / f"ccnews-big-{pages}x{copies}"
    marker = root / ".tree.json"
    if marker.exists():
        return root, json.loads(marker.read_text())
    landing, _ = pipeline_bench.real_corpus(pages)
    files = sorted(landing.rglob("page-*.html"))[:pages]
    rel = f"{MONTH}/CC-NEWS-20240501000000-00000.warc.gz"
    (root / MONTH).mkdir(parents=True, exist_ok=True)
    chosen = [(f"https://{HOSTS[i % len(HOSTS)]}/story/{copy}-{i:06d}", path.read_bytes())
              for copy in range(copies) for i, path in enumerate(files)]
    write_archive(root / rel, chosen, "20240501000000", extras=False)
    (root / MONTH / "warc.paths.gz").write_bytes(gzip.compress((rel + "\n").encode(), mtime=0))
    facts = {"pages": len(chosen), "archives": 1, "bytes": (root / rel).stat().st_size}
    marker.write_text(json.dumps(facts))
    return root, facts


def _ingest_only(base: str, lake: str) -> None:
    """Child-process body: plan and the ingest task of each batch (what a worker runs while it streams an
    archive); prints the records and this process's peak RSS."""
    from newsflow.ingest.ccnews import CCNewsLanding
    from newsflow.pipeline import RunContext
    from newsflow.steps.batch import ingest
    from newsflow.steps.plan import plan

    ctx = RunContext.create(CCNewsLanding(base), lake, DAY, "bench__rss")
    records = sum(ingest(ctx, batch)["records"] for batch in plan(ctx))
    print(json.dumps({"records": records, "peak_rss_mb": pipeline_bench.peak_rss_mb()}))


def ingest_rss(small: Path, big: Path, env: dict[str, str]) -> dict[str, Any]:
    """Peak RSS of the ingest task on the bench tree's archives and on one archive many times bigger."""
    from ccnews_tree import serve

    out = {}
    for name, root in (("small", small), ("big", big)):
        with serve(root) as server, tempfile.TemporaryDirectory(prefix="newsflow-bench-rss-") as lake:
            timed = pipeline_bench._timed_process([sys.executable, __file__, "_ingest", server.base, lake], env)
        out[name] = _last_json(timed["stdout"]) | {"cpu_s": timed["cpu_s"]}
    return out


def _last_json(stdout: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--per-archive", type=int, default=100)
    parser.add_argument("--generated", action="store_true",
                        help="the bench corpus's generated pages instead of the dev sets' real ones (any --pages)")
    parser.add_argument("--no-datatrove", action="store_true")
    parser.add_argument("--datatrove", nargs="+", choices=DATATROVE_MODES, default=list(DATATROVE_MODES),
                        help="datatrove's pipelines to time (default: all three)")
    parser.add_argument("--rss-copies", type=int, default=4,
                        help="ingest's peak RSS on one archive of the pages this many times over (0: skip)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    from ccnews_tree import serve

    root, facts = tree(args.pages, args.per_archive, args.generated)
    python, newsflow = sys.executable, str(Path(sys.executable).parent / "newsflow")
    result: dict[str, Any] = {"tree": facts, "corpus": "generated" if args.generated else "real",
                              "core": pipeline_bench._one_core()}
    with serve(root) as server, tempfile.TemporaryDirectory(prefix="newsflow-bench-cc-") as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
        env |= {"AIRFLOW_HOME": str(Path(scratch) / "home"), "GX_ANALYTICS_ENABLED": "False"}

        def newsflow_run(lake: str) -> dict[str, Any]:
            timed = pipeline_bench._timed_process([newsflow, "run", "--landing", "ccnews", "--ccnews-base",
                                                   server.base, "--lake", str(Path(scratch) / lake), "--date", DAY,
                                                   "--json"], env)
            stdout = timed.pop("stdout")
            timed["summary"] = json.loads(stdout[stdout.index("{"):])
            return timed

        def loop() -> dict[str, Any]:
            return pipeline_bench._timed_process([python, __file__, "_trafilatura", server.base, str(root)])

        started = time.perf_counter()
        first = newsflow_run("lake-first")
        loops = [loop()]
        run = newsflow_run("lake")
        loops.append(loop())
        direct = pipeline_bench._timed_process([python, __file__, "_direct", server.base,
                                                str(Path(scratch) / "lake-direct")], env)
        datatrove = {} if args.no_datatrove else {
            mode: pipeline_bench._timed_process([python, __file__, "_datatrove", str(root),
                                                 str(Path(scratch) / f"datatrove-{mode}"), mode], env)
            | datatrove_output(Path(scratch) / f"datatrove-{mode}")
            for mode in args.datatrove}
        result["seconds"] = round(time.perf_counter() - started, 1)
    direct_out = _last_json(direct["stdout"])
    pages = _last_json(loops[0]["stdout"])["pages"]
    base_cpu = statistics.mean(t["cpu_s"] for t in loops)
    result |= {
        "pages": pages, "articles": direct_out["articles"], "first_run_wall_s": first["wall_s"],
        "newsflow_run": {"wall_s": run["wall_s"], "cpu_s": run["cpu_s"],
                         "pages_per_cpu_s": round(pages / run["cpu_s"], 2), "published": run["summary"]["articles"],
                         "quarantined": run["summary"]["quarantined"], "ccnews": run["summary"].get("ccnews")},
        "newsflow_direct": {"wall_s": direct["wall_s"], "cpu_s": direct["cpu_s"],
                            "pages_per_cpu_s": round(pages / direct["cpu_s"], 2),
                            "peak_rss_mb": direct_out["peak_rss_mb"], "ccnews": direct_out["ccnews"]},
        "trafilatura_loop": {"cpu_s": [t["cpu_s"] for t in loops], "wall_s": [t["wall_s"] for t in loops],
                             "pages_per_cpu_s": round(pages / base_cpu, 2)},
        "ratio_vs_trafilatura_loop": round(base_cpu / run["cpu_s"], 3),
        "ratio_direct_vs_trafilatura_loop": round(base_cpu / direct["cpu_s"], 3),
    }
    if args.rss_copies:
        big, big_facts = big_tree(args.pages, args.rss_copies)
        result["ingest_rss"] = ingest_rss(root, big, {**os.environ, "GX_ANALYTICS_ENABLED": "False"})
        result["ingest_rss"]["big"]["archive_mb"] = round(big_facts["bytes"] / 1e6, 1)
        result["ingest_rss"]["small"]["archive_mb"] = round(facts["bytes"] / facts["archives"] / 1e6, 1)
    if datatrove:
        result["datatrove"] = {mode: {key: timed[key] for key in ("cpu_s", "wall_s", "written", "deduplicated")
                                      if key in timed} | {"pages_per_cpu_s": round(pages / timed["cpu_s"], 2)}
                               for mode, timed in datatrove.items()}
        result["ratio_vs_datatrove"] = {mode: round(timed["cpu_s"] / run["cpu_s"], 3)
                                        for mode, timed in datatrove.items()}
    _print(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


def _print(r: dict[str, Any]) -> None:
    tree_mb = r["tree"]["bytes"] / 1e6
    print(f"CC-NEWS bench: {r['pages']} {r['corpus']} pages in {r['tree']['archives']} archive(s), {tree_mb:.1f} MB, "
          f"over loopback HTTP; one core (cpu {r['core']}); CPU seconds of whole processes")
    nf, direct, loop = r["newsflow_run"], r["newsflow_direct"], r["trafilatura_loop"]
    print(f"  newsflow run --landing ccnews   CPU {nf['cpu_s']:7.1f} s  wall {nf['wall_s']:7.1f} s  "
          f"{nf['pages_per_cpu_s']:6.1f} pages/CPU s  ({r['articles']} published)")
    print(f"  pipeline steps (no Airflow)     CPU {direct['cpu_s']:7.1f} s  wall {direct['wall_s']:7.1f} s  "
          f"{direct['pages_per_cpu_s']:6.1f} pages/CPU s  peak RSS {direct['peak_rss_mb']:.0f} MB")
    print(f"  trafilatura loop (warcio)       CPU {statistics.mean(loop['cpu_s']):7.1f} s  (runs {loop['cpu_s']})  "
          f"{loop['pages_per_cpu_s']:6.1f} pages/CPU s")
    for mode, dt in r.get("datatrove", {}).items():
        kept = f"  {dt['written']} written" + (f", {dt['deduplicated']} after dedup" if "deduplicated" in dt else "")
        print(f"  datatrove, {DATATROVE_LABELS[mode]:24s} CPU {dt['cpu_s']:7.1f} s  {dt['pages_per_cpu_s']:6.1f} "
              f"pages/CPU s{kept}")
    for name, rss in r.get("ingest_rss", {}).items():
        print(f"  ingest task alone, {name} archives ({rss['archive_mb']} MB each): {rss['records']} records, "
              f"peak RSS {rss['peak_rss_mb']:.0f} MB")
    print(f"  ratio per core: newsflow run {r['ratio_vs_trafilatura_loop']}x the trafilatura loop"
          + "".join(f", {ratio}x datatrove {mode}" for mode, ratio in r.get("ratio_vs_datatrove", {}).items())
          + f"; pipeline steps alone {r['ratio_direct_vs_trafilatura_loop']}x the trafilatura loop")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_trafilatura":
        _trafilatura_loop(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "_datatrove":
        _datatrove(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) > 1 and sys.argv[1] == "_ingest":
        _ingest_only(sys.argv[2], sys.argv[3])
    elif len(sys.argv) > 1 and sys.argv[1] == "_direct":
        _direct(sys.argv[2], sys.argv[3])
    else:
        main()
