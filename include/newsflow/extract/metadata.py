"""Page metadata from structured data first (JSON-LD, meta tags), markup second.

Works on an lxml tree that nobody has modified yet (extraction prunes it later).
"""

from __future__ import annotations

import html
import json
import logging
import re
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from newsflow.extract import bylines
from newsflow.extract.dates import page_dates, parse_datetime

LOGGER = logging.getLogger(__name__)

# Dublin Core first: a page that states it names the work's own creator and title there, where
# author/og:title often carry the publisher or a headline with the site's name appended.
_AUTHOR_META = ("dc:creator", "dc.creator", "dcterms.creator", "author", "article:author", "parsely-author",
                "sailthru.author", "byl")
_TITLE_META = ("dc:title", "dc.title", "dcterms.title", "og:title", "twitter:title", "headline", "parsely-title",
               "sailthru.title")
_BY_RE = re.compile(r"^\s*(?:by|von|par|por|di|door)\s+", re.IGNORECASE)
_SPLIT_AUTHORS_RE = re.compile(r"\s*(?:;|,|\band\b|&|\|)\s*", re.IGNORECASE)
_NOT_A_PERSON = re.compile(
    r"\b(staff|editor(?:s|ial)?|team|desk|news|newsroom|press|agency|associated|reuters|afp|"
    r"times|post|journal|tribune|herald|magazine|media|group|contributors?|correspondents?|"
    r"admin|administrator|webmaster|home|menu|search|sign|subscribe|login|share|follow|"
    r"updated|published|photo|video|image|getty|shutterstock|redaktion|r[ée]daction|redacci[óo]n|redazione|"
    r"redactie|online|digital|wire|bureau|service|network)\b",
    re.IGNORECASE,
)
_SITE_SUFFIX_RE = re.compile(r"\s+[|\-–—:·»]\s+[^|\-–—:·»]{2,60}$")


def _meta_map(tree: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for node in tree.iter("meta"):
        keys = (node.get("property") or node.get("name") or node.get("itemprop") or node.get("http-equiv")
                or "").strip().lower()
        value = (node.get("content") or "").strip()
        if not keys or not value:
            continue
        # RDFa lets one tag state several properties: property="dc:creator twitter:site_name"
        for key in keys.split() if " " in keys else (keys,):
            if key not in found:
                found[key] = value
    return found


def _json_ld(tree: Any) -> list[dict[str, Any]]:
    """Flatten the page's JSON-LD into a list of objects (iteratively: graphs nest)."""
    objects: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text.strip().rstrip(";"))
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                objects.append(item)
                graph = item.get("@graph")
                if graph is not None:
                    stack.append(graph)
    return objects


