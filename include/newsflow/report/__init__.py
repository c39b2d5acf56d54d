"""The per-run quality report: one model (``report.json``), one page (``report.html``).

Built from the lake alone (quality folder, partitions, publish markers), so the Airflow UI plugin and
someone opening the lake without Airflow see the same story. Callers hand it the run's paths
(``Lake.run`` / ``Lake.find_run``): it never works out lake, date or run from where a folder sits.
"""

from __future__ import annotations

import logging

from newsflow import runrecords, storage
from newsflow.lake.layout import RunPaths
from newsflow.report.model import build_report, gate_headline, load_gates
from newsflow.report.render import Links, lake_links, render_html
from newsflow.runrecords import Report, Summary

LOGGER = logging.getLogger(__name__)

__all__ = ["Links", "build_report", "gate_headline", "lake_links", "load_gates", "render_html", "write_run_report"]


def write_run_report(run: RunPaths, summary: Summary | None = None) -> Report | None:
    """Write ``report.json`` and ``report.html`` into the run's quality folder; returns the model.

    Called at the end of ``publish``: a report that cannot be drawn is logged, never fails the run.
    """
    try:
        report = build_report(run, summary)
        runrecords.write(run.report_json, report)
        storage.write_text_atomic(run.report_html, render_html(report, lake_links(run, report)))
        return report
    except Exception:  # the data is published already; the report is evidence, not a gate
        LOGGER.exception("could not write the run report in %s", storage.display(run.quality))
        return None
