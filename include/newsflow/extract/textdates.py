"""A publication day printed in the page's text beside its headline ("01.02.2022", "1. Februar 2022",
"Feb 1, 2022", "2022年2月1日"), for pages that state no date in structured data.

News and press pages print the day right under (or just above) the headline; dates further away are
other stories' (teasers, archives), comments', or a footer's. So only full dates (day, month and year:
"Februar 2022" is no day) within a short stretch of text around the first ``<h1>`` count, the first after
it winning, else the nearest before it. Reads the tree already parsed (no second parse), one walk over
its text. See docs/extraction.md for what it adds to htmldate's fast search and what it costs.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from lxml import etree

# Month names and their usual abbreviations (en, de, fr, es, it, nl, pt; ru, uk and pl in the genitive,
# as dates write them), lowercased; a trailing "." is allowed by the patterns.
_MONTH_NAMES = {
    1: "january jan januar jänner janvier janv enero ene gennaio genn januari janeiro января січня stycznia",
    2: "february feb februar feber février févr fevrier febrero febbraio februari fevereiro fev февраля лютого lutego",
    3: "march mar märz maerz mars marzo maart março marco mär марта березня marca",
    4: "april apr avril abril aprile апреля квітня kwietnia",
    5: "may mai mayo maggio mei maio мая травня maja",
    6: "june jun juni juin junio giugno junho июня червня czerwca",
    7: "july jul juli juillet juil julio luglio julho июля липня lipca",
    8: "august aug août aout agosto augustus ago августа серпня sierpnia",
    9: "september sep sept septembre septiembre settembre setembro set сентября вересня września",
    10: "october oct oktober okt octobre octubre ottobre oktober outubro out октября жовтня października",
    11: "november nov novembre noviembre novembro ноября листопада listopada",
    12: "december dec dezember dez décembre déc diciembre dic dicembre desember dezembro декабря грудня grudnia",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))

# Each pattern names its groups: d (day), m (month number), mn (month name), y (year), s (separator).
_PATTERNS = [
    # 2022-02-01, 2022/02/01, 2022.02.01 (year first: unambiguous)
    r"(?<![\d.,/-])(?P<y>(?:19|20)\d\d)(?P<s>[-./])(?P<m>0?[1-9]|1[0-2])(?P=s)(?P<d>0?[1-9]|[12]\d|3[01])(?![\d])",
    # 01.02.2022, 1.2.22, 01/02/2022 (day first outside the US), 01 | 02 | 2022
    r"(?<![\d.,/-])(?P<d>0?[1-9]|[12]\d|3[01])(?P<s>[./]|\s\|\s)\s?(?P<m>0?[1-9]|1[0-2])(?P=s)\s?(?P<y>(?:19|20)\d\d|\d\d)(?![\d]|\.\d)",
    # 1. Februar 2022, 1 February 2022, 1er février 2022, 1 de febrero de 2022
    rf"(?<![\d.])(?P<d>0?[1-9]|[12]\d|3[01])(?:\.|er|º|st|nd|rd|th)?\s*(?:de\s+)?(?P<mn>{_MONTH_ALT})\.?,?\s*(?:de\s+)?(?P<y>(?:19|20)\d\d)(?!\d)",
    # February 1, 2022; Feb. 1st 2022
    rf"(?<![^\W\d_])(?P<mn>{_MONTH_ALT})\.?\s+(?P<d>0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)(?!\d)",
    # 2022年2月1日
    r"(?P<y>(?:19|20)\d\d)\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<d>[0-3]?\d)\s*日",
]
_GROUPS = ("d", "m", "mn", "y", "s")


def _compile() -> tuple[re.Pattern[str], list[int]]:
    """One regex for all patterns; Python's re cannot reuse a group name across alternatives, so each
    alternative's groups are numbered."""
    parts, index = [], []
    for number, pattern in enumerate(_PATTERNS):
        renamed = pattern
        for name in _GROUPS:
            renamed = renamed.replace(f"(?P<{name}>", f"(?P<{name}{number}>").replace(
                f"(?P={name})", f"(?P={name}{number})")
        parts.append(f"(?:{renamed})")
        index.append(number)
    compiled = re.compile("|".join(parts))  # run on lowercased text: IGNORECASE costs 2.5x
    return compiled, index