def _types(obj: dict[Any, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


_ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                  "opinionnewsarticle", "webpage", "liveblogposting", "report", "scholarlyarticle"}


# A byline often runs on into its date ("Steven Musil January 18", "Aleš Vávra před 2 hodinami"): a name
# ends at the first token holding a digit or naming a month, in the languages of the dev sets' news.
_MONTHS = frozenset([
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "januar",
    "februar", "märz", "mai", "juni", "juli", "oktober", "dezember", "janvier", "février", "mars", "avril", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre", "enero", "febrero", "marzo", "abril", "mayo",
    "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre", "gennaio", "febbraio", "aprile",
    "maggio", "giugno", "luglio", "settembre", "ottobre", "dicembre"
])
# Words that start the date part of a byline ("By Jane Doe Updated Jul 24, 2018").
_DATE_CUES = frozenset([
    "updated", "published", "posted", "aktualisiert", "veröffentlicht", "publié", "publicado", "pubblicato"
])
# Buttons printed inside byline markup ("John C. Welch Follow").
_BYLINE_BUTTONS = frozenset(["follow", "folgen", "suivre", "seguir", "segui", "volgen"])
# Lowercase words that belong inside a person's name; any other lowercase word ("Ad Operations at IAB",
# "Tim Denning in The Ascent") means the text is a phrase, not a name.
_NAME_PARTICLES = frozenset([
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du", "la", "le", "bin", "ibn",
    "al", "el", "y", "e", "zu", "ten", "ter"
])
_ARTICLES = frozenset(["the", "a", "an", "der", "die", "das", "le", "la", "les", "el", "il", "lo"])


def _name_tokens(name: str) -> list[str]:
    """The name's words, up to where a date or a handle runs on ("Nolan22 Dec 2016" → "Nolan"), minus words left over
    from the date phrase ("před" of "před 2 hodinami") and trailing Follow buttons."""
    digit = next((i for i, ch in enumerate(name) if ch.isdigit()), None)
    cut = digit is not None
    tokens = name[:digit].split() if cut else name.split()
    for i, token in enumerate(tokens):
        word = token.strip(".,:").casefold()
        if word in _MONTHS or word in _DATE_CUES or token.startswith("@"):  # a date, or a social handle
            tokens, cut = tokens[:i], True
            break
    while tokens and (tokens[-1].casefold().strip(".,:;") in _BYLINE_BUTTONS or (cut and tokens[-1][:1].islower())):
        tokens.pop()
    return tokens


def clean_author(name: str) -> str | None:
    name = _BY_RE.sub("", " ".join(name.split())).strip(" .,:;|-–—")
    name = " ".join(_name_tokens(name)).strip(" .,:;|-–—")
    if not name or len(name) > 60 or len(name.split()) > 5 or "@" in name or "http" in name or "/" in name:
        return None
    if _NOT_A_PERSON.search(name) or not re.search(r"[^\W\d_]", name):
        return None
    if name.isupper() or name.islower():
        name = name.title()
    if len(name) < 2 or any(t[:1].islower() and t not in _NAME_PARTICLES for t in name.split()):
        return None  # "I" of "Mac & i"; "on Twitter"
    return name


def looks_like_a_person(name: str) -> bool:
    """Two to four capitalised words, not led by an article: how a person's name reads (a publisher's
    usually has an article or a publisher word, which ``_NOT_A_PERSON`` catches)."""
    tokens = name.split()
    return (2 <= len(tokens) <= 4 and tokens[0].casefold() not in _ARTICLES
            and all(t[:1].isupper() or t in _NAME_PARTICLES for t in tokens))


def split_authors(value: str) -> list[str]:
    names = []
    for part in _SPLIT_AUTHORS_RE.split(_BY_RE.sub("", value or "")):
        cleaned = clean_author(part)
        if cleaned and cleaned not in names:
            names.append(cleaned)
    return names


def _ld_authors(obj: dict[Any, Any]) -> list[str]:
    raw = obj.get("author") or obj.get("creator")
    items = raw if isinstance(raw, list) else [raw]
    names: list[str] = []
    for item in items:
        if isinstance(item, dict):
            if _types(item) & {"organization", "newsmediaorganization", "corporation"}:
                continue
            value = item.get("name")
        else:
            value = item
        if isinstance(value, str):
            for name in split_authors(value):
                if name not in names:
                    names.append(name)
    return names


_ENTITY_RE = re.compile(r"&(?:#\d{2,6}|#x[0-9a-fA-F]{2,6}|[a-zA-Z]{2,8});")


def _clean_title(text: str) -> str:
    """Whitespace folded; HTML entities that a CMS escaped twice ("&#163;71.6m" in og:title) decoded."""
    if "&" in text and _ENTITY_RE.search(text):
        text = html.unescape(text)
    return " ".join(text.split())


# Compiled once: tree.xpath(str) parses the expression again on every call.
_TITLE_TEXT_XPATH = etree.XPath("//title/text()")
_H1_XPATH = etree.XPath("//h1")
_LANG_XPATH = etree.XPath("/html/@lang | /html/@xml:lang", namespaces={"xml": "http://www.w3.org/XML/1998/namespace"})


def _whole_document(tree: Any) -> bool:
    """True when ``tree.iter()`` visits every element an absolute XPath (``//x``) would: the walks in
    Python below are exact replacements for such XPaths only then (else they fall back to XPath)."""
    return tree.getparent() is None and tree.getprevious() is None and tree.getnext() is None


def _title_texts(tree: Any, titles: list[Any] | None) -> list[Any]:
    return _TITLE_TEXT_XPATH(tree) if titles is None else titles


_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " :: ")


