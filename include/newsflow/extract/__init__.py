"""``newsflow.extract.extract(html, url=None)``: body text and metadata of one page.

The stable interface other code (and outside checks) call. Parse once with
lxml (libxml2); read metadata from the untouched tree (``metadata``; dates in
``dates``, with htmldate as the fallback for pages that state no date in
structured data); then extract the body from the same tree (``body``: prune
furniture, score containers, collect blocks). No trafilatura on the hot path:
see docs/extraction.md for the numbers and what did not help.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from newsflow.extract.body import extract_body
from newsflow.extract.metadata import page_metadata
from newsflow.extract.template import template_fingerprint

LOGGER = logging.getLogger(__name__)
_DEPTH_ERROR = "Excessive depth"
MAX_HTML_CHARS = 5_000_000  # dev-set pages average 170 k characters; the biggest is under 1 M
MAX_DEPTH = 2048  # libxml2's depth guard with huge_tree
_XML_INCOMPATIBLE_RE = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f]")


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
    published_at_source: str | None = None  # where published_at came from: jsonld, meta, time, text or url
    modified_at: datetime | None = None
    site_name: str | None = None  # the publisher's name as the page states it
    template_fingerprint: str | None = None  # the page's structural skeleton, hashed (``template.py``)


def _parse(html: str, huge: bool) -> tuple[Any, bool]:
    from lxml import etree

    # Plain etree elements, not lxml.html's HtmlElement: its per-node class lookup costs ~10% of the run.
    # libxml2 is handed UTF-8 bytes, never the str: lxml passes a str as UCS-4 (or Latin-1) that libxml2
    # converts character by character, a quarter of the parse time (same trees on every dev page); bytes
    # also take pages whose str carries an XML encoding declaration, which lxml refuses as a str.
    # No ID table (collect_ids): nothing looks elements up by id, and filling it is ~5 % of the parse.
    parser = etree.HTMLParser(recover=True, no_network=True, huge_tree=huge, remove_pis=True,
                              remove_comments=True, remove_blank_text=False, encoding="utf-8",
                              collect_ids=False)
    try:
        root = etree.fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractionError("unparseable", str(exc)) from exc
    if root is None:
        raise ExtractionError("unparseable", "no markup found")
    too_deep = any(_DEPTH_ERROR in entry.message for entry in parser.error_log)
    return root, too_deep


def parse_html(html: str) -> Any:
    """lxml tree, or ``ExtractionError``; never a tree that silently lost content.

    libxml2 stops parsing (keeping nothing after the point) when markup nests deeper than 256
    elements. Such pages are re-parsed with ``huge_tree``, which raises the depth guard to 2048 and
    lifts the text-node size guard; that is safe here only because the input is capped at
    ``MAX_HTML_CHARS`` first. Deeper than 2048 is refused as ``too_deep``; bigger than the cap as
    ``too_large``. Everything downstream walks the tree iteratively.
    """
    if len(html) > MAX_HTML_CHARS:
        raise ExtractionError("too_large", f"page has {len(html):,} characters, cap is {MAX_HTML_CHARS:,}")
    if "\x00" in html:
        html = html.replace("\x00", "")
    if not html.strip():
        raise ExtractionError("unparseable", "empty document")
    tree, too_deep = _parse(html, huge=False)
    if too_deep:
        LOGGER.debug("markup deeper than 256 elements: re-parsing with huge_tree")
        tree, too_deep = _parse(html, huge=True)
        if too_deep:
            raise ExtractionError("too_deep", f"markup nests deeper than {MAX_DEPTH} elements; content would be lost")
    return tree


def _paragraphs(text: str, title: str | None) -> str:
    # Lines are what lies between runs of whitespace that hold a newline (the old rule, a split at
    # r"\s*\n\s*"). Splitting at every "\n" and normalising gives the same non-empty lines (re's \s and
    # str.split() agree on what whitespace is), without the regex's slow scan of the whole body.
    lines = [" ".join(line.split()) for line in (text or "").split("\n")]
    lines = [line for line in lines if line]
    if lines and title and lines[0].casefold() == title.casefold():
        lines = lines[1:]
    return "\n\n".join(lines)


# Below this many characters of body text the full rules most likely pruned the story itself (a `hidden`
# wrapper around a streamed page, a whole page inside an ARIA banner box, a layout box named "sidebar-grid"):
# the page gets a second, relaxed look. Chosen
# among 50-400 on the dev sets (docs/extraction.md, "Low-confidence second look"): leave-one-set-out
# picks 150-300; 200 keeps the extra parse to ~1.3 % of trafilatura-eval pages and none on zyte.
LOW_CONFIDENCE_CHARS = 200


def _second_look(html: str, title: str | None, text: str) -> str:
    """The relaxed pass's body where it finds more text than the full rules did, else ``text``.

    The first pass pruned its tree in place, so the page is parsed again (only on these few pages).
    """
    try:
        relaxed = _paragraphs(extract_body(parse_html(html), title, relaxed=True), title)
    except ValueError:
        # C0 control characters lxml refuses (see ``extract``): the full rules' answer stands
        return text
    return relaxed if len(relaxed) > len(text) else text


def extract(html: str, url: str | None = None, *, today: date | None = None) -> Extracted:
    """Extract the article body (paragraphs separated by blank lines) and metadata.

    Parses once: metadata is read from the untouched tree, then the body extractor prunes the same
    tree in place. Raises ``ExtractionError`` (with a ``code``) for pages it refuses. ``today``: the
    crawl or run day; no publication date after it is emitted (default: today's date, UTC). The pipeline
    passes the run's partition day, so a rerun gives the same dates whenever it runs.
    """
    if url is not None:
        try:
            urlsplit(url)
        except ValueError:  # "http://[x": an unusable base URL, not a reason to lose the page
            url = None
    tree = parse_html(html)
    meta = page_metadata(tree, url, html, today)
    title = meta["title"]
    fingerprint = template_fingerprint(tree)  # before the body extractor prunes the tree
    try:
        body = extract_body(tree, title, summary=meta["summary"])
    except ValueError as exc:
        # libxml2 keeps C0 control characters in text, but lxml refuses them when the pruner moves a
        # tail: drop them (they are never prose) and start again. Checked only on failure: scanning
        # every page for them costs more than this rare retry.
        if "XML compatible" not in str(exc) or not _XML_INCOMPATIBLE_RE.search(html):
            raise
        html = _XML_INCOMPATIBLE_RE.sub("", html)
        tree = parse_html(html)
        meta = page_metadata(tree, url, html, today)
        title = meta["title"]
        body = extract_body(tree, title, summary=meta["summary"])
    text = _paragraphs(body, title)
    if len(text) < LOW_CONFIDENCE_CHARS:
        text = _second_look(html, title, text)
    return Extracted(
        text=text,
        title=title,
        authors=meta["authors"],
        published_at=meta["published_at"],
        published_raw=meta["published_raw"],
        canonical_url=meta["canonical_url"],
        language=meta["declared_language"],
        published_at_source=meta["published_at_source"],
        modified_at=meta["modified_at"],
        site_name=meta["site_name"],
        template_fingerprint=fingerprint,
    )


__all__ = ["LOW_CONFIDENCE_CHARS", "Extracted", "ExtractionError", "extract", "parse_html"]