_DATE_RE, _ALTERNATIVES = _compile()
# Every date above holds a four-digit year or a "d.m." run. The big pattern is tried only in a short
# window around these anchors: run over a whole page it cost ~4 ms, more than the rest of the date search.
_ANCHOR_RE = re.compile(r"(?:19|20)\d\d|\d[./]\s?\d{1,2}[./]|\d\s\|\s\d")
_REACH_BEFORE, _REACH_AFTER = 32, 12  # the longest run before a year ("1er septiembre de ") and after it


def _find_dates(text: str, start: int, end: int) -> Any:
    """``_DATE_RE``'s matches in ``text[start:end]`` in order, searched only around anchors."""
    window_start = window_end = -1
    for anchor in _ANCHOR_RE.finditer(text, start, end):
        low, high = max(start, anchor.start() - _REACH_BEFORE), min(end, anchor.end() + _REACH_AFTER)
        if low <= window_end:
            window_end = high
            continue
        if window_end > 0:
            yield from _DATE_RE.finditer(text, window_start, window_end)
        window_start, window_end = low, high
    if window_end > 0:
        yield from _DATE_RE.finditer(text, window_start, window_end)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "select", "option", "textarea", "head",
                        "svg", "button"})
# Words that label a printed date as the last update ("Updated Jul 24, 2018", "Aktualisiert am ...").
# (with the abbreviations news pages print in a dateline: "akt.:" for aktualisiert, "upd." for updated)
_UPDATE_CUE_RE = re.compile(r"\b(?:updated|update|upd|modified|aktualisiert|akt|stand|geändert|mis à jour|"
                            r"mise à jour|actualizado|actualización|aggiornato|aggiornamento|bijgewerkt|atualizado)"
                            r"(?:\W+\w+){0,4}\W*$", re.IGNORECASE)  # "Updated 2010 GMT (0410 HKT) March 14"
_WINDOW_AFTER = 600  # characters of text after the headline's start
_WINDOW_BEFORE = 250  # characters before it (a dateline above the headline)
_HEADINGS = frozenset({"h1", "h2"})


def _match_date(match: re.Match[str], month_first: bool | None) -> date | None:
    groups = match.groupdict()
    for number in _ALTERNATIVES:
        year = groups.get(f"y{number}")
        if year is None:
            continue
        day = int(groups[f"d{number}"])
        month_name = groups.get(f"mn{number}")
        month = MONTHS.get(month_name.lower().rstrip(".")) if month_name else int(groups[f"m{number}"])
        if month is None:
            return None
        if number == 1 and "/" in match.group(0) and day <= 12 and month != day:
            if month_first is None:
                return None  # 02/01/2022 on a page of unknown region: either day
            if month_first:
                day, month = month, day  # 02/01/2022 in a US page is February 1st
        full_year = int(year)
        if full_year < 100:
            full_year += 2000 if full_year < 70 else 1900
        try:
            return date(full_year, month, day)
        except ValueError:
            return None
    return None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _headline(root: Any, title: str | None) -> Any:
    """The story's headline element: the first ``<h1>`` (else ``<h2>``) that the page's title contains
    or that contains it (a logo or "Navigation" in an ``<h1>`` is no headline), else the first ``<h1>``."""
    headings = [h for h in root.iter("h1", "h2") if not _in_skipped(h)]
    folded_title = _fold(title or "")
    if folded_title:
        for level in ("h1", "h2"):
            for element in headings:
                if element.tag != level:
                    continue
                text = _fold("".join(element.itertext()))
                if len(text) >= 8 and (text in folded_title or folded_title in text):
                    return element
    return next((element for element in headings if element.tag == "h1"), None)


def _in_skipped(element: Any) -> bool:
    return any(ancestor.tag in _SKIP_TAGS for ancestor in element.iterancestors())


