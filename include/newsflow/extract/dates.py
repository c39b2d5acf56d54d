"""Publication and modification dates of one page, with where each came from.

Structured data first (JSON-LD, meta tags, schema.org microdata, ``<time pubdate>``): when a page states
its date there, that statement is kept with its time and zone. Pages that state none (about a quarter of
the htmldate-dates dev set) are read for the full date printed beside their headline (``textdates``),
then go to htmldate's fast search, then to the nearest full date printed anywhere; the answer is traced
back to a ``<time>`` element or a meta tag when one of them says the same day. A URL date is the last
resort. A page that prints its last edit's day beside its headline, unlabelled, as its only date was
republished: that day is taken. No date later than the run's day (the extraction day, plus a day for time
zones ahead of UTC) is ever returned: a future date is a template's countdown or a typo, and the next
candidate is tried. See docs/extraction.md for the numbers behind each step.
"""

from __future__ import annotations

import logging
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from newsflow.extract.textdates import PrintedDates

LOGGER = logging.getLogger(__name__)

# Values of these meta names/properties state the publication time, most specific first.
PUBLISHED_META = (
    "article:published_time", "og:published_time", "og:article:published_time", "datepublished",
    "pubdate", "publishdate", "publish-date", "publish_date", "date", "dc.date.issued", "dc.date",
    "dcterms.created", "sailthru.date", "parsely-pub-date", "cxenseparse:recs:publishtime",
)
MODIFIED_META = (
    "article:modified_time", "og:updated_time", "og:modified_time", "datemodified", "dc.date.modified",
    "dcterms.modified", "last-modified",
)
ARTICLE_PUBLISHED_KEYS = ("datePublished", "dateCreated", "uploadDate")
SOURCES = ("jsonld", "meta", "time", "text", "url")

_URL_DATE_RE = re.compile(r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?:/|$|[^\d])")
_STATES_UTC_RE = re.compile(r"(?:Z|[+-]00:?00|UTC|GMT)\s*$", re.IGNORECASE)
_LOOKS_DATED_RE = re.compile(r"(?:19|20)\d\d")
# Compiled once: tree.xpath(str) parses the expression again on every call.
_PUBLISHED_MICRODATA_XPATH = etree.XPath("//*[@itemprop='datePublished']")
_TIME_PUBDATE_XPATH = etree.XPath("//time[@pubdate] | //time[contains(@class,'publish')]")


def _time_values(tree: Any) -> list[str]:
    """``datetime`` of every ``<time>``: ``iter("time")`` filters in C, several times faster than ``//time``."""
    return [value for value in (node.get("datetime") for node in tree.iter("time")) if value]


@dataclass(frozen=True)
class Dated:
    moment: datetime  # aware: the page's own zone when it states one, else UTC
    raw: str  # as the page wrote it
    source: str  # one of SOURCES


def parse_datetime(value: str | None) -> datetime | None:
    """An ISO-like or common date string as an aware datetime in the zone it states (naive means UTC).

    The stated zone is kept, not converted: the calendar day a page gives ("2022-01-28T00:00+01:00") is
    the day its readers saw, and converting it to UTC would move it to the day before.
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        loose = _parse_loose(text)
        if loose is None:
            return None
        parsed = loose
    if parsed.year < 1900 or parsed.year > 2200:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


# dateutil fills what a string leaves out from a default moment: parsing twice with two defaults that
# differ in year, month and day shows which of them the string really states.
_DEFAULT_A, _DEFAULT_B = datetime(2001, 1, 1), datetime(2002, 2, 2)


def _parse_loose(text: str) -> datetime | None:
    """dateutil's reading of a non-ISO date, or None unless it states a full day: "1988" or "2017/01"
    would otherwise come back with today's month and day filled in."""
    from dateutil import parser as date_parser  # type: ignore[import-untyped]

    try:
        with warnings.catch_warnings():  # "tzname EST identified but not understood": we assume UTC
            warnings.simplefilter("ignore")
            first = date_parser.parse(text, fuzzy=False, default=_DEFAULT_A)
            second = date_parser.parse(text, fuzzy=False, default=_DEFAULT_B)
    except (ValueError, OverflowError, TypeError):
        return None
    return first if first.date() == second.date() else None


