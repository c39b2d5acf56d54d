"""Gate policy: what a gate does with GX's verdicts. One place for the rules that are not expectations.

- A row-level failure quarantines the row with the gate's reason (made specific where the record knows
  more); a batch-level failure fails the gate, and the run publishes nothing.
- A *broken* record is one quarantined for anything but duplication: re-delivered copies (``dedup.*``)
  are not a broken batch. Above ``max_quarantine_ratio`` broken records, the gate fails.
"""

from __future__ import annotations

from collections.abc import Iterable

from newsflow.gates.runner import GateReport
from newsflow.record import Article
from newsflow.runrecords import GateCounts
from newsflow.settings import Settings
from newsflow.steplist import DEDUP as DUPLICATE_STAGE
from newsflow.steplist import GATE_RAW, INGEST


class GateFailed(RuntimeError):
    """The batch is broken: publish nothing."""

    def __init__(self, gate: str, failures: list[str]) -> None:
        super().__init__(f"{gate} failed: " + "; ".join(failures))
        self.gate = gate
        self.failures = failures


def is_broken(reason_keys: Iterable[str]) -> bool:
    """Whether reasons (``stage.code`` keys) make a record count against the quarantine ratio."""
    return any(key.split(".", 1)[0] != DUPLICATE_STAGE for key in reason_keys)


def broken_records(records: Iterable[Article]) -> int:
    return sum(1 for r in records if is_broken(x.key for x in r.rejects))


def ratio_failures(broken: int, total: int, settings: Settings) -> list[str]:
    ratio = broken / total if total else 0.0
    if ratio > settings.max_quarantine_ratio:
        return [f"quarantine_ratio: {broken}/{total} = {ratio:.2f} > max_quarantine_ratio "
                f"{settings.max_quarantine_ratio}"]
    return []


def row_detail(record: Article, code: str, detail: str) -> str:
    """The gate's generic detail, made specific where the record knows more."""
    if code == "boilerplate_phrase" and record.boilerplate_phrases:
        return "leaked page furniture: " + "; ".join(f"'{p}'" for p in record.boilerplate_phrases[:6])
    if code == "published_in_future" and record.published_at:
        return f"{detail}: {record.published_at.isoformat()}"
    if code == "unparseable_date":
        return f"{detail}: {record.published_raw!r}"
    if code == "text_length":
        return f"{detail}: {len(record.text or '')} chars"
    if code == "unknown_language":
        return f"{detail}: {record.language!r}"
    return detail


def apply_row_gate(gate: str, records: list[Article], report: GateReport,
                   settings: Settings) -> tuple[list[str], GateCounts]:
    """Quarantine the rows GX failed, then judge the batch: (failures, counts for the gate's report)."""
    for record in records:
        if gate == GATE_RAW and any(x.stage == INGEST for x in record.rejects):
            continue  # the raw gate's row checks restate an ingest reject: one record, its real reasons
        for code, detail in report.row_reasons.get(record.record_id, ()):
            record.reject(gate, code, row_detail(record, code, detail))
    broken = broken_records(records)
    failures = list(report.batch_failures) + ratio_failures(broken, len(records), settings)
    if failures:  # name the row-level expectations behind a failed batch, so the task log says it all
        rows = [f"{e['code']} {e['unexpected_count'] or 0} row{'' if e['unexpected_count'] == 1 else 's'}"
                for e in report.expectations if e["level"] == "row" and not e["success"]]
        if rows:
            failures.append(f"row-level failures: {', '.join(rows)}")
    counts = GateCounts(records=len(records), quarantined_so_far=sum(1 for r in records if r.rejected),
                        quarantine_ratio=round(broken / len(records), 4) if records else 0.0)
    return failures, counts


def languages(settings: Settings) -> list[str]:
    """The language codes the gates accept: the settings' list, else every code the detector knows."""
    from newsflow.text.language import known_languages

    return sorted(settings.allowed_languages or known_languages())
