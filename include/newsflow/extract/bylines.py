"""Bylines by ranking candidates: every name the page offers, scored by a small learned model.

Rules (``metadata.authors_by_rules``) take the first source that yields a person: JSON-LD, then the first
byline box, then the author meta tag. They stall where pages disagree with that order (a JSON-LD author
that is the publisher while the byline names people; names split over elements with no separator; a
"Von" printed beside the headline with no byline markup; an agency credited after the reporters). Here
every source proposes names (*mentions*), the mentions of one name are pooled into a candidate, the
candidate is described by general features (where it was stated, how a name reads, whether it is the
site's own name, how far it sits from the headline, how often it recurs, what else the page offers), and
a logistic model (weights in ``models/byline_ranker.json``, written by ``bench/train.py``) keeps the
candidates it scores at 0.5 or more. No feature names a site, a URL or a page.

Inference is a dot product in plain Python: no numpy, the model file is read once, lazily.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

MODEL_PATH = Path(__file__).parent / "models" / "byline_ranker.json"
ENABLED = True  # False: the hand-written order alone (bench/quality.py measures both in one run)
THRESHOLD = 0.5  # every candidate scored at least this is kept
TOP_THRESHOLD = 0.2  # the page's best candidate is kept from here: most bylines name one person
TIE = 0.02  # ... and those that score as well (co-authors in the same byline box have the same features)
# False: organisations credited as the author (an agency, the publisher) are printed too when the model keeps
# them: both dev sets' gold credits them, and out of sample people-only scored lower (docs/extraction.md).
PEOPLE_ONLY = False
SKIP_MARKUP_WHEN_STRUCTURED = True
ALSO_META = True
# An agency or the publisher credited beside named people: left out (the same score out of sample, and the
# held-out sets score persons).
ORGS_BESIDE_PEOPLE = False

# Words printed before a name ("Von Eva Kirchner", "<strong>Autor</strong> Roman Goncharenko").
_BY_WORDS = frozenset(["by", "von", "par", "por", "di", "door", "av", "af", "from", "texte", "text", "autor", "autorin",
                       "autorin/autor", "author", "authors", "auteur", "auteurs", "autore", "autori", "written by",
                       "reporter", "redakteur", "redakteurin", "reportage", "ein kommentar von", "eine analyse von",
                       "ein gastbeitrag von", "kommentar von"])
_BY_PREFIX_RE = re.compile(r"^\s*(?:by|von|par|por|di|door|av|af)\s+(?=\S)", re.IGNORECASE)
_LEADING_JUNK = " .,:;|-–—…·•*"
_PARENTHESIS_RE = re.compile(r"\s*\([^()]{0,30}\)\s*$")
_NON_LATIN_RE = re.compile(r"[\u0400-\u04ff\u0590-\u06ff\u0900-\u0dff\u0e00-\u0eff"
                            r"\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_SKIP_TAGS = frozenset(["script", "style", "noscript", "template", "head", "title", "meta", "link"])
_MAX_MENTION_CHARS = 100  # longer text in byline markup is a bio box or a widget, not a byline
_MAX_BYLINE_ELEMENTS = 12  # more byline elements than this credit teasers (fewer scored as well out of sample)
_PREFIX_WINDOW = 150  # elements after the headline where a "By"/"Von" credit is looked for
# Byline markup further than this below the headline credits teasers and widgets: the walk stops there.
_WALK_AFTER_HEADLINE = 400

# Author meta keys: the common ones (also in metadata._AUTHOR_META) and CMS/analytics ones.
AUTHOR_META = ("dc:creator", "dc.creator", "dcterms.creator", "author", "article:author", "byl")
OTHER_AUTHOR_META = ("parsely-author", "sailthru.author", "cxenseparse:author", "twitter:misc:written by",
                     "twitter:data1", "article:author_name", "dable:author", "og:article:author")

FEATURES = (
    "bias",
    "ld_person", "ld_org", "ld_any_article",
    "meta_author", "meta_other",
    "byline_strong", "byline_class", "byline_weak", "by_prefix",
    "first_box", "in_comments_only",
    "mentions_log", "source_kinds",
    "person_filter", "person_shape", "org_word", "site_name", "domain_like",
    "one_token", "long_name", "upper_or_lower", "non_latin",
    "near_headline", "after_headline", "before_headline_far",
    "page_has_ld_person", "page_has_person_elsewhere", "not_in_ld_but_ld_has_person",
    "orgish_with_person_on_page", "only_candidate",
    "rule_pick", "first_box_no_structured",
)


@dataclass
class Mention:
    name: str  # as cleaned for output
    kind: str  # ld_person | ld_org | meta_author | meta_other | byline_strong | byline_class | byline_weak | by_prefix
    order: int  # element index in document order (-1: structured data, before everything)
    in_comments: bool = False
    first_box: bool = False


@dataclass
class Candidate:
    name: str
    key: str
    mentions: list[Mention] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)

    @property
    def first_order(self) -> tuple[int, int]:
        ranks = {"ld_person": 0, "ld_org": 1, "meta_author": 2, "meta_other": 3}
        return min((ranks.get(m.kind, 4), m.order) for m in self.mentions)


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def loose_name(text: str) -> str | None:
    """A credited name as printed, without the "By", a trailing date or handle, a short code in brackets
    ("Oliver Maksan (oma)"), a Follow button; None for text that cannot be a credit (links, long phrases)."""
    from newsflow.extract.metadata import _NAME_PARTICLES, _name_tokens

    name = " ".join(text.split()).strip(_LEADING_JUNK)
    name = _BY_PREFIX_RE.sub("", name)
    name = _PARENTHESIS_RE.sub("", name)
    name = " ".join(_name_tokens(name)).strip(_LEADING_JUNK)
    if not name or len(name) > 60 or len(name.split()) > 6 or name.casefold() in _BY_WORDS:
        return None
    words = name.split()
    if len(words) > 1 and (name.islower() or any(w.islower() and len(w) <= 3 and w not in _NAME_PARTICLES
                                                  for w in words)):
        return None  # "Ad Operations at IAB", "the way ...": a phrase, not a credit ("dpa", "FOCUS online" are)
    if any(mark in name for mark in ("@", "http", "/", "<", "{", "=", "|", ":")) or not re.search(r"[^\W\d_]", name):
        return None
    return name


# Lists of names: separators, "and" in any case, the conjunctions of the dev sets' languages in lowercase only
# ("Felix Schröder und Jörg Soldwisch", "Trine Juncher Jørgensen og Tôrtia Reimer-Johansen").
_SPLIT_RE = re.compile(r"\s*(?:[;,&|]|\b(?i:and)\b|\s(?:und|og|och|y|et|en|e|ve|i|a|és|ja|oraz)\s)\s*")


def _split(text: str) -> list[str]:
    names = []
    for part in _SPLIT_RE.split(_BY_PREFIX_RE.sub("", " ".join(text.split()))):
        name = loose_name(part)
        if name and name not in names:
            names.append(name)
    return names


def _ld_mentions(ld: list[dict[str, Any]], article_types: set[str]) -> Iterable[Mention]:
    from newsflow.extract.metadata import _types

    for obj in ld:
        if not _types(obj) & article_types:
            continue
        raw = obj.get("author") or obj.get("creator")
        for item in raw if isinstance(raw, list) else [raw]:
            kind = "ld_person"
            if isinstance(item, dict):
                if _types(item) & {"organization", "newsmediaorganization", "corporation"}:
                    kind = "ld_org"
                value = item.get("name")
                if not isinstance(value, str) and isinstance(item.get("givenName"), str):
                    value = f"{item['givenName']} {item.get('familyName') or ''}"
            else:
                value = item
            if isinstance(value, str) and not value.strip().startswith("http"):
                for name in _split(value):
                    yield Mention(name, kind, -1)


def _visible_text(node: Any) -> str:
    from newsflow.extract.metadata import _visible_text as visible

    return str(visible(node))


def _pieces(node: Any) -> list[str]:
    """The node's text split where its child elements split it: names printed in separate ``<span>``s
    with no comma between them ("Birgit Baumann" "Anna Giulia Fink")."""
    pieces = []
    for event, element in etree.iterwalk(node, events=("start", "end")):
        if event == "start" and element.tag not in _SKIP_TAGS and element.text and element.text.strip():
            pieces.append(element.text)
        elif event == "end" and element is not node and element.tail and element.tail.strip():
            pieces.append(element.tail)
    return [" ".join(p.split()) for p in pieces]


def _byline_kind(node: Any) -> str | None:
    from newsflow.extract.metadata import _is_byline

    cls = node.get("class") or ""
    if "org" in cls.split():
        return None
    if node.get("rel") == "author" or node.get("itemprop") == "author":
        return "byline_strong"
    if _is_byline(node):
        return "byline_class"
    lowered = cls.lower()
    if "author" in lowered or "byline" in lowered:
        return "byline_weak"
    return None


def _prefixed_credit(node: Any, index: int, prefixed: list[tuple[int, str]]) -> None:
    """A credit printed after a "By"/"Von"/"Autor" word in or right after ``node``."""
    text = node.text
    if not text:
        return
    stripped = text.strip()
    if 1 < len(stripped) <= 24 and stripped.rstrip(":").strip().casefold() in _BY_WORDS:
        tail = (node.tail or "").strip() if len(node) == 0 else ""
        follower = node.getnext() if not tail else None
        credit = tail or (_visible_text(follower) if follower is not None else "")
        if len(node) and not credit:  # "<p>von <a>Name</a></p>": the name is the first child
            credit = _visible_text(node).strip()
        if credit and len(credit) <= _MAX_MENTION_CHARS:
            prefixed.append((index, credit))
    elif 3 < len(stripped) <= _MAX_MENTION_CHARS and _BY_PREFIX_RE.match(stripped):
        full = _visible_text(node)
        if len(full) <= _MAX_MENTION_CHARS:
            prefixed.append((index, full))


def _markup_mentions(tree: Any, headline: Any) -> tuple[list[Mention], int, int]:
    """Mentions from byline markup and from "By"/"Von"/"Autor" text; also the headline's element index and
    the number of elements (for the distance features)."""
    from newsflow.extract.metadata import _byline_box, _in_comments

    mentions: list[Mention] = []
    headline_at = -1
    bylines: list[tuple[int, Any, str]] = []
    prefixed: list[tuple[int, str]] = []
    index = 0
    window_end = -1  # "By"/"Von" text is looked for only just after the headline: reading every element's text
    walk_end = 1 << 30
    full = False  # _MAX_BYLINE_ELEMENTS found (a flag: this loop runs once per element, keep it lean)
    for index, node in enumerate(tree.iter(etree.Element)):  # would cost more than the rest of the ranker
        if node is headline:
            headline_at, window_end, walk_end = index, index + _PREFIX_WINDOW, index + _WALK_AFTER_HEADLINE
        elif index > window_end and (index > walk_end or (full and headline_at >= 0)):
            break
        cls = node.get("class")
        if ((cls is not None and ("uthor" in cls or "yline" in cls)) or node.get("rel") == "author"
                or node.get("itemprop") == "author") and not full:
            kind = _byline_kind(node)
            if kind and node.tag not in _SKIP_TAGS:
                bylines.append((index, node, kind))
                full = len(bylines) >= _MAX_BYLINE_ELEMENTS
        if index <= window_end and len(prefixed) < 8 and node.tag not in _SKIP_TAGS:
            _prefixed_credit(node, index, prefixed)
    first_box = None
    for order, node, kind in bylines:
        if node.tag == "meta":
            texts = [node.get("content") or ""]
        else:
            whole = _visible_text(node)
            if not whole or len(whole) > _MAX_MENTION_CHARS:
                continue
            texts = [whole] + ([p for p in _pieces(node) if p != whole] if len(node) else [])
        names = []
        for text in texts:
            names += [n for n in _split(text) if n not in names]
        if not names:
            continue
        comments = _in_comments(node)
        if first_box is None and not comments and kind != "byline_weak":
            first_box = _byline_box(node)
        in_box = first_box is not None and (node is first_box or first_box in node.iterancestors())
        mentions += [Mention(n, kind, order, comments, in_box) for n in names]
    for order, credit in prefixed:
        mentions += [Mention(n, "by_prefix", order) for n in _split(credit)]
    return mentions, headline_at, index + 1


def page_mentions(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], article_types: set[str], title: str | None
                  ) -> tuple[list[Mention], int, int]:
    from newsflow.extract.textdates import _headline

    mentions = list(_ld_mentions(ld, article_types))
    for keys, kind in ((AUTHOR_META, "meta_author"), (OTHER_AUTHOR_META, "meta_other")):
        for key in keys:
            value = meta.get(key)
            if value and not value.startswith("http"):
                mentions += [Mention(n, kind, -1) for n in _split(value)]
    if SKIP_MARKUP_WHEN_STRUCTURED and _structured_people(mentions):
        return mentions, -1, 0
    markup, headline_at, elements = _markup_mentions(tree, _headline(tree, title))
    return mentions + markup, headline_at, elements


def _structured_people(mentions: list[Mention]) -> bool:
    """Structured data already names the people: JSON-LD persons, or (without JSON-LD) author meta tags that
    all read as persons. The markup walk, the ranker's main cost, would only confirm them (skipping it
    scored the same out of sample, docs/extraction.md)."""
    from newsflow.extract.metadata import clean_author, looks_like_a_person

    if any(m.kind == "ld_person" and clean_author(m.name) for m in mentions):
        return True
    tagged = [m for m in mentions if m.kind == "meta_author"]
    return ALSO_META and bool(tagged) and all(looks_like_a_person(m.name) for m in tagged)


def candidates(mentions: list[Mention], headline_at: int, elements: int, sites: set[str]) -> list[Candidate]:
    """Mentions pooled by name, each described by ``FEATURES``."""
    from newsflow.extract.metadata import _NOT_A_PERSON, clean_author, looks_like_a_person

    pooled: dict[str, Candidate] = {}
    for mention in mentions:
        key = name_key(mention.name)
        if any(site.startswith(key + " ") for site in sites):  # "Android Developers" on "Android Developers Blog"
            continue
        if PEOPLE_ONLY and key in sites and not looks_like_a_person(mention.name):  # the publisher, not a person
            continue
        if key not in pooled:
            pooled[key] = Candidate(mention.name, key)
        pooled[key].mentions.append(mention)
    persons = {key for key, c in pooled.items() if clean_author(c.name) is not None}
    ld_persons = {key for key, c in pooled.items() if any(m.kind == "ld_person" for m in c.mentions)} & persons
    picked = _rule_pick(pooled, persons, sites)
    structured = any(m.kind in ("ld_person", "meta_author") and name_key(m.name) in persons for m in mentions)
    for key, cand in pooled.items():
        kinds = {m.kind for m in cand.mentions}
        name = cand.name
        tokens = name.split()
        person = key in persons
        orgish = not person or bool(_NOT_A_PERSON.search(name)) or key in sites
        orders = [m.order for m in cand.mentions if m.order >= 0]
        near = after = far_before = 0.0
        if orders and headline_at >= 0:
            deltas = [o - headline_at for o in orders]
            nearest = min(deltas, key=abs)
            near = float(abs(nearest) <= 60)
            after = float(nearest > 0)
            far_before = float(nearest < -60)
        cand.features = {
            "bias": 1.0,
            "ld_person": float("ld_person" in kinds), "ld_org": float("ld_org" in kinds),
            "ld_any_article": float(bool(kinds & {"ld_person", "ld_org"})),
            "meta_author": float("meta_author" in kinds), "meta_other": float("meta_other" in kinds),
            "byline_strong": float("byline_strong" in kinds), "byline_class": float("byline_class" in kinds),
            "byline_weak": float("byline_weak" in kinds), "by_prefix": float("by_prefix" in kinds),
            "first_box": float(any(m.first_box for m in cand.mentions)),
            "in_comments_only": float(all(m.in_comments for m in cand.mentions if m.order >= 0) and bool(orders)),
            "mentions_log": math.log1p(len(cand.mentions)), "source_kinds": float(len(kinds)),
            "person_filter": float(person), "person_shape": float(looks_like_a_person(name)),
            "org_word": float(bool(_NOT_A_PERSON.search(name))),
            "site_name": float(key in sites),
            "domain_like": float(bool(re.search(r"\w\.[a-z]{2,4}\b", name))),
            "one_token": float(len(tokens) == 1), "long_name": float(len(name) > 30),
            "upper_or_lower": float(name.isupper() or name.islower()),
            "non_latin": float(bool(_NON_LATIN_RE.search(name))),
            "near_headline": near, "after_headline": after, "before_headline_far": far_before,
            "page_has_ld_person": float(bool(ld_persons)),
            "page_has_person_elsewhere": float(bool(persons - {key})),
            "not_in_ld_but_ld_has_person": float(bool(ld_persons) and key not in ld_persons),
            "orgish_with_person_on_page": float(orgish and bool(persons - {key})),
            "only_candidate": float(len(pooled) == 1),
            "rule_pick": float(key in picked),
            "first_box_no_structured": float(not structured and any(m.first_box for m in cand.mentions)),
        }
    return list(pooled.values())


def _rule_pick(pooled: dict[str, Candidate], persons: set[str], sites: set[str]) -> set[str]:
    """The names the hand-written order would take (``metadata.authors_by_rules``), read off the mentions:
    JSON-LD persons, else author meta tags naming people only, else the first byline box, else the meta tags.
    The model starts from that choice and learns where to depart from it."""
    from newsflow.extract.metadata import looks_like_a_person

    def people(kinds: tuple[str, ...], box: bool = False) -> set[str]:
        return {key for key, c in pooled.items() if key in persons and key not in sites
                and any(m.kind in kinds and (m.first_box or not box) for m in c.mentions)}

    ld = people(("ld_person",))
    if ld:
        return ld
    meta = people(("meta_author",))
    if meta and all(looks_like_a_person(pooled[key].name) for key in meta):
        return meta
    return people(("byline_strong", "byline_class"), box=True) or meta


def load_model(path: str = str(MODEL_PATH)) -> dict[str, float] | None:
    """The shipped weights, or None when the ranker is switched off or absent (the rules answer then)."""
    return _read_model(path) if ENABLED else None


@lru_cache(maxsize=2)
def _read_model(path: str) -> dict[str, float] | None:
    """The shipped weights (feature -> weight), read once; None when the file is absent (rules then)."""
    file = Path(path)
    if not file.is_file():
        return None
    data = json.loads(file.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{file}: model features {data['features']} differ from this code's {FEATURES}")
    return {name: float(weight) for name, weight in zip(data["features"], data["weights"], strict=True)}


def score(candidate: Candidate, weights: dict[str, float]) -> float:
    z = sum(weights[name] * candidate.features[name] for name in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def keep(scores: list[float], people: list[bool]) -> list[int]:
    """Which candidates to print, given the model's scores and whether each reads as a person: every one
    scored ``THRESHOLD`` or more, the best from ``TOP_THRESHOLD`` with those that tie with it; a credit that
    is no person's name (an agency, the publisher) only when ``ORGS_BESIDE_PEOPLE`` or no person is kept.
    The one selection rule, used by the extractor and by bench/train.py alike."""
    allowed = [i for i in range(len(scores)) if people[i] or not PEOPLE_ONLY]
    best = max((scores[i] for i in allowed), default=0.0)
    kept = [i for i in allowed if scores[i] >= THRESHOLD or (scores[i] >= TOP_THRESHOLD and scores[i] >= best - TIE)]
    if not ORGS_BESIDE_PEOPLE and any(people[i] for i in kept):
        kept = [i for i in kept if people[i]]
    return kept


def choose(cands: list[Candidate], weights: dict[str, float]) -> list[str]:
    """The candidates the model keeps, in the order the page credits them (structured data first)."""
    from newsflow.extract.metadata import clean_author

    kept = keep([score(c, weights) for c in cands], [is_person(c) for c in cands])
    return [clean_author(cands[i].name) or cands[i].name for i in sorted(kept, key=lambda i: cands[i].first_order)]


def is_person(candidate: Candidate) -> bool:
    return bool(candidate.features["person_filter"]) and not candidate.features["ld_org"]


__all__ = ["FEATURES", "MODEL_PATH", "Candidate", "Mention", "candidates", "choose", "load_model", "loose_name",
           "name_key", "page_mentions", "score"]
