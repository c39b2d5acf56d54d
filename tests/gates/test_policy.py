"""Gate policy: what counts as broken, the ratio rule, specific row details."""

from datetime import UTC, datetime

from newsflow.gates.policy import apply_row_gate, broken_records, is_broken, ratio_failures, row_detail
from newsflow.gates.runner import GateReport
from newsflow.record import Article
from newsflow.settings import Settings


def _record(name: str, *reasons: tuple[str, str]) -> Article:
    rec = Article(record_id=name, source_path=name, landing_name="l", kind="html", size_bytes=1, sha256="x")
    for stage, code in reasons:
        rec.reject(stage, code)
    return rec


def test_duplicates_are_not_broken_anything_else_is():
    assert not is_broken(["dedup.exact_duplicate", "dedup.near_duplicate"])
    assert is_broken(["dedup.near_duplicate", "gate_normalised.boilerplate_phrase"])
    assert is_broken(["normalise.stage_error"])
    assert not is_broken([])
    records = [_record("a"), _record("b", ("dedup", "exact_duplicate")), _record("c", ("ingest", "empty")),
               _record("d", ("dedup", "near_duplicate"), ("gate_raw", "empty"))]
    assert broken_records(records) == 2


def test_ratio_rule():
    settings = Settings(max_quarantine_ratio=0.5)
    assert ratio_failures(1, 2, settings) == []
    assert ratio_failures(2, 3, settings) == ["quarantine_ratio: 2/3 = 0.67 > max_quarantine_ratio 0.5"]
    assert ratio_failures(0, 0, settings) == []


def test_row_details_name_what_the_record_knows():
    rec = _record("a")
    rec.boilerplate_phrases = ["please verify youre robot"]
    assert row_detail(rec, "boilerplate_phrase", "x") == "leaked page furniture: 'please verify youre robot'"
    rec.published_at = datetime(2030, 1, 1, tzinfo=UTC)
    assert row_detail(rec, "published_in_future", "after D").endswith("2030-01-01T00:00:00+00:00")
    rec.text = "short"
    assert row_detail(rec, "text_length", "outside") == "outside: 5 chars"
    assert row_detail(rec, "missing_title", "no title") == "no title"


def test_apply_row_gate_quarantines_rows_and_fails_the_batch_above_the_ratio():
    records = [_record("a"), _record("b"), _record("c", ("dedup", "exact_duplicate"))]
    report = GateReport("gate_normalised", 3, row_reasons={"a": [("missing_title", "HTML page without a title")]},
                        expectations=[{"code": "missing_title", "level": "row", "success": False,
                                       "unexpected_count": 1}])
    failures, counts = apply_row_gate("gate_normalised", records, report, Settings(max_quarantine_ratio=0.3))
    assert [x.key for x in records[0].rejects] == ["gate_normalised.missing_title"]
    assert failures == ["quarantine_ratio: 1/3 = 0.33 > max_quarantine_ratio 0.3",
                        "row-level failures: missing_title 1 row"]
    assert counts == {"records": 3, "quarantined_so_far": 2, "quarantine_ratio": 0.3333}


def test_the_raw_gate_does_not_restate_an_ingest_reject():
    """Issue 26: every ingest reject also got gate_raw.not_readable (and size_out_of_bounds for an empty
    span): one record, its real reasons. A readable record still gets the raw gate's reasons."""
    unreadable, readable = _record("a", ("ingest", "warc_truncated")), _record("b")
    reasons = [("not_readable", "bytes could not be read"), ("size_out_of_bounds", "size outside 1..2")]
    report = GateReport("gate_raw", 2, row_reasons={"a": reasons, "b": reasons[1:]})
    apply_row_gate("gate_raw", [unreadable, readable], report, Settings())
    assert [x.key for x in unreadable.rejects] == ["ingest.warc_truncated"]
    assert [x.key for x in readable.rejects] == ["gate_raw.size_out_of_bounds"]
