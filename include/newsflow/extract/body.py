"""Main-content extraction on an lxml tree: prune furniture, score containers, collect text blocks.

The shape follows readability/boilerpipe: paragraphs vote for their ancestors (text length, commas),
candidates are discounted by link density and class/id hints, the winner's qualifying siblings join it,
then its text is collected block by block (paragraph breaks kept) with short link-dense blocks and
furniture phrases dropped. Every walk is iterative (``iter``/``iterwalk`` run in C), so deep trees
cannot hit Python's recursion limit. The tree is modified in place: parse a fresh one per call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from lxml import etree

LOGGER = logging.getLogger(__name__)

# Elements that never hold article prose: removed with their content (their tail text is kept).
_DROP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "form", "button", "select",
    "input", "textarea", "option", "nav", "footer", "aside", "figure", "figcaption", "canvas", "video",
    "audio", "object", "embed", "map", "dialog", "menu", "head", "title", "meta", "link", "label",
    "header", "picture", "img", "source", "fieldset", "legend", "time",
})
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog",
                         "menu", "menubar", "search", "button", "toolbar", "alert"})
# Dropped tags that some sites wrap around the whole page (ASP.NET forms, an <aside> layout): removed
# only when they do not hold most of the page's text.
_WRAPPER_TAGS = frozenset({"form", "header", "footer", "aside", "nav", "figure", "menu", "dialog", "label",
                           "fieldset"})
_STRIP_TAGS = tuple(sorted(_DROP_TAGS - _WRAPPER_TAGS))
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl",
    "dd", "dt", "blockquote", "pre", "table", "tr", "td", "th", "tbody", "thead", "tfoot", "caption",
    "address", "center", "hr", "br", "body", "html",
})
_META_ITEMPROPS = frozenset({"datepublished", "datemodified", "datecreated", "author", "publisher",
                             "creator", "dateline"})
_TABLE_ROW_TAGS = frozenset({"tr", "tbody", "thead", "tfoot"})
_PARAGRAPH_TAGS = ("p", "pre", "td", "blockquote", "div", "section", "li", "h2", "h3", "h4")
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# class/id tokens that mark furniture. A token matches when it *starts* with one of these words
# ("related-stories", "share_bar", "newsletter") or, for the suffix list, *ends* with one
# ("article-share", "post-tags"); "page-header-wrapper" or "has-sidebar" do not match. A utility-CSS variant
# prefix is a condition, not a name: "print:article-dropcap-print" is judged by "article-dropcap-print",
# "print:hidden" by "hidden".
_FURNITURE_WORDS = (
    r"ad|ads|adv|advert\w*|adslot|adunit|ad\d*|banner|breadcrumbs?|byline\w*|cookie\w*|consent|gdpr|"
    r"comments?|commentary|disqus|footer|masthead|menu|nav|navbar|navigation|newsletter\w*|"
    r"outbrain|taboola|popup|modal|overlay|promo\w*|related\w*|recommend\w*|more|"
    r"read|readmore|share\w*|sharing|social\w*|sidebar|rail|signup|subscribe\w*|subscription|"
    r"sponsor\w*|tags?|taglist|topics|keywords|toolbar|trending|mostpopular|popular|widget|"
    r"author|caption|credit|credits|video|embed|print|hidden|visually|sr|screen|skip|pagination|pager|"
    r"jump|teaser|also|see|further|dateline|timestamp|tools|utility|utilities|email|follow|"
    r"pullquote|correction|disclaimer|affiliate|outstream|dfp|gpt|native|partner\w*|"
    r"alert|notification|login|signin|sticky|flyout|dropdown|ticker|header|"
    r"pagehead|logo|search|newsfeed|most|next|prev|previous|"
    r"image|photo|gallery|slideshow|carousel|player|audio|podcast|meta|"
    r"contributor|bio|hed|headline|kicker|eyebrow"
)
_FURNITURE_SUFFIXES = (
    r"share\w*|sharing|social\w*|related\w*|comments?|tags|footer|header|meta|newsletter|sidebar|"
    r"promo|ad|ads|advert|advertisement|byline|caption|credit|author|nav|menu|toolbar|tools|widget|"
    r"recommend\w*|recirc|timestamp|date|signup|subscribe|breadcrumbs?|pagination|popup|banner"
)


def _by_first_letter(alternatives: str) -> str:
    """The same alternatives grouped by their first letter ("a(?:d|ds|...)|b(?:anner|...)"): re tries an
    alternation's branches one by one at every token start, and skips a group on its first letter. Same
    matches; a quarter less time on class strings, which the class/id verdicts of new pages all meet."""
    groups: dict[str, list[str]] = {}
    for alternative in alternatives.split("|"):  # (a "|" inside a group would be cut here)
        if not alternative[:1].isalnum() or "(" in alternative or "[" in alternative:
            raise ValueError(f"not a plain word alternative: {alternative!r}")
        groups.setdefault(alternative[0], []).append(alternative[1:])
    return "|".join(f"{letter}(?:{'|'.join(rests)})" for letter, rests in groups.items())


_FURNITURE_RE = re.compile(
    rf"(?:^|[\s:])(?:{_by_first_letter(_FURNITURE_WORDS)})(?=\s|$|[-_.])"
    rf"|[-_](?:{_by_first_letter(_FURNITURE_SUFFIXES)})(?=\s|$)"
)
# Words that protect an element matched above when they name the article itself.
_CONTENT_RE = re.compile(
    r"(?:^|[\s_-])(?:article-?body|articlebody|story-?body|storybody|entry-content|post-content|"
    r"article-content|articlecontent|main-content|body-text|bodytext|article-text|story-content|"
    r"text-body|content-body|post-body|rich-text|richtext|hentry|type-post|type-page)(?=$|[\s_-])"
)
_POSITIVE_RE = re.compile(r"article|body|content|entry|hentry|main|page|post|text|blog|story")
_NEGATIVE_RE = re.compile(
    r"hidden|banner|combx|comment|com-|contact|foot|footer|footnote|masthead|media|meta|outbrain|promo|"
    r"related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|newsletter|"
    r"subscribe|signup|social|recommend|trending|popular|ad-|advert"
)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WS_RE = re.compile(r"\s+")

# Whole blocks that are page furniture, not prose (matched on the whole block, case-insensitive).
_FURNITURE_BLOCK_RE = re.compile(
    r"^(?:advertisement|advertising|advert|ad|sponsored|tags|topics|related news|popular|most popular|"
    r"most read|latest|latest news|latest galleries|trending|trending now|more from .{1,40}|"
    r"(?:first )?(?:published|updated|posted|last updated)(?: on| at)?:? .{0,40}|"
    r"this (?:slideshow|video|content|feature) requires javascript.*|tell us what you think.*|"
    r"you can view .{0,80}here|click here .{0,80}|story continues below(?: advertisement)?|"
    r"continue reading(?: below| the main story)?|read more|read more:.*|related:.*|"
    r"related( articles| stories| coverage)?|"
    r"see also:.*|more:.*|also read:.*|recommended|share( this( article| story)?)?|share on \w+|"
    r"click to share.*|tweet|email|print|comments?|\d+ comments?|subscribe|sign up|follow us.*|"
    r"image:.*|photo:.*|credit:.*|getty images|image copyright.*|image caption.*|media caption.*|"
    r"(?:this|the) article (?:continues|is continued) below.*|skip (?:to|advert).*|"
    r"we use cookies.*|accept( all)?( cookies)?|loading\W*|play video|watch:.*|listen:.*|"
    r"please verify you'?re (?:not )?a robot.*|invalid email address.*|you must select a newsletter.*|"
    r"view all new york times newsletters\.?|sign up for .* newsletter.*|"
    r"thanks? (?:you )?for (?:signing up|subscribing).*|"
    r"(?:by )?(?:signing up|subscribing),? you agree.*"
    r")\W*$",
    re.IGNORECASE,
)


def _attr_words(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


_KEEP, _DROP, _SUSPECT = 0, 1, 2
# The class/id regexes below were most of prune's time, and class/id strings repeat within a page and
# across a site's pages: their verdict is kept (bounded: emptied when full, a few MB at most).
_WORDS_KIND: dict[Any, Any] = {}
_WORDS_KIND_MAX = 50_000
_PLAIN, _FURNITURE, _NAMED_CONTENT = 0, 1, 2
# every name _CONTENT_RE knows holds one of these: most class strings are decided without it
_CONTENT_HINT_RE = re.compile(r"body|content|text|hentry|type-p")


def _words_kind(words: str) -> int:
    """What a class/id string names: the article's body (``_CONTENT_RE``), furniture, or neither."""
    found = _WORDS_KIND.get(words)
    if found is None:
        if len(_WORDS_KIND) > _WORDS_KIND_MAX:
            _WORDS_KIND.clear()
        if _CONTENT_HINT_RE.search(words) and _CONTENT_RE.search(words):
            found = _NAMED_CONTENT
        else:
            found = _FURNITURE if _FURNITURE_RE.search(words) else _PLAIN
        _WORDS_KIND[words] = found
    return found