def _parse_exact(value: str) -> datetime | None:
    """ISO 8601 or RFC 2822 ("Sat, 19 Oct 2019 00:04:00 +0200"), the two forms that state a clock time
    exactly; None for anything else. Cheap: no dateutil, so it can look at every date a page states."""
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        pass
    if "," in value[:5]:
        try:
            return parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return None


def latest_allowed(today: date | None = None) -> date:
    """The last calendar day a stated date may fall on: today (UTC) plus one day, since a page in a zone
    ahead of UTC (up to +14 h) can already be on tomorrow's date."""
    return (today or datetime.now(UTC).date()) + timedelta(days=1)


def _ld_values(ld: list[dict[str, Any]], article_types: set[str], keys: tuple[str, ...]) -> list[str]:
    values = []
    for obj in ld:
        kind = obj.get("@type")
        kinds = {str(k).lower() for k in (kind if isinstance(kind, list) else [kind]) if k}
        if kinds & article_types:
            values += [obj[key] for key in keys if isinstance(obj.get(key), str)]
    return values


def _in_teaser_card(node: Any) -> bool:
    """Inside an ``<article>`` that is itself inside a list item: a card in a list of other stories
    ("related posts"), whose dates are theirs, not the page's."""
    in_article = False
    for ancestor in node.iterancestors():
        if ancestor.tag == "article":
            in_article = True
        elif in_article and ancestor.tag == "li":
            return True
    return False


def _markup_dates(nodes: Any) -> list[tuple[str, str]]:
    """(value, source) of date markup (schema.org microdata, ``<time pubdate>``): a ``<meta itemprop>`` is
    a meta tag, anything else is markup; teaser cards' dates are skipped."""
    found = []
    for node in nodes:
        value = node.get("content") or node.get("datetime")
        if value and not _in_teaser_card(node):
            found.append((value, "meta" if node.tag == "meta" else "time"))
    return found


def _first_valid(candidates: list[tuple[str, str]], last_day: date) -> Dated | None:
    for raw, source in candidates:
        moment = parse_datetime(raw)
        if moment is not None and moment.date() <= last_day:
            return Dated(moment, raw, source)
    return None


def _local_rendering(found: Dated, others: list[str]) -> Dated:
    """A UTC timestamp moved into the page's own zone when the page states the same moment elsewhere in
    local time: with an offset ("Sat, 19 Oct 2019 00:04:00 +0200" beside "2019-10-18T22:04:00Z"), or as a
    clock time without a zone ("2023-11-08 18:09:55" beside "2023-11-09T01:09:55Z": the whole-hour
    difference is the offset). The instant is unchanged; the day is the one the page's readers saw."""
    if found.moment.utcoffset() != timedelta(0):
        return found
    instant = found.moment.replace(tzinfo=None)
    for raw in others:
        other = _parse_exact(raw)
        if other is None:
            continue
        offset = other.utcoffset()
        if offset:  # states a zone of its own: the same instant there is a local rendering
            if other.astimezone(UTC).replace(tzinfo=None) == instant:
                return Dated(found.moment.astimezone(other.tzinfo), found.raw, found.source)
            continue
        if raw.rstrip().endswith("Z") or "+" in raw[10:]:
            continue  # UTC stated explicitly: not a local clock time
        hours, rest = divmod((other.replace(tzinfo=None) - instant).total_seconds(), 3600)
        if rest == 0 and 1 <= abs(hours) <= 14:
            return Dated(found.moment.astimezone(timezone(timedelta(hours=hours))), found.raw, found.source)
    return found


