"""A pure-pandas stand-in for ``gx_runner.run_gate``, for the fault matrix only.

Great Expectations costs ~8 s to import and ~1 s per gate here; the crash matrix runs
the pipeline dozens of times and tests the lake's state machine, not GX. This evaluates
the same ``Check`` list with GX's semantics for the expectation types the suites use
(map expectations ignore nulls; ``row_condition`` via ``Check.where``) and returns the
same ``GateReport``. tests/hostile/ and tests/security/ run the real GX.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from newsflow.gates.runner import Check, GateReport
from newsflow.runrecords import Expectation


def _failing(frame: pd.DataFrame, check: Check) -> tuple[pd.Series | None, bool]:
    """(mask of failing rows, batch-level success) for one check."""
    kw = check.kwargs
    if check.expectation == "ExpectTableRowCountToEqual":
        return None, len(frame) == kw["value"]
    if check.expectation == "ExpectColumnDistinctValuesToBeInSet":
        return None, set(frame[kw["column"]].dropna()) <= set(kw["value_set"])
    col = frame[kw["column"]]
    present = col.notna()
    if check.expectation == "ExpectColumnValuesToBeNull":
        bad = present
    elif check.expectation == "ExpectColumnValuesToNotBeNull":
        bad = ~present
    elif check.expectation == "ExpectColumnValuesToBeInSet":
        bad = present & ~col.isin(kw["value_set"])
    elif check.expectation == "ExpectColumnValuesToBeUnique":
        bad = present & col.duplicated(keep=False)
    elif check.expectation == "ExpectColumnValuesToBeBetween":
        values = col
        low, high = kw.get("min_value"), kw.get("max_value")
        if pd.api.types.is_datetime64_any_dtype(col):
            low = pd.Timestamp(low) if low is not None else None
            high = pd.Timestamp(high) if high is not None else None
        bad = pd.Series(False, index=col.index)
        if low is not None:
            bad |= present & (values < low)
        if high is not None:
            bad |= present & (values > high)
    else:  # pragma: no cover - a new expectation type needs a rule here
        raise NotImplementedError(check.expectation)
    return bad, not bad.any()


def run_gate(gate: str, frame, checks: list[Check], results_file: Path, docs_dir: Path,
             id_column: str = "record_id") -> GateReport:
    results_file.parent.mkdir(parents=True, exist_ok=True)
    report = GateReport(gate=gate, rows=len(frame))
    for check in checks:
        scope = frame
        if check.where is not None:
            scope = frame[frame[check.where[0]] == check.where[1]]
        bad, ok = _failing(scope, check)
        report.expectations.append(Expectation(  # the real runner's record, so the run report reads it
            expectation=check.expectation, column=check.kwargs.get("column"), code=check.code, level=check.level,
            success=ok, unexpected_count=None if bad is None else int(bad.sum()), observed_value=None))
        if ok:
            continue
        ids = [] if bad is None else [str(i) for i in scope.loc[bad, id_column]]
        if check.level == "batch" or not ids:
            report.batch_failures.append(f"{check.code}: {check.expectation} failed")
        else:
            for record_id in ids:
                report.row_reasons.setdefault(record_id, []).append((check.code, check.detail or check.expectation))
    report.success = not report.batch_failures
    results_file.write_text(json.dumps(report.as_dict(), default=str))
    report.results_path = str(results_file)
    return report


def install(monkeypatch=None) -> None:
    """Route every gate through the stand-in (``monkeypatch`` in tests, plain setattr in forked children)."""
    import newsflow.gates.runner as runner

    if monkeypatch is not None:
        monkeypatch.setattr(runner, "run_gate", run_gate)
    else:
        runner.run_gate = run_gate