def _verdict(tag: str, items: tuple[Any, ...]) -> int:
    """What ``prune`` does with an element, from its tag and attributes alone: 0 keep, 1 drop, 2 suspect."""
    tag = tag.lower()
    if tag in _DROP_TAGS:
        return _SUSPECT if tag in _WRAPPER_TAGS else _DROP
    if not items:
        return _KEEP
    attrs = dict(items)
    if "style" in attrs and _HIDDEN_STYLE_RE.search(attrs["style"]):
        return _DROP
    if "hidden" in attrs:
        # the attribute paywall scripts lift for subscribers: suspect, so the text guard keeps a story
        # served whole but hidden, and drops the hidden menus and dialogs that hold little of the page
        return _SUSPECT
    role = attrs.get("role")
    if role and role.lower() in _DROP_ROLES:
        return _DROP
    if attrs.get("aria-hidden") == "true" and tag not in ("p", "div", "section"):
        return _DROP
    itemprops = (attrs.get("itemprop") or "").lower().split()  # microdata allows several names
    if not _META_ITEMPROPS.isdisjoint(itemprops) and "articlebody" not in itemprops:  # dates and bylines
        return _SUSPECT
    return _named_verdict(tag, attrs.get("class"), attrs.get("id"), "articlebody" in itemprops)


def _named_verdict(tag: str, cls: str | None, id_: str | None, article_body: bool = False) -> int:
    """``_verdict``'s last step, by class and id: ``tag`` is lowercased and not a dropped tag."""
    if tag in _TABLE_ROW_TAGS:  # row classes describe the data ("player-2020-580"), not the page
        return _KEEP
    words = f"{cls or ''} {id_ or ''}".lower()
    if len(words) > 1 and tag not in ("html", "body", "main", "article") and not article_body \
            and _words_kind(words) == _FURNITURE:
        return _SUSPECT
    return _KEEP


# Besides class and id, the attributes ``_verdict`` reads. An element carrying none of them has the verdict
# of its tag, class and id alone: that triple repeats across a site's pages where the full attribute list
# (href, src, data-*) does not, so its verdict is kept across pages (bounded like ``_WORDS_KIND``: about
# 5 MB when full), and the href of every link is neither copied into a key nor hashed.
_RARE_VERDICT_ATTRS = frozenset({"hidden", "style", "role", "aria-hidden", "itemprop"})
_SHARED_VERDICTS: dict[tuple[str, str | None, str | None], int] = {}
_SHARED_VERDICTS_MAX = 20_000


def _shared_verdict(key: tuple[str, str | None, str | None]) -> int:
    """``_verdict`` of an element without the rare attributes, from its (tag, class, id), kept."""
    if len(_SHARED_VERDICTS) > _SHARED_VERDICTS_MAX:
        _SHARED_VERDICTS.clear()
    tag, cls, id_ = key
    lowered = tag.lower()
    verdict = _SHARED_VERDICTS[key] = _verdict(lowered, ()) if lowered in _DROP_TAGS \
        else _named_verdict(lowered, cls, id_)
    return verdict


_NOSCRIPT_PROSE_CHARS = 400
_STANDFIRST_MIN_CHARS = 80
_INNER_BLOCK_TAGS = ("p", "div", "section", "article", "h1", "h2", "h3", "h4", "ul", "ol", "table", "blockquote")
_HEADER_BOX_DIVS = 40  # a story's header box is small; a page wrapper holding the headline is not one


