"""Small inline SVG charts: no JavaScript, nothing fetched, readable in any browser or mail client.

Each function takes plain numbers and returns one ``<svg>`` string (already escaped).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px"
BAR = "#3b6ea5"
BAR_ALT = "#c0504d"
EMPTY = '<p class="empty">{}</p>'


def _num(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def hbar(items: Sequence[tuple[str, float]], *, title: str, width: int = 640, color: str = BAR,
         empty: str = "nothing to show") -> str:
    """Horizontal bars, one per (label, value), largest first as given; labels on the left."""
    if not items:
        return EMPTY.format(escape(empty))
    row, pad = 24, 6
    label_w = min(360, max(80, 7 * max(len(label) for label, _ in items) + 10))
    bar_w = width - label_w - 70
    top = max(value for _, value in items) or 1
    height = row * len(items) + 2 * pad
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{_FONT}"><title>{escape(title)}</title>']
    for i, (label, value) in enumerate(items):
        y = pad + i * row
        length = max(1.0, bar_w * value / top) if value else 0
        shown = label if len(label) * 7 <= label_w - 8 else label[: max(3, (label_w - 8) // 7 - 1)] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" fill="#222">'
                     f'<title>{escape(label)}</title>{escape(shown)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" fill="{color}" rx="2">'
                     f'<title>{escape(label)}: {_num(value)}</title></rect>')
        parts.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 16}" fill="#222">{_num(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(items: Sequence[tuple[str, float]], *, title: str, width: int = 520, height: int = 220,
            color: str = BAR, empty: str = "nothing to show", highlight: str | None = None) -> str:
    """Vertical bars (a histogram or a time series), labels under the axis, value above each bar."""
    if not items:
        return EMPTY.format(escape(empty))
    left, right, top_pad, bottom = 40, 10, 18, 48
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max(value for _, value in items) or 1
    slot = plot_w / len(items)
    bar = max(2.0, slot * 0.8)
    every = max(1, round(len(items) / max(1, plot_w // 60)))  # thin out labels that would overlap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" style="{_FONT}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - right}" y2="{top_pad + plot_h}" stroke="#888"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" fill="#555">{_num(top)}</text>',
             f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" fill="#555">0</text>']
    for i, (label, value) in enumerate(items):
        h = plot_h * value / top
        x = left + i * slot + (slot - bar) / 2
        fill = BAR_ALT if highlight is not None and label == highlight else color
        parts.append(f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="{fill}" rx="1"><title>{escape(label)}: {_num(value)}</title></rect>')
        if value and len(items) <= 40:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{top_pad + plot_h - h - 4:.1f}" text-anchor="middle" '
                         f'fill="#222">{_num(value)}</text>')
        if i % every == 0:
            cx = x + bar / 2
            parts.append(f'<text x="{cx:.1f}" y="{top_pad + plot_h + 14}" text-anchor="end" fill="#333" '
                         f'transform="rotate(-30 {cx:.1f} {top_pad + plot_h + 14})">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