def _htmldate(html: str, last_day: date) -> date | None:
    """htmldate's answer for a page without structured dates. No URL is passed (the URL rule is ours and
    comes last); htmldate still reads a date from the page's own canonical link, which is page content.

    Its fast search only (meta names we do not list, date-like classes and ids, ``<abbr>``, ``<time>``,
    the title, timestamps in the markup, bare dates in the text). Its extensive search (free-text
    expressions through dateparser, then regexes over the whole page) adds 0.04 accuracy on htmldate-dates
    but costs 3x as much per page, mostly on pages that carry no date at all: docs/extraction.md has the
    numbers for both.
    """
    from htmldate import find_date

    try:
        found = find_date(html, extensive_search=False, original_date=True, max_date=last_day.isoformat())
    except TimeoutError:  # the page's time budget (limits.BudgetExceeded) ran out: not ours to swallow
        raise
    except Exception as exc:
        LOGGER.debug("htmldate failed: %s: %s", type(exc).__name__, exc)
        return None
    return date.fromisoformat(found) if found else None


def warm_up() -> None:
    """Load what the htmldate fallback loads on first use, before a worker's (or a benchmark's) clock
    starts. dateparser, which htmldate calls for free-text dates, reads all its ~200 locales the first time
    it meets a string in no known language: about 1.1 s once per process. A digit string in no language
    makes it do exactly that now."""
    import dateparser  # type: ignore[import-untyped]
    import htmldate  # noqa: F401

    dateparser.parse("warm up 2001 x")


def _traced(day: date, candidates: list[tuple[str, str]]) -> Dated | None:
    """The page's own statement of ``day`` (with its time, when it gives one), if any candidate says it."""
    year = str(day.year)
    for raw, source in candidates:
        if year not in raw:  # cannot state that day (and dateutil, the slow part, need not look)
            continue
        moment = parse_datetime(raw)
        if moment is not None and moment.date() == day:
            return Dated(moment, raw, source)
    return None


# Languages spoken (as a page's main language) within Central European Time only: a page in one of them
# that stamps its date in UTC was published on the Central European calendar day.
_CET_LANGUAGES = frozenset([
    "de", "it", "nl", "da", "sv", "nb", "nn", "no", "pl", "cs", "sk", "sl", "hu", "hr", "sr", "bs"
])


def _central_european(found: Dated, tree: Any, meta: dict[str, str]) -> Dated:
    """A stamp stated in UTC ("2023-11-01T23:01:00Z") on a page whose language is spoken only in Central
    European Time, moved into that zone: the day its readers saw (the 2nd, at 00:01 CET). The instant
    is unchanged; only stamps within an hour or two of midnight change their day."""
    if found.moment.utcoffset() != timedelta(0) or not _STATES_UTC_RE.search(found.raw):
        return found
    lang = (tree.get("lang") or meta.get("content-language") or meta.get("og:locale") or "")
    if lang.strip().lower().replace("_", "-").split("-")[0] not in _CET_LANGUAGES:
        return found
    from zoneinfo import ZoneInfo

    return Dated(found.moment.astimezone(ZoneInfo("Europe/Berlin")), found.raw, found.source)


def _month_first(tree: Any, meta: dict[str, str]) -> bool | None:
    """Whether the page writes 02/01/2022 for February 1st (US English), the 2nd of January (everybody
    else), or None when its language is English without a region (``lang="en"``: British, Irish and US
    sites alike) and og:locale does not say either: such a date is then ambiguous and skipped."""
    for value in (tree.get("lang"), meta.get("og:locale"), meta.get("content-language")):
        lang = (value or "").strip().lower().replace("_", "-")
        if not lang:
            continue
        if lang.startswith("en") and lang in ("en", "en-en"):
            continue  # English, region unknown: look further
        return lang == "en-us"
    lang = (tree.get("lang") or "").strip().lower()
    return None if lang.startswith("en") else False


def _stated(tree: Any, meta: dict[str, str]) -> list[tuple[str, str]]:
    """Every date the page's ``<time>`` elements and meta tags state, with its source."""
    stated = [(v, "time") for v in _time_values(tree)]
    return stated + [(v, "meta") for v in meta.values() if _LOOKS_DATED_RE.search(v)]


