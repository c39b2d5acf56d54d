"""The per-run quality report: one model (``report.json``), one page (``report.html``).

Built from the lake alone (quality folder, partitions, publish markers), so the Airflow UI plugin and
someone opening the lake without Airflow see the same story.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from newsflow.report.model import build_report, find_quality_dir, gate_headline, load_gates
from newsflow.report.render import Links, lake_links, render_html

LOGGER = logging.getLogger(__name__)

__all__ = ["Links", "build_report", "find_quality_dir", "gate_headline", "lake_links", "load_gates",
           "render_html", "write_run_report"]


def write_run_report(quality_dir: Path | str, summary: dict | None = None) -> dict:
    """Write ``report.json`` and ``report.html`` into the run's quality folder; returns the model.

    Called at the end of ``publish``: a report that cannot be drawn is logged, never fails the run.
    """
    quality_dir = Path(quality_dir)
    try:
        report = build_report(quality_dir, summary)
        _write(quality_dir / "report.json", json.dumps(report, indent=1, sort_keys=True, default=str))
        _write(quality_dir / "report.html", render_html(report, lake_links(quality_dir)))
        return report
    except Exception:  # the data is published already; the report is evidence, not a gate
        LOGGER.exception("could not write the run report in %s", quality_dir)
        return {}


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
