"""What the lake already holds, read from its per-date ledgers: which landing files were processed (so a
later run skips them) and which articles were published (so dedup compares against them).

A ledger counts only once its date is published (manifest written last): a run killed between the two
must not hide its files from every other date. A date's own ledger is ignored when that date reruns: the
rerun replaces it.
"""

from __future__ import annotations

import logging
from datetime import date

import pyarrow.compute as pc

from newsflow import storage
from newsflow.columns import schema
from newsflow.dedup.find import KnownDoc
from newsflow.dedup.signature import SIGNATURE_SCHEME, signature_column
from newsflow.lake.layout import Lake, day_folder

LOGGER = logging.getLogger(__name__)
SCHEME_KEY = b"newsflow.minhash_scheme"
LEDGER = schema("ledger", metadata={SCHEME_KEY: SIGNATURE_SCHEME})


def _other_ledgers(lake: Lake, day: date) -> list[tuple[date, object]]:
    return [(d, path) for d, path in lake.ledger_days() if d != day and lake.manifest(d).exists()]


def processed_elsewhere(lake: Lake, day: date) -> set[tuple[str, str]]:
    """(landing file, sha256) pairs that other published dates processed."""
    seen: set[tuple[str, str]] = set()
    for _, path in _other_ledgers(lake, day):
        table = storage.read_table(path, ["source_file", "file_sha256"])
        seen.update(zip(table.column("source_file").to_pylist(), table.column("file_sha256").to_pylist()))
    return seen


def signature_scheme(path) -> str | None:
    value = (storage.read_schema(path).metadata or {}).get(SCHEME_KEY)
    return value.decode() if value else None


def published_elsewhere(lake: Lake, day: date, num_perm: int) -> list[KnownDoc]:
    """Published documents of other dates. Signatures made by another scheme (an older release) cannot
    be compared with this run's: those documents are kept for exact-duplicate checks only."""
    docs: list[KnownDoc] = []
    for other, path in _other_ledgers(lake, day):
        scheme = signature_scheme(path)
        comparable = scheme == SIGNATURE_SCHEME
        if not comparable:
            LOGGER.warning("ledger %s holds MinHash signatures of another scheme (%s): near-duplicate checks "
                           "against it are skipped, exact ones still run", path.name, scheme)
        table = storage.read_table(path, ["outcome", "doc_id", "content_sha256", "minhash", "source_path"])
        table = table.filter(pc.and_(pc.equal(table.column("outcome"), "published"),
                                     pc.is_valid(table.column("content_sha256"))))
        # one uint32 matrix per ledger, a row view per document: ~600 bytes each, where a list of Python
        # ints took ~5 kB (other dates' documents add up: every run compares against them)
        matrix, signed = signature_column(table.column("minhash"), num_perm)
        signatures = [row if ok and comparable else None for row, ok in zip(matrix, signed.tolist())]
        label = day_folder(other)
        for doc_id, content_sha256, source_path, signature in zip(
                table.column("doc_id").to_pylist(), table.column("content_sha256").to_pylist(),
                table.column("source_path").to_pylist(), signatures):
            if content_sha256:
                docs.append(KnownDoc(doc_id, content_sha256, signature, f"{source_path} ({label})"))
    return docs