def _holds_bare_standfirst(el: Any) -> bool:
    """A header box (``<header>``, or named for one) holding a standfirst set as a bare ``<div>`` of text
    ("summary", "intro"). Asked only of the suspects that hold a headline: a walk over every ``<div>`` of the
    page cost 1 % of the extractor."""
    if el.tag != "header" and "head" not in _attr_words(el):
        return False
    for box in islice(el.iter("div"), _HEADER_BOX_DIVS):
        text = box.text
        if text and len(text) >= _STANDFIRST_MIN_CHARS and next(box.iterdescendants(*_INNER_BLOCK_TAGS), None) is None \
                and len(_norm(_text(box))) >= _STANDFIRST_MIN_CHARS:
            return True
    return False


def _headline_headings(root: Any, headline: str | None) -> list[Any]:
    """The headings under ``root`` that show ``headline`` (``_shows_headline``): its ``<h1>``s, or where no
    ``<h1>`` does (a logo or a section name in the ``<h1>``), its ``<h2>``s."""
    if not headline:
        return []
    found = [el for el in root.iter("h1") if _shows_headline(_norm(_text(el)).casefold(), headline)]
    if not found:
        found = [el for el in root.iter("h2") if _shows_headline(_norm(_text(el)).casefold(), headline)]
    return found


def prune(root: Any, headings: Sequence[Any] = ()) -> None:
    """Remove furniture in place: tags, hidden nodes, class/id patterns, ARIA roles, comments.
    ``headings``: those that show the page's headline (``_headline_headings``); the story's header box is
    known by them."""
    # A <noscript> holding paragraphs of prose is the page's rendering for readers without JavaScript
    # (blog platforms put the whole post there and draw it with a script): it becomes a plain block.
    # The usual <noscript> (a tracking pixel, "please enable JavaScript") holds no <p> of that size.
    for holder in list(root.iter("noscript")):
        if sum(len(_text(p)) for p in holder.iter("p")) >= _NOSCRIPT_PROSE_CHARS:
            holder.tag = "div"
    _drop_bare_readings(root)
    # tags that never hold prose go first, in C (their tail text stays), so the walk below is short
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, *_STRIP_TAGS, with_tail=False)
    doomed, suspects = [], []
    # Most elements take a verdict kept by (tag, class, id) (``_SHARED_VERDICTS``). Those with one of the
    # rarer attributes repeat an earlier one's tag and attributes exactly within a page (list items, grid
    # cells): one verdict per distinct pair, per page only (href/src make most pairs page-specific).
    verdicts: dict[Any, Any] = {}
    get_verdict = verdicts.get
    get_shared = _SHARED_VERDICTS.get
    for el in root.iter(etree.Element):  # elements only: no entities
        if _RARE_VERDICT_ATTRS.isdisjoint(el.keys()):
            shared = (el.tag, el.get("class"), el.get("id"))
            verdict = get_shared(shared)
            if verdict is None:
                verdict = _shared_verdict(shared)
        else:
            key = (el.tag, *el.items())
            verdict = get_verdict(key)
            if verdict is None:
                verdict = verdicts[key] = _verdict(key[0], key[1:])
        if verdict:
            if verdict == _DROP:
                doomed.append(el)
            else:
                suspects.append(el)
    for el in doomed:
        _remove_keep_tail(el)
    doomed = _link_cards(root)
    if suspects:
        # A class name can lie ("has-sidebar" wrappers, "paywall" article bodies): never drop an
        # element holding most of the page's paragraph text.
        p_len = {p: len(_norm(_text(p))) for p in root.iter("p")}
        total_p = sum(p_len.values()) or 1
        # <p> text beneath each element, pushed up from the few <p>s once: a page has over a hundred
        # suspects, and walking each one's subtree for its <p>s cost more than the rest of the check
        p_under: dict[Any, Any] = {}
        nested = False
        # the elements holding a standfirst-sized <p> and those holding an <h1> (each with itself): the
        # story-header test of every suspect, answered from the few <p>s and <h1>s once
        standfirst_holders: set[Any] = set()
        for p, length in p_len.items():
            p_under[p] = p_under.get(p, 0) + length
            standfirst = length >= _STANDFIRST_MIN_CHARS
            if standfirst:
                standfirst_holders.add(p)
            for ancestor in p.iterancestors():
                p_under[ancestor] = p_under.get(ancestor, 0) + length
                if standfirst:
                    standfirst_holders.add(ancestor)
                if ancestor.tag == "p":
                    nested = True
        h1_holders: set[Any] = set()
        for h1 in [*root.iter("h1"), *headings]:
            h1_holders.add(h1)
            h1_holders.update(h1.iterancestors())
        # The story's own header: the headline (an ``<h1>``, or the ``<h2>`` showing the page's title where
        # the ``<h1>`` holds a logo) with a standfirst paragraph under it (or a bare ``<div>`` of text,
        # ``_holds_bare_standfirst``). The standfirst is part of the article; the headline, byline and date
        # in it go by their own rules.
        story_headers = h1_holders & standfirst_holders
        # Normalising the whole page's text is costly and rarely needed: a suspect's raw text length
        # bounds its normalised length from above, and the <p> total (when no <p> nests in another)
        # bounds the page's from below, so most suspects are decided on the bounds alone.
        total_lower = 0 if nested else sum(p_len.values())
        total_text = None
        embed_holders = _embed_holders(root)
        # Suspects come in document order, so those inside a doomed suspect follow it: they go with it,
        # and reading their text again (nested furniture wrappers) is skipped.
        last_doomed = None
        for el in suspects:
            if last_doomed is not None:
                if last_doomed in el.iterancestors():
                    continue
                last_doomed = None
            if p_under.get(el, 0) / total_p >= 0.4 or el in embed_holders or el in story_headers \
                    or _is_lead(el) or _in_sentence(el) or (el in h1_holders and _holds_bare_standfirst(el)):
                continue
            text = _text(el)
            if total_lower and len(text) / total_lower < 0.4:
                doomed.append(el)
                last_doomed = el
                continue
            if total_text is None:
                total_text = len(_norm(_text(root))) or 1
            if len(text) / total_text < 0.4 or len(_norm(text)) / total_text < 0.4:
                doomed.append(el)
                last_doomed = el
    for el in doomed:
        _remove_keep_tail(el)


