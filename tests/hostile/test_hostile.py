"""Hostile landing files (tests/hostile/corpus.py): each ends in exactly one dataset, usually quarantine with
a specific reason, while one run with the real GX gates and the DEFAULT per-file limits completes in
bounded time and memory (measured in a child process: wall clock, and its peak RSS growth during the run)."""

from __future__ import annotations

import json
import time

import lakes
import pytest
from hostile.archives import build as build_archives
from hostile.child import run as run_child
from hostile.corpus import build

DAY = "2024-06-01"
LEAK_MARKER = "S3CRET-hostile-7f1c2b9e"  # the content of a file outside the landing root that XXE tries to read
TIME_BUDGET_S = 150  # generous for a 2-core box shared with other jobs; typically ~15 s
MEMORY_BUDGET_MB = 1024  # peak RSS growth of the run (the corpus holds a 50 MB page and a 60 MB gzip bomb)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    secret = root / "secret.txt"
    secret.write_text(LEAK_MARKER)
    landing, lake, log = root / "landing", root / "lake", root / "run.log"
    expected = build(landing, secret)
    archives = build_archives(landing)
    import children

    # The child comes from the tests' fork server, which has imported GX and the pipeline (so the budget
    # measures the run, not imports).
    context = children.context()
    started = time.monotonic()
    child = context.Process(target=run_child, args=(str(landing), str(lake), str(log), str(root), DAY))
    child.start()
    child.join(TIME_BUDGET_S)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"hostile run exceeded {TIME_BUDGET_S}s")
    elapsed = time.monotonic() - started
    error = (root / "error.txt").read_text() if (root / "error.txt").exists() else ""
    assert child.exitcode == 0, f"hostile run crashed:\n{error}"
    rows = {}
    for dataset in ("articles", "quarantine"):
        for row in lakes.read(lake, dataset, DAY).to_pylist():
            rows.setdefault(row["source_path"], []).append((dataset, row))
    return {"expected": expected, "archives": archives, "rows": rows, "lake": lake, "log": log, "elapsed": elapsed,
            "peak_growth_mb": float((root / "peak_growth_mb").read_text()), "root": root,
            "summary": json.loads((root / "summary.json").read_text())}


@pytest.mark.slow  # one real-GX run of the whole corpus (~30 s here)
def test_corpus_is_big_enough(hostile):
    files = {k.split("#L")[0] for k in hostile["expected"]}
    assert len(files) >= 30 and len(hostile["expected"]) >= 45


@pytest.mark.slow  # one real-GX run of the whole corpus (~30 s here)
def test_every_hostile_record_lands_exactly_once_in_the_expected_place(hostile):
    expected = hostile["expected"]
    rows = {key: found for key, found in hostile["rows"].items() if key.split("@")[0] not in hostile["archives"]}
    assert set(rows) == set(expected), "no record lost, none invented"
    wrong = {}
    for key, (dataset, what) in expected.items():
        (got_dataset, row), *more = rows[key]
        assert not more, f"{key} doubled"
        if got_dataset != dataset:
            wrong[key] = (got_dataset, row.get("reason_codes"))
        elif dataset == "quarantine" and row["reason_codes"][0] not in what:
            wrong[key] = (row["reason_codes"], f"expected one of {sorted(what)}")
        elif dataset == "articles" and what not in row["text"]:
            wrong[key] = "decoded text lost its content"
    assert not wrong, wrong
    assert hostile["summary"]["ingested"] == len(expected) + sum(c.records for c in hostile["archives"].values())


@pytest.mark.slow  # one real-GX run of the whole corpus (~30 s here)
def test_every_record_of_a_hostile_archive_is_one_row_and_none_is_invented(hostile):
    """Per archive: records in vs rows out (articles + quarantine), reported and equal."""
    table, wrong = [], {}
    for name, case in sorted(hostile["archives"].items()):
        found = [item for key, items in hostile["rows"].items() if key.split("@")[0] == name for item in items]
        articles = [row for dataset, row in found if dataset == "articles"]
        quarantined = [row for dataset, row in found if dataset == "quarantine"]
        codes = sorted({code for row in quarantined for code in row["reason_codes"]})
        table.append(f"{name:58} in {case.records:2}  out {len(found):2} = {len(articles)} articles + "
                     f"{len(quarantined)} quarantined  {', '.join(codes)}")
        if len(found) != case.records:
            wrong[name] = f"{case.records} records in, {len(found)} rows out"
        invented = [row["url"] for row in articles if row["url"] in case.never_published]
        if invented:
            wrong[name] = f"published {invented}"
        missing = set(case.quarantined) - set(codes)
        if missing:
            wrong[name] = f"no quarantine row for {sorted(missing)}"
        lost = [row["source_path"] for row in quarantined if case.provenance
                and None in (row["url"], row["warc_record_id"], row["fetched_at"], row["warc_record_offset"])]
        if lost:
            wrong[name] = f"quarantine rows without their provenance: {lost}"
    print("\nhostile archives: records in vs rows out\n" + "\n".join(table))
    assert not wrong, wrong