def _url_date(url: str | None) -> Dated | None:
    if not url:
        return None
    match = _URL_DATE_RE.search(urlsplit(url).path + "/")
    if not match:
        return None
    value = "-".join(match.groups())
    moment = parse_datetime(value)
    return Dated(moment, value, "url") if moment else None


def page_dates(tree: Any, meta: dict[str, str], ld: list[dict[str, Any]], article_types: set[str], url: str | None,
               html: str | None, today: date | None = None, title: str | None = None
               ) -> tuple[Dated | None, Dated | None]:
    """(published, modified) of the page; either may be None. ``title``: the page's title (the date
    printed beside the headline is looked for when the structured data states none)."""
    last_day = latest_allowed(today)
    printed_dates = PrintedDates(tree, title, _month_first(tree, meta))
    structured = [(v, "jsonld") for v in _ld_values(ld, article_types, ARTICLE_PUBLISHED_KEYS)]
    structured += [(meta[key], "meta") for key in PUBLISHED_META if meta.get(key)]
    published = _first_valid(structured, last_day)
    if published is None:  # markup statements: searched only when the structured data gave no date
        published = _first_valid(_markup_dates(_PUBLISHED_MICRODATA_XPATH(tree) + _TIME_PUBDATE_XPATH(tree)),
                                 last_day)
    if published is not None:
        others = _ld_values(ld, article_types, ARTICLE_PUBLISHED_KEYS) + _time_values(tree)
        others += [meta[key] for key in PUBLISHED_META if meta.get(key)]
        published = _local_rendering(published, others)
        published = _central_european(published, tree, meta)
    else:
        printed = printed_dates.near_headline(last_day)
        if printed is None:  # HTML's own date element, wherever it is (not a teaser card's)
            timed = _first_valid(_markup_dates(tree.iter("time")), last_day)
            if timed is not None:
                printed = (timed.moment.date(), timed.raw)
        day = printed[0] if printed else (_htmldate(html, last_day) if html is not None else None)
        traced = _traced(day, _stated(tree, meta)) if day is not None else None
        if day is not None and day.day == 1 and not printed and traced is None and not printed_dates.states(day):
            day = None  # htmldate's reading of a month without a day ("Februar 2022" as the 1st)
        if day is None:  # a page that states its date nowhere else: the nearest printed date anywhere
            printed = printed_dates.anywhere(last_day)
            day = printed[0] if printed else None
            traced = _traced(day, _stated(tree, meta)) if day is not None else None
        if day is not None:
            published = traced or Dated(
                datetime(day.year, day.month, day.day, tzinfo=UTC), day.isoformat(), "text")
    if published is None:
        published = _url_date(url)
        if published is not None and published.moment.date() > last_day:
            published = None
    modified_candidates = [(v, "jsonld") for v in _ld_values(ld, article_types, ("dateModified",))]
    modified_candidates += [(meta[key], "meta") for key in MODIFIED_META if meta.get(key)]
    # (itemprop=dateModified microdata is not searched: a whole-tree walk on every page for a value
    # that the structured data states wherever it matters)
    modified = _first_valid(modified_candidates, last_day)
    if modified is not None and published is not None and modified.moment < published.moment:
        modified = None  # an edit cannot precede publication: one of the two is a template default
    if (modified is not None and published is not None and published.source != "text"
            and modified.moment.date() != published.moment.date()):
        printed = printed_dates.near_headline(last_day)
        if printed is not None and printed[0] == modified.moment.date() and not printed_dates.labelled_update(printed):
            # The page shows its readers the day of its last edit beside the headline as its only date,
            # not labelled as an update: a republished piece (an evergreen guide re-dated, a story
            # rewritten), which presents itself as of that day. "Updated Jul 24, 2018" keeps the
            # publication date (the update is ``modified``).
            published = modified
    return published, modified


__all__ = ["SOURCES", "Dated", "latest_allowed", "page_dates", "parse_datetime", "warm_up"]