def _drop_bare_readings(root: Any) -> None:
    """Ruby readings printed over CJK words (子<rt>こ</rt>ども) are not words of the text: inline they
    double every annotated word ("子こども"). Where the page gives ``<rp>`` parentheses, it asks readers
    without ruby to read "尹錫悦（ユンソンニョル）": those readings stay, as the page writes them."""
    for rt in list(root.iter("rt")):
        ruby = rt.getparent()
        if ruby is not None and next(ruby.iter("rp"), None) is None:
            _remove_keep_tail(rt)


_TEASER_RE = re.compile(r"(?:^|\s)teaser")


def _in_sentence(el: Any) -> bool:
    """A link inside a paragraph's running text: its words belong to the sentence, whatever its class
    says ("tag-link" keyword links around names)."""
    if el.tag != "a":
        return False
    parent = el.getparent()
    if parent is None or parent.tag != "p":
        return False
    return bool((el.tail or "").strip() or (parent.text or "").strip() or el.getprevious() is not None)


def _is_lead(el: Any) -> bool:
    """A "teaser" box without a link: the article's own lead (news CMSs call the standfirst the teaser
    text), not a card pointing at another story, which always links to it."""
    if "teaser" not in (el.get("class") or "") or not _TEASER_RE.search(_attr_words(el)) \
            or next(el.iter("a"), None) is not None:
        return False
    return len(_norm(_text(el))) >= _STANDFIRST_MIN_CHARS




# Embedded posts (the platforms' own embed markup: a blockquote carrying the post's text) are quoted in
# the story, even when the site wraps them in a "social-embed" box or a <figure>.
_EMBED_CLASS_RE = re.compile(r"(?:^|\s)(?:twitter-tweet|twitter-video|instagram-media|tiktok-embed|"
                             r"reddit-card|imgur-embed|bluesky-embed|mastodon-embed|fb-post|fb-xfbml)")


def _embed_holders(root: Any) -> set[Any]:
    """Embedded posts and every element around them."""
    holders = set()
    for bq in root.iter("blockquote"):
        if _EMBED_CLASS_RE.search(bq.get("class") or ""):
            holders.add(bq)
            holders.update(bq.iterancestors())
    return holders


def _link_cards(root: Any) -> list[Any]:
    """Inline link lists inside a paragraph (hover cards: a <span> of three or more links, nearly all
    of its text linked): the innermost such spans, to be removed."""
    cards = []
    for p in root.iter("p"):
        for span in p.iter("span"):
            links = list(span.iter("a"))
            if len(links) < 3:
                continue
            text_len = len(_norm(_text(span)))
            if text_len >= 80 and sum(len(_norm(_text(a))) for a in links) >= 0.8 * text_len:
                cards.append(span)
    card_set = set(cards)
    return [span for span in cards if not any(d in card_set for d in span.iter("span") if d is not span)]


def _remove_keep_tail(el: Any) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _is_body_part(el: Any) -> bool:
    """schema.org's ``articleBody``, alone or among the element's other microdata names."""
    itemprop = el.get("itemprop")
    return bool(itemprop) and "articlebody" in itemprop.lower().split()


def _is_article(el: Any) -> bool:
    return el.tag == "article" or _is_body_part(el)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _text(el: Any) -> str:
    """All text under ``el`` (libxml2's serializer: C speed, no Python walk)."""
    return str(etree.tostring(el, method="text", encoding=str, with_tail=False))


def _class_weight(el: Any) -> int:
    words = _attr_words(el)
    weight = 0
    if _NEGATIVE_RE.search(words):
        weight -= 15
    if _POSITIVE_RE.search(words):
        weight += 15
    if _is_body_part(el):
        weight += 50
    return weight