def _as_shown(title: str, tree: Any) -> str:
    """The stated title without a trailing " | Site" (or " - Site | date") when the page's ``<h1>`` shows
    exactly the part before it: the headline as the reader sees it ("... - Golem.de" in og:title)."""
    cuts = sorted({i for sep in _TITLE_SEPARATORS for i in _find_all(title, sep)}, reverse=True)
    if not cuts:
        return title
    shown = {" ".join("".join(h.itertext()).split()).casefold() for h in tree.iter("h1")}
    for cut in cuts:
        head = title[:cut].strip()
        if head and head.casefold() in shown:
            return head
    return title


def _find_all(text: str, sep: str) -> list[int]:
    found, start = [], text.find(sep)
    while start > 0:
        found.append(start)
        start = text.find(sep, start + 1)
    return found


def title_from(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]],
               titles: list[Any] | None = None) -> str | None:
    for obj in ld:
        if _types(obj) & _ARTICLE_TYPES and isinstance(obj.get("headline"), str) and obj["headline"].strip():
            return _as_shown(_clean_title(obj["headline"]), tree)
    for key in _TITLE_META:
        if meta.get(key):
            return _as_shown(_clean_title(meta[key]), tree)
    titles = _title_texts(tree, titles)
    if titles and titles[0].strip():
        return _SITE_SUFFIX_RE.sub("", " ".join(titles[0].split())) or None
    h1 = _H1_XPATH(tree)
    if h1:
        text = " ".join("".join(h1[0].itertext()).split())
        return text or None
    return None


# A cheap pre-selection (plain contains) in XPath; the exact byline test in Python (``_is_byline``).
_BYLINE_XPATH = ("//*[@rel='author' or @itemprop='author' or contains(@class,'author') or contains(@class,'byline')"
                 " or contains(@class,'fn')]")
_BYLINE_CLASS_PARTS = ("byline__name", "author-name", "byline-name", "byline-author", "article-author")
_BYLINE_COMPILED = etree.XPath(_BYLINE_XPATH)


def _byline_candidates(tree: Any) -> list[Any]:
    """What ``_BYLINE_XPATH`` selects, in document order. libxml2 turns each contains(@class, ...) into a
    string copy per element: a walk in Python with plain ``in`` tests takes about half the time."""
    if not _whole_document(tree):
        return list(_BYLINE_COMPILED(tree))
    found = []
    for node in tree.iter(etree.Element):
        if node.get("rel") == "author" or node.get("itemprop") == "author":
            found.append(node)
            continue
        cls = node.get("class")
        if cls and ("author" in cls or "byline" in cls or "fn" in cls):
            found.append(node)
    return found


def _is_byline(node: Any) -> bool:
    cls = node.get("class") or ""
    tokens = cls.split()
    if "org" in tokens:  # hCard's "fn org": an organisation's name (a Wikipedia infobox), never a byline
        return False
    if node.get("rel") == "author" or node.get("itemprop") == "author":
        return True
    if any(part in cls for part in _BYLINE_CLASS_PARTS):
        return True
    # BEM and prefixed names: "article__author", "post-author", "story_byline"
    return any(t in ("author", "fn", "byline") or t.endswith(("-byline", "_byline", "__author", "-author", "_author"))
               for t in tokens)


def _in_comments(node: Any) -> bool:
    """Inside a comment thread (an ancestor's class or id names comments): commenters are not authors."""
    for ancestor in node.iterancestors():
        marks = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".lower()
        if "comment" in marks:
            return True
    return False


def _visible_text(node: Any) -> str:
    """The node's text without what scripts and styles inside it hold (an e-mail obfuscator's code)."""
    parts = []
    for event, element in etree.iterwalk(node, events=("start", "end")):
        if event == "start":
            if element.text and element.tag not in ("script", "style"):
                parts.append(element.text)
        elif element is not node and element.tail:
            parts.append(element.tail)
    return " ".join(" ".join(parts).split())


_BYLINE_MAX_CHARS = 100  # longer text in byline markup is an author bio box or a widget, not a byline


