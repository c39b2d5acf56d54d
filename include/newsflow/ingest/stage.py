"""The ingest task's stage: landing bytes to text (``decode.decode_bytes``), one record at a time."""

from __future__ import annotations

from newsflow.ingest.decode import DecodeError, decode_bytes
from newsflow.ingest.landing import STAGE
from newsflow.record import Article, is_html
from newsflow.stages.base import Stage


class DecodeStage(Stage):
    """BOM, HTTP charset, declared charset, detection; undecodable bytes are rejected with the decoder's reason."""

    name = STAGE

    def process(self, record: Article) -> None:
        record.url = record.url or record.hint_url  # provenance on the quarantine row of a record refused here
        if record.raw is None:
            record.reject(self.name, "empty", "no content read")
            return
        try:
            decoded = decode_bytes(record.raw, html=is_html(record), transport_charset=record.hint_charset)
        except DecodeError as exc:
            record.reject(self.name, exc.code, exc.detail)
            return
        record.decoded = decoded.text
        record.raw = None  # never staged (ingest drops the column): a batch's bytes need not wait for its write
        plain = decoded.how in ("bom", "http", "declared", "utf-8")
        record.encoding = decoded.encoding if plain else f"{decoded.encoding} ({decoded.how})"
        self.stats.counters[f"decoded_{decoded.how.split(' ')[0]}"] += 1
