"""The benchmark itself runs (make bench is not a test, but a broken harness must not wait for the next
person who needs numbers): a tiny corpus through every part of it, and its JSON says what it measured."""

import json
import os
import subprocess
import sys

import pytest
from paths import REPO

DEV_SET = REPO.parent / "shared" / "benchmarks" / "zyte-article-extraction"


@pytest.mark.slow(minutes=1.5)
def test_bench_smoke(tmp_path):
    if not (DEV_SET / "ground-truth.json").is_file():
        pytest.skip(f"dev set absent: {DEV_SET} (the corpus is built from its page shapes)")
    out = tmp_path / "bench.json"
    env = {**os.environ, "NEWSFLOW_BENCH_DIR": str(tmp_path / "work")}
    run = subprocess.run([sys.executable, str(REPO / "bench" / "pipeline_bench.py"), "--sizes", "12", "20",
                          "--workers", "1", "2", "--batch-size", "5", "--airflow", "--real-pages", "6",
                          "--import-repeat", "1", "--json", str(out)],
                         env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert set(report["sizes"]) == {"12", "20"} and "rss_growth" in report
    for size, entry in report["sizes"].items():
        n = int(size)
        assert set(entry["baselines"]) == {"newsflow_extract", "trafilatura", "bs4_get_text"}
        assert all(row["pages_per_cpu_s"] > 0 for row in entry["baselines"].values())
        for workers in ("1", "2"):
            result = entry["runs"][workers]
            assert result["ingested"] == n  # every file read, bad ones included (they end in quarantine)
            assert result["articles"] + result["quarantined"] == result["ingested"]
            assert result["articles"] > 0 and result["batches"] == -(-n // 5)
            assert set(result["stages_s"]) == {"ingest", "normalise", "validate", "write"}
            # gx_s sums the workers' GX seconds: with two workers it may exceed the run's wall time
            assert 0 < result["gx_s"] < result["wall_s"] * int(workers) and result["peak_rss_mb"] > 0
            # each once-per-run step's own peak (VmHWM reset before it), and the batch workers' when forked
            by_step = result["steps_peak_rss_mb"]
            assert {"plan", "dedup", "stage_output", "gate_output", "publish"} <= set(by_step)
            assert ("workers" in by_step) == (workers == "2") and all(mb > 0 for mb in by_step.values())
            assert result["peak_rss_mb"] >= max(by_step.values())  # both rounded to 0.1 MB: rounding keeps order
        assert entry["runs"]["1"]["interleaved_trafilatura"]["pages"] > 0  # the baseline sampled amid the run
    assert report["dag_import_s"]["news_ingest.py"]["parse_s"] > 0
    assert "pipeline end to end, 2 worker(s)" in run.stdout
    # --airflow, smallest size only: newsflow run and trafilatura alone, each one whole process
    assert "airflow" not in report["sizes"]["20"]
    whole = report["sizes"]["12"]["airflow"]
    html = sum(1 for p in (tmp_path / "work" / "landing-12").rglob("page-*")
               if p.name.endswith((".html", ".htm", ".html.gz")))
    assert 0 < whole["trafilatura"]["pages"] <= html  # truncated gzip files are skipped
    assert whole["wall_s"] > 0 and whole["cpu_s"] > 0 and whole["first_run_s"] > 0
    assert whole["whole_process_ratio"] == round(whole["trafilatura"]["wall_s"] / whole["wall_s"], 3)
    assert "whole process: newsflow run " in run.stdout
    # and on real news pages, unmodified: the dev sets' first ones, every one an HTML page trafilatura reads
    real = whole["real_pages"]
    assert real["corpus"]["html"] == real["trafilatura"]["pages"] == 6
    assert real["whole_process_ratio"] == round(real["trafilatura"]["wall_s"] / real["wall_s"], 3)
    assert "real news pages (the dev sets', unmodified)" in run.stdout