def _text_until(root: Any, headline: Any, after: int | None) -> tuple[str, int | None]:
    """The visible text of the body in document order (whitespace folded: a date split over lines of
    markup reads as one) and the offset where ``headline`` begins in it; the walk stops ``after``
    characters past the headline (None: the whole body)."""
    body = root.find("body")
    if body is None:
        body = root
    parts: list[str] = []
    length = 0
    offset = None
    stop = None
    skipping = None
    for event, element in etree.iterwalk(body, events=("start", "end")):
        if event == "start":
            if skipping is not None:
                continue
            tag = element.tag
            if not isinstance(tag, str) or tag in _SKIP_TAGS:
                skipping = element
                continue
            if element is headline:
                offset = length
                stop = None if after is None else length + after
            piece = element.text
        else:
            if element is skipping:
                skipping = None
            elif skipping is not None:
                continue
            piece = element.tail if element is not body else None
        # every element boundary is a word boundary: one space, never a run of them
        if piece and not piece.isspace():
            piece = " ".join(piece.split()) + " "
            parts.append(piece)
            length += len(piece)
            if stop is not None and length > stop:
                break
    return "".join(parts), offset


class PrintedDates:
    """Full dates printed in one page's text, found around its headline. The text is walked once, on
    first use (most pages state their date in structured data and never need it)."""

    def __init__(self, root: Any, title: str | None, month_first: bool | None) -> None:
        self._root = root
        self._title = title
        self._month_first = month_first
        self._text: str | None = None
        self._whole = False
        self._headline_element: Any = None
        self._headline: int | None = None

    def _load(self, whole: bool = False) -> None:
        """Walk the text once: up to a window past the headline, or (``whole``) all of it."""
        if self._text is not None and (self._whole or not whole):
            return
        if self._text is None:
            self._headline_element = _headline(self._root, self._title)
        if self._headline_element is None and not whole:
            self._text = ""
            return
        text, self._headline = _text_until(self._root, self._headline_element, None if whole else _WINDOW_AFTER)
        self._whole = whole or self._headline is None
        lowered = text.lower()
        # ("İ" lowercases to two characters: keep offsets right on the rare page that has one)
        self._text = lowered if len(lowered) == len(text) else "".join(
            ch.lower() if len(ch.lower()) == 1 else ch for ch in text)

    def _nearest(self, last_day: date, start: int, headline: int, end: int | None) -> tuple[date, str] | None:
        before = None
        text = self._text or ""
        for match in _find_dates(text, start, len(text) if end is None else min(end, len(text))):
            day = _match_date(match, self._month_first)
            if day is None or day > last_day or day.year < 1990:
                continue
            if match.start() >= headline:
                return day, match.group(0)
            before = (day, match.group(0))
        return before

    def labelled_update(self, printed: tuple[date, str]) -> bool:
        """True when the words just before this printed date call it an update ("Updated", "Stand:")."""
        text = self._text or ""
        at = text.find(printed[1], max(0, (self._headline or 0) - _WINDOW_BEFORE))
        return at >= 0 and bool(_UPDATE_CUE_RE.search(" ".join(text[max(0, at - 40):at].split())))

    def near_headline(self, last_day: date) -> tuple[date, str] | None:
        """(day, as printed) of the full date nearest after the page's headline (within ``_WINDOW_AFTER``
        characters of text), else nearest before it (``_WINDOW_BEFORE``); None without a headline or
        such a date. Dates after ``last_day`` are skipped."""
        self._load()
        if self._headline is None:
            return None
        return self._nearest(last_day, max(0, self._headline - _WINDOW_BEFORE), self._headline,
                             self._headline + _WINDOW_AFTER)

    def states(self, day: date) -> bool:
        """True when the text prints this day in full somewhere (not just its month and year)."""
        self._load(whole=True)
        text = self._text or ""
        return any(_match_date(match, self._month_first) == day for match in _find_dates(text, 0, len(text)))

    def anywhere(self, last_day: date) -> tuple[date, str] | None:
        """The same search over the whole text (the first date after the headline, else the last one
        before it; the first date of the page without a headline): the last resort of a page that
        states no date anywhere else."""
        self._load(whole=True)
        return self._nearest(last_day, 0, self._headline or 0, None)


def headline_date(root: Any, last_day: date, month_first: bool | None = False, title: str | None = None
                  ) -> tuple[date, str] | None:
    """(day, the text as printed) of the full date printed nearest the page's headline (see
    ``PrintedDates.near_headline``). ``month_first``: True for US pages (02/01/2022 is February 1st),
    None when the region is unknown (such dates are skipped). ``title``: the page's title, to tell the
    headline from other ``<h1>``s."""
    return PrintedDates(root, title, month_first).near_headline(last_day)


__all__ = ["MONTHS", "PrintedDates", "headline_date"]