_TAG_WEIGHT = {"div": 5, "article": 10, "main": 5, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
               "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "address": -3,
               "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5}


def _link_chars(el: Any, link_lens: dict[Any, Any]) -> int:
    """Normalised text length of the links under ``el``; ``link_lens`` memoises each link's while the
    tree stays unchanged: candidates nest, so the same links are measured again for every ancestor."""
    links = 0
    for a in el.iter("a"):
        length = link_lens.get(a)
        if length is None:
            length = link_lens[a] = len(_norm(_text(a)))
        links += length
    return links


def _link_density(el: Any, text_len: int, link_lens: dict[Any, Any] | None = None) -> float:
    if not text_len:
        return 1.0
    links = sum(len(_norm(_text(a))) for a in el.iter("a")) if link_lens is None else _link_chars(el, link_lens)
    return min(1.0, links / text_len)


def _nested(elements: Any, tag: str) -> bool:
    """Whether any of ``elements`` lies inside another ``tag``: sums of their text lengths are lower
    bounds of an ancestor's text length only when they do not overlap."""
    return any(next(el.iterancestors(tag), None) is not None for el in elements)


def _own_text(el: Any) -> tuple[str, bool]:
    """Text directly inside ``el`` (not in block children) and whether it has block children: tells a
    div used as a paragraph, or a container whose loose text is itself article prose."""
    parts = [el.text or ""]
    has_blocks = False
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag not in _BLOCK_TAGS:
            parts.append(_text(child))
        elif tag != "br":
            has_blocks = True
        parts.append(child.tail or "")
    return _norm(" ".join(parts)), has_blocks


def _in_card(p: Any, length: int, boxes: dict[Any, int]) -> bool:
    """A teaser card's excerpt: ``p`` sits in a small box (up to three levels up) that also holds a linked
    heading, the card's title pointing at another story. ``boxes`` memoises each box's answer (the text
    length of a box with a linked heading, -1 for one without): a story's paragraphs share ancestors."""
    el = p
    for _ in range(3):
        el = el.getparent()
        if el is None:
            return False
        size = boxes.get(el)
        if size is None:
            linked = any(next(h.iter("a"), None) is not None for h in el.iter("h2", "h3", "h4"))
            size = boxes[el] = len(_norm(_text(el))) if linked else -1
        if size >= 0:
            return size <= 2 * length + 300
    return False


def best_container(body: Any) -> Any:
    """The element most likely to hold the article, by readability-style paragraph voting."""
    scores: dict[Any, Any] = {}
    good: dict[Any, Any] = {}  # element -> characters of prose-like <p> text beneath it
    p_texts: dict[Any, Any] = {}  # the tree does not change in here: each <p> is read once, not once per loop
    link_lens: dict[Any, Any] = {}
    card_boxes: dict[Any, int] = {}
    for p in body.iter("p"):
        text = p_texts[p] = _norm(_text(p))
        if len(text) >= 80 and _link_density(p, len(text), link_lens) < 0.3 and not _in_card(p, len(text), card_boxes):
            ancestor = p.getparent()
            while ancestor is not None:
                good[ancestor] = good.get(ancestor, 0) + len(text)
                ancestor = ancestor.getparent()
    for el in body.iter(*_PARAGRAPH_TAGS):
        tag = el.tag
        ancestor = el.getparent()
        if tag == "p":
            text = p_texts[el]
        elif tag == "pre":
            text = _norm(_text(el))
        else:
            own, has_blocks = _own_text(el)
            if len(own) < 80:
                continue
            if has_blocks:
                # loose prose beside block children (readability wraps it in a <p>): it votes for the
                # element that holds it
                text, ancestor = own, el
            else:
                text = _norm(_text(el))
        if len(text) < 25:
            continue
        # commas as each script writes them: Latin, full-width (Chinese), ideographic (Japanese, Chinese
        # enumerations), Arabic
        vote = 1 + text.count(",") + text.count("，") + text.count("、") + text.count("،") \
            + min(len(text) // 100, 3)
        level = 0
        while ancestor is not None and level < 5:
            if ancestor not in scores:
                scores[ancestor] = _TAG_WEIGHT.get(ancestor.tag, 0) + _class_weight(ancestor)
            scores[ancestor] += vote if level == 0 else vote / (2 if level == 1 else level * 3)
            ancestor = ancestor.getparent()
            level += 1
    if not scores:
        return None, {}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:8]
    best: Any = None
    best_score = float("-inf")
    final: dict[Any, Any] = {}
    # Candidates are big (wrappers of the whole page): normalising their text was most of this function.
    # The <p>s beneath a candidate (not nested in one another) hold no more normalised text than the
    # candidate; when even that lower bound keeps link density at or under 15%, the density cannot
    # matter and the candidate's own text need not be read.
    p_bound = not _nested(p_texts, "p")
    for el, score in ranked:
        links = _link_chars(el, link_lens)
        # (a candidate can be <html>, above <body>: its <p>s outside <body> are left out of the bound)
        lower = sum(len(p_texts.get(p, "")) for p in el.iter("p")) if p_bound else 0
        if lower and links / lower <= 0.15:
            density = 0.15  # stands for any density up to 0.15: the factor below is exactly 1.0 for all
        else:
            text_len = len(_norm(_text(el)))
            density = min(1.0, links / text_len) if text_len else 1.0
        # inline links are normal in news prose: only density beyond 15% counts against a candidate
        adjusted = score * max(0.0, 1 - max(0.0, density - 0.15) * 1.5)
        final[el] = adjusted
        if adjusted > best_score:
            best, best_score = el, adjusted
    # a parent that scores nearly as well as its child usually holds more of the article
    parent = best.getparent()
    while parent is not None and parent.tag not in ("body", "html") and parent in final \
            and final[parent] >= best_score * 0.9 and not _is_article(best):
        best, best_score = parent, final[parent]
        parent = best.getparent()
    # articles split into chunks/cards/columns: climb (through plain wrappers, up to eight levels at a
    # time) to an ancestor that adds a good deal more prose than the winner holds; never out of the
    # <article> (or itemprop=articleBody) that holds the winner: beyond it lie teasers of other stories
    ancestor, steps = best.getparent(), 0
    while ancestor is not None and ancestor.tag not in ("body", "html") and steps < 8 \
            and not _is_article(best):
        if good.get(ancestor, 0) >= good.get(best, 0) * 1.25 + 150:
            best, steps = ancestor, 0
        else:
            steps += 1
        if _is_article(ancestor):
            break
        ancestor = ancestor.getparent()
    return best, scores


def _siblings(best: Any, scores: dict[Any, Any]) -> list[Any]:
    """The winner plus siblings that score or read like article text (readability's merge step)."""
    parent = best.getparent()
    if parent is None:
        return [best]
    best_score = scores.get(best, 0)
    threshold = max(10.0, best_score * 0.2)
    chosen = []
    for sibling in parent:
        if sibling is best:
            chosen.append(sibling)
            continue
        if not isinstance(sibling.tag, str):
            continue
        if scores.get(sibling, float("-inf")) >= threshold:
            chosen.append(sibling)
            continue
        if sibling.tag == "p":
            text = _norm(_text(sibling))
            density = _link_density(sibling, len(text))
            if (len(text) > 80 and density < 0.25) or (0 < len(text) <= 80 and density == 0 and
                                                         re.search(r"\.( |$)", text)):
                chosen.append(sibling)
    return chosen


_ITEMPROP_XPATH = etree.XPath(".//*[@itemprop]")  # in document order, found in C


def _with_other_body_parts(best: Any, roots: list[Any]) -> list[Any]:
    """``roots`` plus the other parts of a body marked up in several pieces: schema.org's ``articleBody``
    given to each section of the story (each in its own wrapper, so the sibling merge cannot reach them),
    in document order, within the story's ``<article>``."""
    if not _is_body_part(best):
        return roots
    scope = next(best.iterancestors("article"), None)
    if scope is None:
        scope = best.getroottree().getroot()
    parts = [el for el in _ITEMPROP_XPATH(scope)
             if _is_body_part(el) and not any(_is_body_part(a) for a in el.iterancestors())]
    if len(parts) < 2:
        return roots
    merged: list[Any] = []
    for part in parts:
        if part is best:
            merged.extend(roots)
        elif not any(part is r or r in part.iterancestors() for r in roots):
            merged.append(part)
    return merged


def _drop_nested_articles(roots: Any) -> None:
    """Inside an article, two or more nested <article>s are teasers or comments (HTML's meaning of
    nested articles: related content), not the story: drop them, unless the story would go with them."""
    doomed, dropped = [], 0
    for root in roots:
        if root.tag != "article" and next(root.iterancestors("article"), None) is None:
            continue
        inner = [el for el in root.iter("article") if el is not root]
        inner_set = set(inner)
        nested = [el for el in inner if next(el.iterancestors("article")) not in inner_set]  # outermost
        if len(nested) >= 2:
            doomed.extend(nested)
            dropped += sum(len(_norm(_text(el))) for el in nested)
    if not doomed:
        return
    total = sum(len(_norm(_text(root))) for root in roots)  # long texts: only read when needed
    if total - dropped >= max(200, total * 0.2):
        for el in doomed:
            _remove_keep_tail(el)


def _blocks(roots: Any) -> list[tuple[str, float, str]]:
    """(text, link density, tag) for each text block under ``roots`` in document order, iteratively."""
    blocks: list[tuple[str, float, str]] = []
    parts: list[str] = []
    link_chars = 0
    in_link = 0
    block_tags: list[str] = []

    def flush(tag: str) -> None:
        nonlocal link_chars
        text = _norm("".join(parts))
        if text:
            blocks.append((text, min(1.0, link_chars / len(text)), tag))
        parts.clear()
        link_chars = 0

    for root in roots:
        # .text/.tail/.tag build a new Python object on every access: read each once
        for event, el in etree.iterwalk(root, events=("start", "end")):
            tag = el.tag
            if not isinstance(tag, str):
                tag = ""
            if event == "start":
                if tag in _BLOCK_TAGS:
                    if parts:  # nothing gathered, nothing to flush (link_chars only grows with parts)
                        flush(block_tags[-1] if block_tags else tag)
                    block_tags.append(tag)
                elif tag == "a":
                    in_link += 1
                text = el.text
                if text:
                    parts.append(text)
                    if in_link:
                        link_chars += len(text.strip())
            else:
                if tag in _BLOCK_TAGS:
                    if parts:
                        flush(tag)
                    block_tags.pop()
                elif tag == "a":
                    in_link -= 1
                if el is not root:
                    tail = el.tail
                    if tail:
                        parts.append(tail)
                        if in_link:
                            link_chars += len(tail.strip())
        flush("div")
    return blocks


# Short blocks that pitch a newsletter, an app or a tip line (a sign-up box inside the story); matched on the
# lowered text, as is the label list below.
_PITCH_RE = re.compile(
    r"\b(?:newsletters?|inbox|sign(?:ing)? up|subscrib\w*|download (?:our|the) app|have a tip|"
    r"news ?tips?|follow (?:us|him|her|them) on|terms of (?:use|service)|privacy policy|"
    r"all rights reserved|copyright ©|©)\b",
)


# an unrendered CMS shortcode block ("[button link=...]Send us your review[/button]"): markup, not prose
_SHORTCODE_RE = re.compile(r"\[(\w+)\b[^\]]*\].{0,200}\[/\1\]$")
_BARE_URL_RE = re.compile(r"(?:https?://|www\.)\S+$", re.IGNORECASE)
_SENTENCE_RE = re.compile(r"\w[.!?][\"'”’)]?(?:\s|$)")


# The same section labels in the other languages of European news (what follows a colon is the linked
# title of another page): "related", "read also", "more on the topic", "share", "comments (closed)",
# "print", "most read", "was this helpful". Matched on whole short blocks only, like the English above.
_FURNITURE_LABEL_RE = re.compile(
    r"^(?:"
    # English labels the list above lacks
    r"you (?:may|might) also (?:like|enjoy)|explore further|more (?:on|about) (?:this|the) (?:topic|story|subject)|"
    r"comments (?:are )?closed|leave a (?:comment|reply)|share this(?: article| page| story)?|"
    r"print (?:this )?(?:page|article|recipe)|was this (?:article|page) (?:helpful|useful)\??|"
    r"further (?:information|reading)|"
    # German
    r"das könnte (?:sie|dich) auch interessieren|(?:lesen sie|lies) (?:auch|mehr)(?:\s*:.*)?|mehr zum thema(?:\s*:.*)?|"
    r"ähnliche (?:beiträge|artikel|themen)|weitere (?:informationen|artikel|beiträge|nachrichten|themen)|"
    r"weiterführende (?:informationen|links)|auch interessant|empfohlene artikel|meistgelesen|"
    r"(?:teilen sie|teile) (?:dies|diesen artikel|den artikel|diese seite)(?: mit)?|(?:artikel|seite) teilen|"
    r"kommentare(?: geschlossen| schreiben)?|(?:rezept|artikel|seite) drucken|schlagworte|markiert mit|"
    r"war (?:der|dieser) (?:artikel|beitrag) (?:nützlich|hilfreich)\??|"
    r"möchten sie (?:den|diesen) (?:artikel|beitrag) teilen\??|"
    # French
    r"(?:à lire|lire) aussi(?:\s*:.*)?|sur le même sujet|articles? (?:similaires|liés|connexes)|"
    r"partager(?: cet article| cette page)?|voir aussi(?:\s*:.*)?|les plus lus|commentaires|vous aimerez aussi|"
    r"permalien|"
    # Spanish, Portuguese, Italian
    r"(?:lee|lea) también(?:\s*:.*)?|te puede interesar|noticias relacionadas|artículos relacionados|"
    r"temas relacionados|ver también(?:\s*:.*)?|más leíd[oa]s|comentarios|compartir|"
    r"(?:veja|leia) também(?:\s*:.*)?|notícias relacionadas|mais lidas|compartilhe|comentários|"
    r"leggi anche(?:\s*:.*)?|potrebbe interessarti|articoli correlati|condividi|commenti|i più letti|"
    # Polish, Dutch
    r"(?:zobacz|czytaj) (?:też|także|również)(?:\s*:.*)?|udostępnij|komentarze|najczęściej czytane|polecane|"
    r"lees ook(?:\s*:.*)?|gerelateerde artikelen|deel dit artikel|meest gelezen|reacties|"
    # "follow us", "read on", "write a comment" in the same languages
    r"(?:folgen sie uns|folge uns|suivez-nous|s[ií]guenos|seguici|obserwuj nas|volg ons)\b.*|"
    r"schon gelesen\??|zum weiterlesen:?|mehr themen:?|kommentar (?:verfassen|schreiben)|"
    r"pour lire la suite\b.*|alle angaben ohne gewähr|kontakt:?|contact(?: us)?:?|"
    # date lines ("Aktualisiert am 3. März", "Last modified: ...")
    r"(?:aktualisiert|veröffentlicht|erstellt)(?: am)?:?(?: .{0,40})?|(?:last modified|release date):?(?: .{0,40})?|"
    r"(?:publié|mis à jour) le .{0,40}|(?:publicado|actualizado)(?: el)?:? .{0,40}|"
    # a picture's credit line left by its caption ("Foto: ...", "Abbildung: ...")
    r"(?:fotos?|bild|abbildung|grafik|titelbild|beitragsbild|crédits? photos?|fotografía|zdjęcie)\s*:.*"
    r")\W*$",
)
_LABEL_MAX_CHARS = 120


def _keep_block(text: str, density: float, tag: str) -> bool:
    if _FURNITURE_BLOCK_RE.match(text):
        return False
    if len(text) < 220:
        # both lists are lowercase: matching the lowered text is half the time of an IGNORECASE match
        lowered = text.lower()
        if _PITCH_RE.search(lowered) or (len(text) <= _LABEL_MAX_CHARS and _FURNITURE_LABEL_RE.match(lowered)):
            return False
    if text.startswith("[") and _SHORTCODE_RE.match(text):
        return False
    if _BARE_URL_RE.match(text):
        return True  # a link written out in the text (sources, shop links): the author typed it
    if density < 0.7 and len(text) * (1 - density) >= 60 and _SENTENCE_RE.search(text):
        return True  # a linked lede followed by a sentence of its own ("<a>Headline</a>. What it says.")
    if density > 0.5 and len(text) < 300:
        return False
    return not (tag == "li" and density > 0.3)


_REPEATS = 3
_REPEATED_KINDS_MAX = 2
# cells, items and terms repeat in tables and lists of any kind of page
_STRUCTURED_TAGS = frozenset({"td", "th", "li", "dt", "dd", "tr", "caption"})


def _without_repeated_blocks(kept: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The kept blocks minus a placeholder or label printed three times or more ("Anzeige", "Read also",
    "External content not available" at every embed, a date over every teaser). Only when one or two
    texts repeat: a page whose structure repeats (a meal plan, an interview series, a table) repeats many."""
    counts: dict[str, int] = {}
    for text, tag in kept:
        if tag not in _STRUCTURED_TAGS:
            counts[text] = counts.get(text, 0) + 1
    repeated = {text for text, count in counts.items() if count >= _REPEATS and any(c.isalnum() for c in text)}
    if not repeated or len(repeated) > _REPEATED_KINDS_MAX:
        return kept
    return [(text, tag) for text, tag in kept if text not in repeated or tag in _STRUCTURED_TAGS]


def _without_trailing_headings(kept: list[tuple[str, str]]) -> list[str]:
    """The kept blocks' texts minus the headings that end the body. A heading announces what follows it;
    when nothing kept follows, what it announced ("Related stories", "Comments", "Mehr zum Thema") was
    removed as furniture and the heading is a leftover of it."""
    end = len(kept)
    while end > 1 and kept[end - 1][1] in _HEADING_TAGS:
        end -= 1
    return [text for text, _ in kept[:end]]


def _repeats_headline(text: str, headline: str) -> bool:
    """The headline again, maybe with a kicker or a site name ("BREAKING NEWS: ...")."""
    if not headline:
        return False
    folded = text.casefold()
    return folded == headline or (len(headline) >= 20 and headline in folded and len(folded) < len(headline) + 40)


def _shows_headline(text: str, headline: str) -> bool:
    """A heading that shows the page's headline: the title itself, with a kicker before it, or without
    the site's name the title element appends ("Headline - Site")."""
    if _repeats_headline(text, headline):
        return True
    return len(text) >= 20 and headline.startswith(text) and len(headline) - len(text) <= 40


_STORY_MIN_PROSE = 400


def _headline_article(headings: list[Any]) -> Any:
    """The ``<article>`` (or ARIA article) that holds the page's headline; ``headings`` are read before
    pruning, which takes the story's header box and the headline with it."""
    if len(headings) != 1:
        return None  # none, or the headline twice: no telling which story is the page's
    return next((el for el in headings[0].iterancestors() if _is_article(el) or el.get("role") == "article"),
                None)


def _other_story(body: Any, article: Any, best: Any) -> bool:
    """Whether the container chosen lies in another article than the one headed by the page's headline.

    Pages that load the next story below the first (infinite scroll) hold two articles; the second can
    be the longer, and wins the vote. The page's title names the first. Only an article that still holds
    prose of its own is taken (not a header box holding the headline alone).
    """
    if article is best or article in best.iterancestors() or best in article.iterancestors():
        return False
    if next(best.iterancestors("article"), None) is None and best.tag != "article":
        return False  # the chosen container is not in another story: the rules' choice stands
    if body not in article.iterancestors():
        return False  # pruned away
    prose = sum(len(text) for text in (_norm(_text(p)) for p in article.iter("p")) if len(text) >= 80)
    return prose >= _STORY_MIN_PROSE


_ELLIPSIS_RE = re.compile(r"\s*(?:\.\.\.|…)$")


def _summary_text(summary: str | None) -> str | None:
    """The page's stated summary as it would be shown (normalised, a trailing ellipsis cut), when it is long
    enough to be a standfirst."""
    text = _ELLIPSIS_RE.sub("", _norm(summary or ""))
    return text if len(text) >= _STANDFIRST_MIN_CHARS else None


# A summary shown in these is a subheading, a caption or a quotation, not the story's first paragraph.
_NOT_STANDFIRST_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "blockquote"})
_STANDFIRST_CANDIDATES = 20  # a page printing its summary more often than this is not showing a standfirst
_STANDFIRST_XPATH = etree.XPath(".//text()[contains(., $start)]", smart_strings=True)


