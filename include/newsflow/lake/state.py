"""What the lake already holds, read from its per-date ledgers: which landing
files were processed (so a later run skips them) and which articles were
published (so dedup compares against them). A date's own ledger is ignored
when that date reruns: the rerun replaces it."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsflow.dedup.minhash import SIGNATURE_SCHEME, KnownDoc, signature_column
from newsflow.lake.layout import Lake
from newsflow.storage import arrow_source

LOGGER = logging.getLogger(__name__)

LEDGER = pa.schema(
    [
        ("source_file", pa.string()), ("file_sha256", pa.string()), ("source_path", pa.string()),
        ("outcome", pa.string()), ("doc_id", pa.string()), ("content_sha256", pa.string()),
        ("minhash", pa.list_(pa.uint64())),
    ],
    metadata={"newsflow.minhash_scheme": SIGNATURE_SCHEME},
)


def _other_ledgers(lake: Lake, day: date) -> list[tuple[str, Path]]:
    folder = lake.ledger_dir
    if not folder.exists():
        return []
    own = lake.ledger(day).name
    # A ledger counts only once its date is published (manifest written last): a run killed between
    # the two must not hide its files from every other date.
    return sorted(((p.stem, p) for p in folder.glob("date=*.parquet")
                   if p.name != own and lake.manifest(date.fromisoformat(p.stem.split("=", 1)[1])).exists()),
                  key=lambda item: item[0])


def _read(path: Path, columns: list[str]) -> pa.Table:
    where, filesystem = arrow_source(path)
    return pq.read_table(where, columns=columns, filesystem=filesystem)


def processed_elsewhere(lake: Lake, day: date) -> set[tuple[str, str]]:
    seen: set[tuple[str, str]] = set()
    for _, path in _other_ledgers(lake, day):
        table = _read(path, ["source_file", "file_sha256"])
        seen.update(zip(table.column("source_file").to_pylist(), table.column("file_sha256").to_pylist()))
    return seen


def signature_scheme(path: Path) -> str | None:
    where, filesystem = arrow_source(path)
    metadata = pq.read_schema(where, filesystem=filesystem).metadata or {}
    value = metadata.get(b"newsflow.minhash_scheme")
    return value.decode() if value else None


def published_elsewhere(lake: Lake, day: date, num_perm: int | None = None) -> list[KnownDoc]:
    """Published documents of other dates. Signatures made by another scheme (an older release) cannot
    be compared with this run's: those documents are kept for exact-duplicate checks only."""
    if num_perm is None:
        from newsflow.settings import Settings

        num_perm = Settings().minhash_permutations
    docs: list[KnownDoc] = []
    for label, path in _other_ledgers(lake, day):
        comparable = signature_scheme(path) == SIGNATURE_SCHEME
        if not comparable:
            LOGGER.warning("ledger %s holds MinHash signatures of another scheme (%s): near-duplicate checks "
                           "against it are skipped, exact ones still run", path.name, signature_scheme(path))
        table = _read(path, ["outcome", "doc_id", "content_sha256", "minhash", "source_path"])
        table = table.filter(pc.and_(pc.equal(table.column("outcome"), "published"),
                                     pc.is_valid(table.column("content_sha256"))))
        # one uint32 matrix per ledger, a row view per document: ~600 bytes each, where a list of Python
        # ints took ~5 kB (other dates' documents add up: every run compares against them)
        matrix, signed = signature_column(table.column("minhash"), num_perm)
        signatures = [row if ok and comparable else None for row, ok in zip(matrix, signed.tolist())]
        for doc_id, content_sha256, source_path, signature in zip(
                table.column("doc_id").to_pylist(), table.column("content_sha256").to_pylist(),
                table.column("source_path").to_pylist(), signatures):
            if content_sha256:
                docs.append(KnownDoc(doc_id, content_sha256, signature, f"{source_path} ({label})"))
    return docs

