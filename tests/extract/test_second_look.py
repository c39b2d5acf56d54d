"""The low-confidence second look (issue 22): a page where the full rules keep under
``LOW_CONFIDENCE_CHARS`` of body text is read again with only the never-prose tags stripped, and the
longer answer wins."""

from __future__ import annotations

import pytest

import newsflow.extract as extract_module
from newsflow.extract import LOW_CONFIDENCE_CHARS, extract, parse_html
from newsflow.extract.body import extract_body

PROSE = ("The council met on Tuesday evening, and after a long debate it agreed to repair the old bridge, "
         "reopen the market hall and extend the night bus service until the end of the year.")
MORE = ("Residents had asked for the changes for years, the mayor said, adding that the work would start in "
        "spring, once the budget, the contracts and the traffic plans had been approved.")
LAST = ("The opposition welcomed the plan but asked for a public hearing on the bus routes, which the mayor "
        "promised for the first week of March, in the library's main reading room.")


def _page(body: str) -> str:
    return (f"<html><head><title>Council news</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>{body}</body></html>")


def test_a_story_whose_every_box_is_named_like_furniture_is_read_again():
    # three boxes of a third each: every one holds under 40 % of the page's prose, so the furniture
    # guard lets each go, and the full rules keep nothing of the story
    story = "".join(f"<div class='promo-box'><p>{text}</p></div>" for text in (PROSE, MORE, LAST))
    html = _page(f"<div class='content'>{story}</div>")
    assert len(extract_body(parse_html(html), "Council news")) < LOW_CONFIDENCE_CHARS
    text = extract(html).text
    assert PROSE in text and MORE in text and LAST in text


def test_a_short_page_keeps_the_full_rules_answer_when_the_second_look_finds_no_more():
    # a genuinely short notice: the second look runs (under the threshold) and finds the same text
    notice = "The library is closed on Monday for repairs."
    assert extract(_page(f"<article><p>{notice}</p></article>")).text == notice


def test_the_second_look_never_replaces_a_longer_answer(monkeypatch: pytest.MonkeyPatch):
    notice = "The library is closed on Monday for repairs."

    def shorter(tree: object, title: str | None = None, *, relaxed: bool = False, summary: str | None = None) -> str:
        return "Closed." if relaxed else notice

    monkeypatch.setattr(extract_module, "extract_body", shorter)
    assert extract(_page(f"<p>{notice}</p>")).text == notice


def test_pages_with_enough_text_get_no_second_look(monkeypatch: pytest.MonkeyPatch):
    def fail(*args: object) -> str:
        raise AssertionError("second look on a confident page")

    monkeypatch.setattr(extract_module, "_second_look", fail)
    text = extract(_page(f"<article><p>{PROSE}</p><p>{MORE}</p></article>")).text
    assert len(text) >= LOW_CONFIDENCE_CHARS and PROSE in text