def _shown_standfirst(body: Any, description: str) -> str | None:
    """The text of the element that shows the page's summary to its readers as prose (the standfirst under
    the headline): the first whose text is the summary, or begins with it where the summary was cut short.
    None when the summary is shown as a subheading, a caption or a quote (zyte's annotators leave those out
    of the body, as do readers of the text)."""
    # the search runs in libxml2 (XPath over text nodes): a walk reading every element's text in Python
    # cost more than the rest of this function on every page that states a description
    start = description[:20]
    for found in _STANDFIRST_XPATH(body, start=start)[:_STANDFIRST_CANDIDATES]:
        el = found.getparent()  # the element holding the text node (its owner, for a tail)
        if el is None:
            continue
        if found.is_tail:
            el = el.getparent()
            if el is None:
                continue
        shown = _norm(_text(el))
        if not shown.startswith(description) or len(shown) > len(description) + 200:
            continue
        if el.tag in _NOT_STANDFIRST_TAGS or any(a.tag in _NOT_STANDFIRST_TAGS for a in el.iterancestors()):
            return None
        return shown
    return None


_LEAD_WINDOW = 80  # elements read after the headline
_LEAD_MAX_CHARS = 700
_CUT_SHORT_RE = re.compile(r"(?:\.\.\.|…)\]?$")  # a teaser's excerpt, cut with an ellipsis ("[…]")
_QUOTE_MARKS = "\"'“”„«»‘’‹›「『"  # a pull quote, not a lead
_LEAD_TAGS = frozenset({"p", "div", "section", "h2", "h3"})