@pytest.mark.slow  # one real-GX run of the whole corpus (~30 s here)
def test_run_is_bounded_in_time_and_memory(hostile):
    assert hostile["elapsed"] < TIME_BUDGET_S
    assert hostile["peak_growth_mb"] < MEMORY_BUDGET_MB, f"peak RSS grew {hostile['peak_growth_mb']:.0f} MB"


@pytest.mark.slow  # one real-GX run of the whole corpus (~30 s here)
def test_entities_are_never_expanded_and_nothing_outside_the_root_is_read(hostile):
    rows = hostile["rows"]
    for key in ("20_billion_laughs.html", "21_xxe_file.html", "22_xxe_param.html"):
        (_, row), = rows[key]
        assert "lollollol" not in (row["text"] or "")
    offenders = [p for p in hostile["lake"].rglob("*") if p.is_file() and LEAK_MARKER.encode() in p.read_bytes()]
    assert not offenders, f"secret outside the landing root leaked into {offenders}"
    assert LEAK_MARKER not in hostile["log"].read_text(errors="replace")
    (_, outside), = rows["28_symlink_outside.html"]
    assert outside["text"] is None and outside["source_sha256"] is None  # refused before reading a byte


@pytest.mark.slow  # one real-GX run of the whole corpus (~30 s here)
def test_names_that_are_not_utf8_or_hold_newlines_round_trip(hostile):
    rows = hostile["rows"]
    assert "33_new\nline.html" in rows and "34_caf\\xe9_latin1_name.html" in rows


# -- per-file limits: configurable (Settings / NEWSFLOW_SETTINGS), enforced without a full run -------------

def test_size_limits_are_configurable(tmp_path):
    from helpers import write_gzip

    from newsflow.ingest.landing import read_landing
    from newsflow.settings import Settings

    (tmp_path / "a.txt").write_bytes(b"x" * 5000)
    write_gzip(tmp_path / "b.txt.gz", b"y" * 5000)
    records = {r.source_path: r for r in read_landing(tmp_path, "l", Settings(max_file_bytes=4000,
                                                                                max_decompressed_bytes=4000))}
    assert [x.code for x in records["a.txt"].rejects] == ["too_large"]
    assert [x.code for x in records["b.txt.gz"].rejects] == ["bad_gzip"]
    assert "more than 4000 bytes" in records["b.txt.gz"].rejects[0].detail


def test_extraction_time_budget_quarantines_a_slow_page(monkeypatch):
    import newsflow.normalise.stage as normalise
    from newsflow.record import Article
    from newsflow.settings import Settings

    def slow(html, url=None, **_kwargs):
        while True:
            time.sleep(0.01)

    monkeypatch.setattr(normalise, "extract", slow)
    record = Article(record_id="r", source_path="slow.html", landing_name="l", kind="html", size_bytes=1,
                     sha256="x", decoded="<p>x</p>")
    started = time.monotonic()
    normalise.NormaliseStage(Settings(extract_timeout_seconds=0.3)).process(record)
    assert [x.code for x in record.rejects] == ["extract_timeout"]
    assert time.monotonic() - started < 5


def test_settings_file_overrides_limits(tmp_path, monkeypatch):
    from newsflow.settings import load_settings

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"max_file_bytes": 1234, "extract_timeout_seconds": 2}))
    monkeypatch.setenv("NEWSFLOW_SETTINGS", str(path))
    settings = load_settings()
    limits = (settings.max_file_bytes, settings.extract_timeout_seconds, settings.max_jsonl_records)
    assert limits == (1234, 2.0, 100_000)
