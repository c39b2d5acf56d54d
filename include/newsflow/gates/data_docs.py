"""GX Data Docs that stay readable offline.

GX's page templates load Bootstrap 4, bootstrap-table, Font Awesome, jQuery and Vega from public CDNs; the
package ships only its own stylesheet (already inlined in every page) and fonts, not those. Offline the
pages render unstyled and, worse, without their pass/fail icons (Font Awesome glyphs). Vendoring those
third-party files into the repo would be a new dependency to keep up to date; instead every page gets a
small stylesheet of our own (``data_docs_offline.css``: the layout, tables and the two status icons) placed
before the CDN links, so online the CDN styles still win and offline the pages keep their structure and
verdicts.
"""

from __future__ import annotations

from pathlib import Path

STYLES = Path(__file__).with_name("data_docs_offline.css")
MARK = "<!-- newsflow: offline styles -->"


def add_offline_styles(docs_dir: Path) -> int:
    """Put the offline stylesheet into every Data Docs page under ``docs_dir`` (once); returns how many
    pages got it."""
    block = f"{MARK}<style>{STYLES.read_text(encoding='utf-8')}</style>"
    changed = 0
    for page in sorted(Path(docs_dir).rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if MARK in text or "<head>" not in text:
            continue
        page.write_text(text.replace("<head>", "<head>" + block, 1), encoding="utf-8")
        changed += 1
    return changed