def _lead_shaped(el: Any, text: str) -> bool:
    """One paragraph of prose: mostly letters (not a date line), few links, nothing the block filter drops,
    not a pull quote nor a teaser cut short."""
    if text[0] in _QUOTE_MARKS or _CUT_SHORT_RE.search(text):
        return False
    letters = sum(1 for c in text if c.isalpha())
    if letters < 0.8 * (len(text) - text.count(" ")):
        return False
    density = _link_density(el, len(text))
    return density < 0.3 and _keep_block(text, density, el.tag)


def _headline_lead(body: Any, headings: list[Any], best: Any, roots: list[Any]) -> str | None:
    """The standfirst between the page's headline and the chosen container, when the headline sits outside
    the container: the first paragraph-sized block after the headline (kickers, bylines and date lines are
    shorter), if it reads as prose and the container follows it. ``headings``: those that show the headline,
    read before pruning; a page showing it twice gives no lead. A subheading counts only beside the headline."""
    headings = [el for el in headings if body in el.iterancestors()]  # those the pruning left
    if len(headings) != 1:
        return None
    heading = headings[0]
    ancestors = set(heading.iterancestors())
    if any(root is heading or root in ancestors for root in roots):
        return None  # the headline is in the text's scope: so is what follows it
    best_line = {best, *best.iterancestors()}
    for el in _following(heading, _LEAD_WINDOW):
        if el is best:
            return None  # nothing between the headline and the container
        if el.tag not in _LEAD_TAGS or el in best_line:
            continue
        if next(el.iterdescendants(*_INNER_BLOCK_TAGS), None) is not None:
            continue  # a box: its blocks follow
        text = _norm(_text(el))
        if len(text) < _STANDFIRST_MIN_CHARS:
            continue  # a kicker, a byline, a date line
        beside = el.tag not in _HEADING_TAGS or el.getparent() is heading.getparent()
        if len(text) > _LEAD_MAX_CHARS or not beside or not _lead_shaped(el, text):
            return None
        # the container follows near: a lead is read before the story
        return text if any(later is best for later in _following(el, _LEAD_WINDOW)) else None
    return None


