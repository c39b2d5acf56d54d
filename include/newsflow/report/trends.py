"""Trend charts for the lake health page: inline SVG, no script, nothing fetched (like ``charts.py``).

One line of a figure over dates, with the drift gate's warn and fail bounds of each date drawn as dashed
lines (they move with the trailing median), and each date's point coloured by the verdict the gate gave.
"""

from __future__ import annotations

from html import escape
from typing import Any

from newsflow.report.charts import _FONT

LINE = "#3b6ea5"
WARN = "#d08a00"
FAIL = "#c0392b"
POINT = {"fail": FAIL, "warn": WARN, "ok": "#2e8b57"}


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{100 * value:.1f} %"
    return f"{value:,.0f}" if abs(value) >= 10 or float(value).is_integer() else f"{value:,.2f}"


def _path(points: list[tuple[float, float] | None]) -> str:
    """An SVG path through the points, broken where a point is missing."""
    out, pen = [], False
    for point in points:
        if point is None:
            pen = False
            continue
        out.append(f"{'L' if pen else 'M'}{point[0]:.1f},{point[1]:.1f}")
        pen = True
    return " ".join(out)


def trend(points: list[dict[str, Any]], *, title: str, percent: bool = False, width: int = 560, height: int = 200,
          labels: bool = True, empty: str = "no published date yet") -> str:
    """``points``: [{date, value, thresholds: {warn: [lo, hi], fail: [lo, hi]}, severity}], oldest first;
    value None where the figure is unknown that date."""
    if not points:
        return f'<p class="empty">{escape(empty)}</p>'
    left, right, top_pad = (60 if labels else 4), 10, (16 if labels else 4)
    bottom = 46 if labels else 4
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    candidates = [p["value"] for p in points if p.get("value") is not None]
    for p in points:
        for pair in (p.get("thresholds") or {}).values():
            candidates += [v for v in pair if v is not None]
    top = max([*candidates, 0.0]) or 1.0
    top = min(1.0, top * 1.08) if percent and top <= 1.0 else top * 1.08
    slot = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0

    def xy(i: int, v: float | None) -> tuple[float, float] | None:
        if v is None:
            return None
        x = left + (i * slot if len(points) > 1 else plot_w / 2)
        return x, top_pad + plot_h - plot_h * max(0.0, v) / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart trend" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" style="{_FONT}"><title>{escape(title)}</title>']
    if labels:
        baseline = top_pad + plot_h
        parts += [f'<line x1="{left}" y1="{baseline}" x2="{width - right}" y2="{baseline}" stroke="#888"/>',
                  f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" fill="#555">{_fmt(top, percent)}</text>',
                  f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" fill="#555">0</text>']
    for severity, color in (("warn", WARN), ("fail", FAIL)):
        for side in (0, 1):
            line = [xy(i, ((p.get("thresholds") or {}).get(severity) or [None, None])[side])
                    for i, p in enumerate(points)]
            if any(line):
                parts.append(f'<path class="threshold {severity}" d="{_path(line)}" fill="none" stroke="{color}" '
                             f'stroke-width="1.2" stroke-dasharray="5 3"><title>{severity} bound</title></path>')
    parts.append(f'<path class="value" d="{_path([xy(i, p.get("value")) for i, p in enumerate(points)])}" '
                 f'fill="none" stroke="{LINE}" stroke-width="2"/>')
    every = max(1, round(len(points) / max(1, plot_w // 60)))
    for i, p in enumerate(points):
        at = xy(i, p.get("value"))
        if at is not None:
            color = POINT.get(p.get("severity") or "", LINE)
            tip = f"{p['date']}: {_fmt(p['value'], percent)}" + (f" ({p['severity']})" if p.get("severity") else "")
            parts.append(f'<circle cx="{at[0]:.1f}" cy="{at[1]:.1f}" r="{3.5 if labels else 2}" fill="{color}">'
                         f'<title>{escape(tip)}</title></circle>')
        if labels and i % every == 0:
            cx = left + (i * slot if len(points) > 1 else plot_w / 2)
            parts.append(f'<text x="{cx:.1f}" y="{top_pad + plot_h + 14}" text-anchor="end" fill="#333" '
                         f'transform="rotate(-30 {cx:.1f} {top_pad + plot_h + 14})">{escape(p["date"][5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)