def _byline_box(node: Any) -> Any:
    """The element holding the byline ``node`` and its siblings: its parent, or its grandparent when that
    is still byline-sized (names split over items of an author list), never the article around it."""
    parent = node.getparent()
    grandparent = parent.getparent() if parent is not None else None
    if grandparent is None:
        return parent
    length = 0
    for piece in grandparent.itertext():
        length += len(piece.strip())
        if length > 2 * _BYLINE_MAX_CHARS:
            return parent
    return grandparent


def _byline_names(tree: Any) -> list[str]:
    """Names in the page's own byline: the first byline element that names someone, and the byline
    elements in the same box (a byline split over several links or list items). Later bylines elsewhere
    on the page belong to teasers, widgets or comments."""
    names: list[str] = []
    cluster = None
    for node in [n for n in _byline_candidates(tree) if _is_byline(n)][:24]:
        if cluster is not None and cluster not in node.iterancestors():
            continue
        content = node.get("content") if node.tag == "meta" else None
        text = content or _visible_text(node)
        if not text or len(text) > _BYLINE_MAX_CHARS or "<" in text or _in_comments(node):
            continue
        found = split_authors(text)
        if not found:
            continue
        if cluster is None:
            cluster = _byline_box(node)
        names += [name for name in found if name not in names]
    return names


def _publisher_names(meta: dict[str, str], ld: list[dict[str, Any]]) -> list[str]:
    """The publisher's names the page states, most explicit first: og:site_name, the JSON-LD publisher
    (and Organization/WebSite objects), application-name, the publisher meta tag."""
    names = [meta.get("og:site_name", "")]
    for obj in ld:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.append(publisher["name"])
    for obj in ld:
        if _types(obj) & {"organization", "newsmediaorganization", "website"} and isinstance(obj.get("name"), str):
            names.append(obj["name"])
    names += [meta.get("application-name", ""), meta.get("publisher", "")]
    return [" ".join(n.split()) for n in names if n and n.strip() and not n.strip().startswith("http")]


def _title_suffix(titles: list[Any]) -> str | None:
    if titles:
        match = _SITE_SUFFIX_RE.search(" ".join(titles[0].split()))
        if match:
            return match.group(0).strip(" |-–—:·»") or None
    return None


def site_name_from(meta: dict[str, str], ld: list[dict[str, Any]], titles: list[Any]) -> str | None:
    """The publisher's name (not the domain: that is the record's ``source``); the ``<title>`` suffix
    ("Story | The Daily Ledger") when the page names it nowhere else."""
    names = _publisher_names(meta, ld)
    return _clean_title(names[0]) if names else _title_suffix(titles)


def site_names(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], titles: list[Any] | None = None) -> set[str]:
    """Names the site goes by (publisher names and the <title> suffix): never an author."""
    names = [*_publisher_names(meta, ld), _title_suffix(_title_texts(tree, titles)) or ""]
    return {n.casefold() for n in names if n}


def byline_candidates(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], titles: list[Any] | None = None,
                      title: str | None = None) -> list[bylines.Candidate]:
    """Every name the page credits, pooled and described for the byline ranker (``bylines``)."""
    mentions, headline_at, elements = bylines.page_mentions(tree, meta, ld, _ARTICLE_TYPES, title)
    return bylines.candidates(mentions, headline_at, elements, site_names(tree, meta, ld, titles))


def authors_from(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], titles: list[Any] | None = None,
                 title: str | None = None) -> list[str]:
    """Who wrote the piece: the byline ranker's choice among the page's credited names (``bylines``); the
    rules (``authors_by_rules``) when no model is shipped."""
    weights = bylines.load_model()
    if weights is None:
        return authors_by_rules(tree, meta, ld, titles)
    return bylines.choose(byline_candidates(tree, meta, ld, titles, title), weights)


