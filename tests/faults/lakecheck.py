"""What readers see in a lake, and the exactly-once invariant (importable as ``faults.lakecheck``)."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
from helpers import article_html, story_paragraphs, write_gzip

from newsflow.lake.layout import Lake

DATASETS = ("articles", "quarantine")


def make_landing(root: Path, seeds: Path, extra: int = 2) -> Path:
    """Seeds + HTML pages + a gzip page + JSONL (good and bad lines) + an empty file."""
    shutil.copytree(seeds, root)
    for i in range(extra):
        (root / f"page_{i}.html").write_text(article_html(f"Story {i}", story_paragraphs(200 + i, 8), furniture=False,
                                                          url=f"https://news.example.com/{i}"))
    write_gzip(root / "zipped.html.gz", article_html("Zipped", story_paragraphs(299, 8), furniture=False,
                                                     url="https://news.example.com/z").encode())
    (root / "feed.jsonl").write_text(json.dumps({"text": "\n\n".join(story_paragraphs(300, 6))}) + "\nnot json\n")
    (root / "empty.txt").write_bytes(b"")
    return root


def expected_keys(landing: Path) -> set[str]:
    """One key per landing record: the file's relative path, JSONL lines as path#L<n>."""
    keys = set()
    for path in landing.rglob("*"):
        if not path.is_file() or any(p.startswith(".") for p in path.relative_to(landing).parts):
            continue
        rel = path.relative_to(landing).as_posix()
        if rel.endswith(".jsonl"):
            keys |= {f"{rel}#L{n}" for n, line in enumerate(path.read_bytes().split(b"\n"), 1) if line.strip()}
        else:
            keys.add(rel)
    return keys


def trusted(lake: Path, day: str) -> dict | None:
    """What a reader trusting the run marker sees: None, or {manifest: the marker, rows: Counter((key, dataset))}.

    Asserts the run marker's promise: its files exist, are complete, hold its counts and its run's rows only.
    """
    path = lake / "_state" / "published" / f"date={day}.json"
    if not path.exists():
        return None
    run_marker = json.loads(path.read_text())
    rows: Counter = Counter()
    for dataset in DATASETS:
        # a reader of the Delta table sees exactly the marked state (no later commit touched the date)
        from newsflow.lake import tables as delta

        assert delta.data_files(Lake(lake).table(dataset), date.fromisoformat(day)) == sorted(
            f.removeprefix(f"{dataset}/") for f in run_marker["files"][dataset]), "the table moved past its marker"
        tables = [pq.read_table(lake / f) for f in run_marker["files"][dataset]]
        count = sum(t.num_rows for t in tables)
        assert count == run_marker["articles" if dataset == "articles" else "quarantined"], (dataset, count)
        for table in tables:
            assert set(table.column("run_id").to_pylist()) <= {run_marker["run_id"]}, "rows of another run"
            rows.update((p, dataset) for p in table.column("source_path").to_pylist())
    return {"manifest": run_marker, "rows": rows}


def visible_files_are_whole(lake: Path) -> None:
    """A plain glob (``articles/date=*/*.parquet``) never meets a half-written file."""
    for dataset in DATASETS:
        for file in (lake / dataset).glob("date=*/*.parquet") if (lake / dataset).exists() else ():
            pq.read_table(file)  # raises on a truncated file


def assert_exactly_once(state: dict, keys: set[str]) -> None:
    rows = state["rows"]
    per_key = Counter(key for key, _ in rows.elements())
    lost = keys - set(per_key)
    doubled = {k: n for k, n in per_key.items() if n > 1}
    unknown = set(per_key) - keys
    assert not lost and not doubled and not unknown, {"lost": lost, "doubled": doubled, "unknown": unknown}


def leftovers(lake: Path) -> list[str]:
    """Work-in-progress names left in the lake (all hidden from readers by a leading '.' or '_')."""
    data = [lake / d for d in (*DATASETS, "_state") if (lake / d).exists()]  # a crashed run's _quality/ is its own
    found = [p for folder in data for p in folder.rglob(".*") if p.name.endswith((".incoming", ".outgoing", ".tmp"))]
    return sorted(str(p.relative_to(lake)) for p in found)
