"""``newsflow.extract.extract(html, url=None)``: body text and metadata of one page.

The stable interface other code (and outside checks) call. Parse once with
lxml; read metadata from the untouched tree; then extract the body (currently
trafilatura's main-content algorithm, see README "Which library does what").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from newsflow.extract.metadata import page_metadata, parse_datetime, split_authors

LOGGER = logging.getLogger(__name__)
_DEPTH_ERROR = "Excessive depth"


class ExtractionError(ValueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass
class Extracted:
    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: datetime | None = None
    published_raw: str | None = None
    canonical_url: str | None = None
    language: str | None = None  # declared by the page; the normalise step detects from text too


def parse_html(html: str):
    """lxml tree, or ``ExtractionError`` when libxml2 would have dropped content silently."""
    import lxml.html
    from lxml import etree

    # huge_tree stays off: it lifts libxml2's depth and size guards, which hostile pages exploit.
    # Instead of silently losing what lies deeper than 256 elements, we refuse the page.
    parser = lxml.html.HTMLParser(recover=True, no_network=True, huge_tree=False, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError("unparseable", str(exc)) from exc
    for entry in parser.error_log:
        if _DEPTH_ERROR in entry.message:
            raise ExtractionError("too_deep", "markup nests deeper than 256 elements; content would be lost")
    return tree


_LINE_SPLIT_RE = re.compile(r"\s*\n\s*")


def _paragraphs(text: str, title: str | None) -> str:
    lines = [" ".join(line.split()) for line in _LINE_SPLIT_RE.split(text or "")]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]
    return "\n\n".join(lines)


def extract(html: str, url: str | None = None) -> Extracted:
    """Extract the article body (paragraphs separated by blank lines) and metadata."""
    import trafilatura

    tree = parse_html(html)
    meta = page_metadata(tree, url)
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
    )
    body = getattr(doc, "text", None) or ""
    title = meta["title"] or (getattr(doc, "title", None) or None)
    authors = meta["authors"]
    if not authors and getattr(doc, "author", None):
        authors = split_authors(doc.author.replace(";", ","))
    published, published_raw = meta["published_at"], meta["published_raw"]
    if published is None and getattr(doc, "date", None):
        published, published_raw = parse_datetime(doc.date), doc.date
    return Extracted(
        text=_paragraphs(body, title),
        title=title,
        authors=authors,
        published_at=published,
        published_raw=published_raw,
        canonical_url=meta["canonical_url"],
        language=meta["declared_language"],
    )


__all__ = ["extract", "Extracted", "ExtractionError", "parse_html"]
