"""What the lake already holds, read from its per-date ledgers: which landing
files were processed (so a later run skips them) and which articles were
published (so dedup compares against them). A date's own ledger is ignored
when that date reruns: the rerun replaces it."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from newsflow.dedup.minhash import SIGNATURE_SCHEME, KnownDoc
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


def published_elsewhere(lake: Lake, day: date) -> list[KnownDoc]:
    """Published documents of other dates. Signatures made by another scheme (an older release) cannot
    be compared with this run's: those documents are kept for exact-duplicate checks only."""
    docs: list[KnownDoc] = []
    for label, path in _other_ledgers(lake, day):
        comparable = signature_scheme(path) == SIGNATURE_SCHEME
        if not comparable:
            LOGGER.warning("ledger %s holds MinHash signatures of another scheme (%s): near-duplicate checks "
                           "against it are skipped, exact ones still run", path.name, signature_scheme(path))
        table = _read(path, ["outcome", "doc_id", "content_sha256", "minhash", "source_path"])
        table = table.filter(pc.and_(pc.equal(table.column("outcome"), "published"),
                                     pc.is_valid(table.column("content_sha256"))))
        signatures = _signature_rows(table.column("minhash")) if comparable else [None] * table.num_rows
        for doc_id, content_sha256, source_path, signature in zip(
                table.column("doc_id").to_pylist(), table.column("content_sha256").to_pylist(),
                table.column("source_path").to_pylist(), signatures):
            if content_sha256:
                docs.append(KnownDoc(doc_id, content_sha256, signature, f"{source_path} ({label})"))
    return docs


def _signature_rows(column: pa.ChunkedArray) -> list[np.ndarray | None]:
    """Each row's signature as a uint32 view into one array per ledger: ~600 bytes a document, where a
    list of Python ints took ~5 kB (other dates' documents add up: every run compares against them)."""
    lengths = pc.fill_null(pc.list_value_length(column), 0).to_numpy()
    values = column.combine_chunks().flatten().to_numpy(zero_copy_only=False)
    if values.size and int(values.max()) > 0xFFFFFFFF:  # not 32-bit values: not our scheme's
        return [None] * len(lengths)
    values = values.astype(np.uint32)
    starts = np.cumsum(lengths) - lengths
    return [values[start:start + length] if length else None for start, length in zip(starts.tolist(), lengths.tolist())]