def _following(el: Any, limit: int) -> Iterator[Any]:
    """The elements after ``el`` in document order (XPath's ``following`` axis), at most ``limit``: libxml2
    gathers the whole axis before it counts positions."""
    count = 0
    node = el
    while node is not None:
        for sibling in node.itersiblings():
            for found in sibling.iter(etree.Element):
                yield found
                count += 1
                if count >= limit:
                    return
        node = node.getparent()


def extract_body(tree: Any, title: str | None = None, *, relaxed: bool = False, summary: str | None = None) -> str:
    """Article body text of ``tree`` (modified in place), paragraphs separated by blank lines.

    Blocks that repeat the headline are dropped wherever they sit (kicker above it, AMP duplicates).
    ``relaxed``: the second look at a page where the full rules kept almost nothing (``extract``'s
    low-confidence fallback): only the tags that never hold prose are stripped; class/id, ARIA, hidden
    and layout-tag (header, aside, form, ...) furniture stays, and so do nested articles, because on such
    pages the story itself is what the pruning took (inside a ``hidden`` or ARIA ``banner`` wrapper, or
    in boxes named like furniture). ``summary``: the page's stated summary (``og:description``, read by
    ``metadata``); shown as prose beside the chosen container, it becomes the text's first paragraph.
    """
    body = tree.find("body")
    if body is None:
        body = tree
    headline = _norm(title or "").casefold()
    headings = _headline_headings(body, headline)
    story = _headline_article(headings)
    if relaxed:
        etree.strip_elements(body, etree.Comment, etree.ProcessingInstruction, *_STRIP_TAGS, with_tail=False)
    else:
        prune(body, headings)
    best, scores = best_container(body)
    if story is not None and best is not None and _other_story(body, story, best):
        story_best, story_scores = best_container(story)
        if story_best is not None:
            best, scores = story_best, story_scores
    if best is None:
        roots = [body]
    else:
        roots = _with_other_body_parts(best, _siblings(best, scores))
        if not relaxed:
            _drop_nested_articles(roots)
    kept = [(text, tag) for text, density, tag in _blocks(roots)
            if _keep_block(text, density, tag) and not _repeats_headline(text, headline)]
    kept = _without_repeated_blocks(kept)
    texts = _without_trailing_headings(kept)
    description = _summary_text(summary) if best is not None and not relaxed else None
    if description and not any(description in text for text in texts):
        # the summary the page shows its readers beside the container (in the story's header, above it):
        # the story's first paragraph, as the reader sees it. Looked for after pruning, and only when the
        # text lacks it: on the whole page the search cost 3 % of the extractor, for 0.002 of
        # trafilatura-eval's F1
        standfirst = _shown_standfirst(body, description)
        if standfirst is not None and not any(standfirst in text for text in texts):
            texts.insert(0, standfirst)
    if best is not None and not relaxed and headline:
        lead = _headline_lead(body, headings, best, roots)
        if lead is not None and not any(lead in text or text in lead for text in texts[:3]):  # not twice
            texts.insert(0, lead)
    return "\n\n".join(texts)


__all__ = ["best_container", "extract_body", "prune"]