def authors_by_rules(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]],
                     titles: list[Any] | None = None) -> list[str]:
    """People who wrote the piece: JSON-LD persons, then byline markup, then the author meta tag.

    Byline markup comes before ``<meta name=author>`` because news sites often put the publisher there;
    any name that is the site's own name is dropped wherever it comes from.
    """
    sites = site_names(tree, meta, ld, titles)

    def is_the_site(name: str) -> bool:
        folded = name.casefold()
        if folded in sites:  # the site's own name, unless the site is a person's own ("Haki Benita")
            return not looks_like_a_person(name)
        # the site's name minus a word: "Android Developers" on "Android Developers Blog"
        return any(site.startswith(folded + " ") for site in sites)

    def people(names: list[str]) -> list[str]:
        return [n for n in names if not is_the_site(n)]

    for obj in ld:
        if _types(obj) & _ARTICLE_TYPES:
            names = people(_ld_authors(obj))
            if names:
                return names
    meta_names: list[str] = []
    for key in _AUTHOR_META:
        value = meta.get(key)
        if value and not value.startswith("http"):
            meta_names = people(split_authors(value))
            if meta_names:
                break
    if meta_names and all(looks_like_a_person(n) for n in meta_names):
        return meta_names  # people by name: the byline would say the same (and its walk costs ~7 % of a page)
    return people(_byline_names(tree)) or meta_names


_CANONICAL_XPATH = etree.XPath("//link[@rel='canonical']/@href | //link[@rel='Canonical']/@href")


def _canonical_links(tree: Any) -> list[Any]:
    """What ``_CANONICAL_XPATH`` selects; ``iter("link")`` finds the few <link>s in C, several times faster."""
    if not _whole_document(tree):
        return list(_CANONICAL_XPATH(tree))
    links = []
    for link in tree.iter("link"):
        if link.get("rel") in ("canonical", "Canonical"):
            href = link.get("href")
            if href is not None:
                links.append(href)
    return links


def canonical_from(tree: Any, meta: dict[str, str], url: str | None) -> str | None:
    links = _canonical_links(tree)
    for href in [*links, meta.get("og:url", "")]:
        href = (href or "").strip()
        if href and not href.startswith(("javascript:", "#")):
            try:
                absolute = urljoin(url, href) if url else href
                scheme = urlsplit(absolute).scheme
            except ValueError:  # e.g. "http://[x": a broken link is no canonical URL
                continue
            if scheme in ("http", "https"):
                return absolute
    return url


def declared_language(tree: Any, meta: dict[str, str]) -> str | None:
    roots = _LANG_XPATH(tree)
    value = (roots[0] if roots else "") or meta.get("content-language") or meta.get("og:locale") or ""
    code = value.strip().replace("_", "-").split("-")[0].lower()
    return code if len(code) == 2 and code.isalpha() else None


def page_metadata(tree: Any, url: str | None, page_html: str | None = None,
                  today: date | None = None) -> dict[str, Any]:
    """Metadata of the untouched tree; ``page_html`` (the page's markup as text) lets the date search fall back to
    htmldate, which parses it again on the few pages that state no date in structured data. ``today``: the
    run's day (no later date is returned); the wall clock's when not given."""
    meta = _meta_map(tree)
    ld = _json_ld(tree)
    titles = _TITLE_TEXT_XPATH(tree)  # read by both title_from and site_names
    title = title_from(tree, meta, ld, titles)
    published, modified = page_dates(tree, meta, ld, _ARTICLE_TYPES, url, page_html, today, title)
    return {
        "title": title,
        "site_name": site_name_from(meta, ld, titles),
        "authors": authors_from(tree, meta, ld, titles, title),
        "published_at": published.moment if published else None,
        "published_raw": published.raw if published else None,
        "published_at_source": published.source if published else None,
        "modified_at": modified.moment if modified else None,
        "canonical_url": canonical_from(tree, meta, url),
        "declared_language": declared_language(tree, meta),
        "summary": summary_from(meta),
    }


_SUMMARY_KEYS = ("og:description", "description", "twitter:description")


def summary_from(meta: dict[str, str]) -> str | None:
    """The page's summary as its ``<head>`` states it (Open Graph, then the plain meta description)."""
    return next((meta[key] for key in _SUMMARY_KEYS if meta.get(key)), None)


__all__ = ["clean_author", "etree", "page_metadata", "parse_datetime", "split_authors"]
