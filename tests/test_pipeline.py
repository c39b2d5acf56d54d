"""The whole pipeline, step functions called directly (the DAG wires the same functions)."""

import json
import random

import lakes
import pyarrow.parquet as pq
import pytest
from helpers import article_html, seed_text, story_paragraphs

from newsflow.gates import GateFailed
from newsflow.pipeline import RunContext, run_all
from newsflow.text.tokens import normalize_text

DAY = "2024-05-01"
DATA_COLUMNS_EXCLUDED = {"run_id", "ingested_at"}


def _run(landing, lake, day=DAY, run_id="manual__1", **overrides):
    return run_all(RunContext.create(str(landing), str(lake), day, run_id, overrides or None))


def _table(lake, dataset, day=DAY):
    return lakes.read(lake, dataset, day).drop_columns(["date"])


def test_seeds_publish_000_and_002_and_quarantine_001(landing, tmp_path):
    lake = tmp_path / "lake"
    summary = _run(landing, lake)
    assert (summary["ingested"], summary["articles"], summary["quarantined"]) == (3, 2, 1)
    articles = _table(lake, "articles").to_pylist()
    assert [a["source_path"] for a in articles] == ["000_c8bedf2c6be52e1e.txt", "002_752f577da2baafb8.txt"]
    assert articles[0]["normalized_text"] == normalize_text(seed_text("000"))
    assert articles[1]["normalized_text"] == normalize_text(seed_text("002"))
    assert {a["source"] for a in articles} == {"landing"} and {a["language"] for a in articles} == {"en"}
    (bad,) = _table(lake, "quarantine").to_pylist()
    assert bad["source_path"].startswith("001_")
    assert bad["reason_codes"] == ["gate_normalised.boilerplate_phrase", "dedup.near_duplicate"]
    assert "please verify youre robot" in bad["reasons"][0] and "rappeportmarch" in bad["reasons"][0]
    assert "000_c8bedf2c6be52e1e.txt" in bad["reasons"][1]
    run_marker = json.loads((lake / "_state" / "published" / f"date={DAY}.json").read_text())
    assert run_marker["articles"] == 2 and len(run_marker["files"]["articles"]) == 1
    assert run_marker["files"]["articles"][0].startswith(f"articles/date={DAY}/")
    assert pq.read_table(lake / run_marker["files"]["articles"][0]).num_rows == 2
    assert set(run_marker["versions"]) == {"processed", "articles", "quarantine", "story_clusters", "signatures",
                                           "lsh_bands"}
    quality = lake / "_quality" / f"date={DAY}" / "manual__1"
    for gate in ("gate_raw.b00000", "gate_normalised.b00000", "gate_output"):
        assert json.loads((quality / f"{gate}.gx.json").read_text())
        assert (quality / "data_docs" / gate / "index.html").exists()
    assert not (lake / "_staging").exists(), "staging is cleaned after publish"


def _data_columns(table):
    return table.drop_columns([c for c in table.column_names if c in DATA_COLUMNS_EXCLUDED])


def test_rerun_of_a_date_reproduces_it_exactly(landing, tmp_path):
    lake = tmp_path / "lake"
    _run(landing, lake, run_id="manual__1")
    first = {d: _table(lake, d) for d in ("articles", "quarantine")}
    summary = _run(landing, lake, run_id="manual__2")
    assert summary["skipped_already_processed"] == 0, "a rerun of the same date reprocesses its own files"
    for dataset, table in first.items():
        again = _table(lake, dataset)
        assert _data_columns(again).equals(_data_columns(table))
        assert set(again.column("run_id").to_pylist()) <= {"manual__2"}
        assert sorted(p.name for p in (lake / dataset).iterdir()) == ["_delta_log", f"date={DAY}"]
    versions = lakes.read(lake, "articles", version=1), lakes.read(lake, "articles")
    assert [set(v.column("run_id").to_pylist()) for v in versions] == [{"manual__1"}, {"manual__2"}]  # time travel


def test_same_input_gives_byte_identical_data_columns(landing, tmp_path):
    import io

    outputs = []
    for name in ("lake_a", "lake_b"):
        _run(landing, tmp_path / name, run_id="manual__same")
        table = _data_columns(_table(tmp_path / name, "articles"))
        sink = io.BytesIO()
        pq.write_table(table, sink, compression="zstd")
        outputs.append(sink.getvalue())
    assert outputs[0] == outputs[1]


