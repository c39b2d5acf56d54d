"""Build the two published tables from validated records, and publish them.

Publishing swaps whole partition folders by rename, then writes the date's
manifest last: a reader that trusts the manifest never sees half a partition,
and a rerun of the same date replaces exactly that date.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa

from newsflow.ingest.landing import source_file
from newsflow.lake.layout import DATASETS, Lake
from newsflow.lake.schema import ARTICLES, QUARANTINE
from newsflow.lake.state import LEDGER
from newsflow.record import Article
from newsflow.storage import copy_file, is_local, write_text_atomic

PART_NAME = "part-00000.parquet"


def _article_row(r: Article, run_id: str, ingested_at: datetime) -> dict:
    return {
        "doc_id": r.doc_id, "url": r.url, "canonical_url": r.canonical_url, "source": r.source,
        "title": r.title, "authors": list(r.authors), "published_at": r.published_at, "language": r.language,
        "text": r.text, "normalized_text": r.normalized_text, "word_count": r.word_count,
        "content_sha256": r.content_sha256, "source_path": r.source_path, "source_sha256": r.sha256,
        "source_bytes": r.size_bytes, "run_id": run_id, "ingested_at": ingested_at,
    }


def _quarantine_row(r: Article, run_id: str, ingested_at: datetime) -> dict:
    return {
        "source_path": r.source_path, "stage": r.rejects[0].stage, "reasons": [str(x) for x in r.rejects],
        "reason_codes": [f"{x.stage}.{x.code}" for x in r.rejects], "source_sha256": r.sha256 or None,
        "source_bytes": r.size_bytes, "doc_id": r.doc_id, "url": r.url, "canonical_url": r.canonical_url,
        "source": r.source, "title": r.title, "authors": list(r.authors), "published_at": r.published_at,
        "language": r.language, "text": r.text, "normalized_text": r.normalized_text,
        "word_count": r.word_count, "content_sha256": r.content_sha256, "run_id": run_id,
        "ingested_at": ingested_at,
    }


def build_tables(records: list[Article], run_id: str, ingested_at: datetime) -> tuple[pa.Table, pa.Table, pa.Table]:
    ordered = sorted(records, key=lambda r: (r.source_path, r.record_id))
    articles = [_article_row(r, run_id, ingested_at) for r in ordered if not r.rejected]
    quarantine = [_quarantine_row(r, run_id, ingested_at) for r in ordered if r.rejected]
    ledger = [
        {
            "source_file": source_file(r), "file_sha256": r.file_sha256 or r.sha256, "source_path": r.source_path,
            "outcome": "quarantined" if r.rejected else "published", "doc_id": r.doc_id,
            "content_sha256": r.content_sha256, "minhash": r.minhash if not r.rejected else [],
        }
        for r in ordered
    ]
    return (
        pa.Table.from_pylist(articles, schema=ARTICLES),
        pa.Table.from_pylist(quarantine, schema=QUARANTINE),
        pa.Table.from_pylist(ledger, schema=LEDGER),
    )


def parquet_options() -> dict:
    """Fixed writer options (no pandas metadata, zstd): the same rows give the same bytes."""
    return {"compression": "zstd", "write_statistics": True, "use_dictionary": True}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(lake: Lake, day: date, staged, run_id: str, summary: dict, key: str = "") -> dict:
    """Move ``staged/<dataset>/date=D`` into the lake and write the manifest last.

    The manifest (``_state/published/date=D.json``) is removed first and written
    last: a reader that trusts it sees the previous state, or nothing, never half.
    """
    manifest_path = lake.manifest(day)
    if manifest_path.exists():
        manifest_path.unlink()  # the date is unpublished while its files change
    if is_local(lake.root):
        files = {dataset: _swap_local(lake, day, staged, dataset) for dataset in DATASETS}
    else:
        files = {dataset: _replace_remote(lake, day, staged, dataset, key) for dataset in DATASETS}
    ledger_target = lake.ledger(day)
    ledger_target.parent.mkdir(parents=True, exist_ok=True)
    if is_local(ledger_target):
        tmp = ledger_target.with_name(f".{ledger_target.name}.tmp")
        shutil.copyfile(staged / "ledger.parquet", tmp)
        os.replace(tmp, ledger_target)
    else:
        copy_file(staged / "ledger.parquet", ledger_target)
    manifest = {"date": day.isoformat(), "run_id": run_id, "files": files, **summary}
    write_text_atomic(manifest_path, json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def _swap_local(lake: Lake, day: date, staged: Path, dataset: str) -> list[str]:
    """Local: copy next to the target, then swap folders by rename (globbing readers never see a mix)."""
    source = staged / dataset / f"date={day.isoformat()}"
    target = lake.partition(dataset, day)
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.parent / f".{target.name}.incoming"
    outgoing = target.parent / f".{target.name}.outgoing"
    for leftover in (incoming, outgoing):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(source, incoming)
    if target.exists():
        os.replace(target, outgoing)
    os.replace(incoming, target)
    _fsync_dir(target.parent)
    if outgoing.exists():
        shutil.rmtree(outgoing)
    return sorted(str(p.relative_to(lake.root)) for p in target.glob("*.parquet"))


def _replace_remote(lake: Lake, day: date, staged, dataset: str, key: str) -> list[str]:
    """Object stores have no rename: write run-named files, then delete the partition's other files.

    Between the two, a plain glob over the partition may see old and new files:
    readers must go through the manifest (README, "The lake").
    """
    source = staged / dataset / f"date={day.isoformat()}" / PART_NAME
    target_dir = lake.partition(dataset, day)
    name = f"part-00000-{key}.parquet" if key else PART_NAME
    copy_file(source, target_dir / name)
    for old in list(target_dir.glob("*.parquet")):
        if old.name != name:
            old.unlink()
    return [f"{dataset}/date={day.isoformat()}/{name}"]