def test_files_are_processed_once_across_dates(landing, tmp_path):
    lake = tmp_path / "lake"
    _run(landing, lake, day="2024-05-01")
    (landing / "new.html").write_text(article_html("New Story", story_paragraphs(9, 8)))
    later = _run(landing, lake, day="2024-05-02")
    assert later["skipped_already_processed"] == 3 and later["ingested"] == 1 and later["articles"] == 1
    (landing / "copy_of_002.txt").write_text(seed_text("002"))
    third = _run(landing, lake, day="2024-05-03")
    assert third["articles"] == 0 and third["quarantine_reasons"] == {"dedup.exact_duplicate": 1}


def test_bad_files_end_in_quarantine_with_reasons(landing, tmp_path):
    (landing / "empty.txt").write_bytes(b"")
    (landing / "garbage.html").write_bytes(random.Random(1).randbytes(4096))
    (landing / "deep.html").write_text("<html><body>" + "<div>" * 5000 + "x" + "</div>" * 5000 + "</body></html>")
    (landing / "mislabelled.html").write_bytes(b"%PDF-1.5 not html")
    (landing / "short.txt").write_text("Too short to be an article.")
    (landing / "bad.jsonl").write_text('{"html": 1}\nnot json\n')
    summary = _run(landing, tmp_path / "lake")
    assert summary["articles"] == 2
    rows = {r["source_path"]: r["reason_codes"] for r in _table(tmp_path / "lake", "quarantine").to_pylist()}
    assert rows["empty.txt"] == ["ingest.empty"]  # one record, its real reasons: gate_raw does not restate it
    assert rows["garbage.html"][0] == "ingest.binary_content"
    assert rows["deep.html"] == ["normalise.too_deep"]
    assert rows["mislabelled.html"][0] == "ingest.not_text"
    assert rows["short.txt"] == ["gate_normalised.text_length"]
    assert rows["bad.jsonl#L1"] == ["ingest.jsonl_bad_field"]
    assert rows["bad.jsonl#L2"] == ["ingest.jsonl_invalid"]
    assert summary["ingested"] == summary["articles"] + summary["quarantined"] == 10


def test_quarantine_ratio_above_threshold_fails_and_publishes_nothing(landing, tmp_path):
    lake = tmp_path / "lake"
    with pytest.raises(GateFailed) as info:
        _run(landing, lake, max_quarantine_ratio=0.2)
    assert info.value.gate == "gate_normalised.b00000" and "quarantine_ratio" in info.value.failures[0]
    assert not (lake / "articles").exists() and not (lake / "_state" / "published").exists()
    report = json.loads(next((lake / "_quality").rglob("gate_normalised.b00000.report.json")).read_text())
    assert report["success"] is False


def test_missing_landing_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _run(tmp_path / "nope", tmp_path / "lake")


def test_batches_give_the_same_output_as_one_batch(landing, tmp_path):
    (landing / "copy_of_000.txt").write_text(seed_text("000"))
    for index in range(4):
        (landing / f"story_{index}.html").write_text(article_html(f"Story {index}", story_paragraphs(index, 8)))
    one = _run(landing, tmp_path / "one", batch_size=100)
    many = _run(landing, tmp_path / "many", batch_size=2)
    assert (one["batches"], many["batches"]) == (1, 4)
    for dataset in ("articles", "quarantine"):
        a, b = _table(tmp_path / "one", dataset), _table(tmp_path / "many", dataset)
        assert _data_columns(a).to_pylist() == _data_columns(b).to_pylist()
    rows = {r["source_path"]: r["reason_codes"] for r in _table(tmp_path / "many", "quarantine").to_pylist()}
    assert rows["copy_of_000.txt"] == ["dedup.exact_duplicate"], "duplicates are found across batches"
    assert rows["001_82e51796e478ffe1.txt"] == ["gate_normalised.boilerplate_phrase", "dedup.near_duplicate"]


def test_empty_landing_publishes_empty_partitions(tmp_path):
    (tmp_path / "landing").mkdir()
    summary = _run(tmp_path / "landing", tmp_path / "lake")
    assert (summary["ingested"], summary["articles"], summary["batches"]) == (0, 0, 1)
    assert _table(tmp_path / "lake", "articles").num_rows == 0


def test_near_copy_of_a_story_published_on_another_date_is_quarantined(landing, tmp_path):
    lake = tmp_path / "lake"
    _run(landing, lake, day="2024-05-01")
    (landing / "rewire_of_002.txt").write_text(seed_text("002") + "\n\nThe wire service added this closing line.")
    later = _run(landing, lake, day="2024-05-02")
    assert later["articles"] == 0 and later["quarantine_reasons"] == {"dedup.near_duplicate": 1}
    (reason,) = later["quarantined_files"][0]["reasons"]
    assert "similar (MinHash Jaccard)" in reason and "(date=2024-05-01)" in reason
