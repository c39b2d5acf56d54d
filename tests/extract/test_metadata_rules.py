"""Date and byline rules added for issue 13, each on a small labelled page (one trap per test).

Dev-set effect of the whole set of rules: htmldate-dates accuracy 0.640 -> 0.865 (URL withheld; 0.920 with
the printed-date rules of the second pass, below),
readability-meta byline person F1 0.446 -> 0.667 with 2/29 pages given invented authors (was 4/29).
"""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from newsflow.extract import extract, parse_html
from newsflow.extract.dates import latest_allowed, parse_datetime
from newsflow.extract.textdates import headline_date

STORY = ("<p>The council met on Tuesday evening, and after a long debate it agreed to repair the old bridge, "
         "reopen the market hall and extend the night bus service until the end of the year.</p>"
         "<p>Residents had asked for the changes for years, the mayor said, adding that the work would start "
         "in spring, once the budget, the contracts and the traffic plans had been approved.</p>")


def _page(head: str = "", byline: str = "", after: str = "") -> str:
    return (f"<html><head><title>Bridge to be repaired</title>{head}</head><body>"
            f"<article><h1>Bridge to be repaired</h1>{byline}{STORY}</article>{after}</body></html>")


def _ld(fields: str) -> str:
    return f'<script type="application/ld+json">{{"@type": "NewsArticle", {fields}}}</script>'


# ---------------------------------------------------------------- dates

def test_the_stated_zone_is_kept_not_converted_to_utc():
    page = extract(_page(_ld('"datePublished": "2022-01-28T00:30:00+01:00"')))
    assert page.published_at.isoformat() == "2022-01-28T00:30:00+01:00"  # UTC would say the 27th
    assert page.published_at_source == "jsonld"


def test_a_utc_stamp_takes_the_zone_of_the_same_moment_printed_locally():
    # JSON-LD in UTC, the same moment as a local clock time in a <time>: the local day is the page's day
    page = extract(_page(_ld('"datePublished": "2023-11-09T01:09:55Z"'),
                         '<time datetime="2023-11-08 18:09:55">Nov 8, 6:09 pm</time>'))
    assert page.published_at.isoformat() == "2023-11-08T18:09:55-07:00"
    # ... and the same moment stated with an offset (RFC 2822 in a meta tag)
    page = extract(_page(_ld('"datePublished": "2019-10-18T22:04:00Z"')
                         + '<meta name="date" content="Sat, 19 Oct 2019 00:04:00 +0200">'))
    assert page.published_at.date() == date(2019, 10, 19)


def test_a_year_alone_is_no_publication_day():
    # dateutil would fill "1988" with today's month and day; the next statement is used instead
    page = extract(_page('<meta name="datePublished" content="1988">'
                         '<meta name="dc.date" content="2017-01-30">'))
    assert page.published_at.date() == date(2017, 1, 30)
    assert parse_datetime("2017/01") is None and parse_datetime("1988") is None


def test_a_date_in_the_future_is_never_emitted():
    future = (latest_allowed() + timedelta(days=30)).isoformat()
    page = extract(_page(_ld(f'"datePublished": "{future}T10:00:00Z"')
                         + '<meta property="article:published_time" content="2020-05-01T10:00:00Z">'))
    assert page.published_at.isoformat() == "2020-05-01T10:00:00+00:00"
    assert page.published_at_source == "meta"


def test_dates_of_teaser_cards_in_a_list_are_not_the_pages():
    # a "related posts" list of <article> cards comes first in the markup; the page's own <time> after it
    related = ("<ul class='related'>" + "".join(
        f"<li><article><h3><a href='/p{i}'>Older post {i}</a></h3><time class='published' "
        f"datetime='2009-04-1{i} 18:06:36'>April 1{i}, 2009</time></article></li>" for i in range(3)) + "</ul>")
    page = ("<html><head><title>Bridge to be repaired</title></head><body>" + related
            + "<div class='post'><h1>Bridge to be repaired</h1><time class='published' "
              "datetime='2019-10-22T09:00:00+02:00'>22.10.2019</time>" + STORY + "</div></body></html>")
    assert extract(page).published_at.isoformat() == "2019-10-22T09:00:00+02:00"


def test_a_page_without_structured_dates_gets_one_from_its_text():
    page = extract(_page(byline="<div class='date'>Veröffentlicht am 12.03.2019</div>"))
    assert page.published_at.date() == date(2019, 3, 12)
    assert page.published_at.tzinfo == UTC
    assert page.published_at_source == "text"


def test_a_text_date_is_traced_back_to_the_time_element_that_states_it():
    page = extract(_page(byline="<p class='meta'>Posted <time datetime='2019-03-12T08:30:00+01:00'>"
                                "12 March 2019</time></p>"))
    assert page.published_at.isoformat() == "2019-03-12T08:30:00+01:00"
    assert page.published_at_source == "time"


def test_modified_at_is_read_and_never_before_publication():
    page = extract(_page(_ld('"datePublished": "2021-11-29T14:13:37+00:00", '
                             '"dateModified": "2022-01-12T14:27:30+00:00"')))
    assert page.modified_at.isoformat() == "2022-01-12T14:27:30+00:00"
    page = extract(_page(_ld('"datePublished": "2021-11-29T14:13:37+00:00", '
                             '"dateModified": "2001-01-01T00:00:00+00:00"')))
    assert page.modified_at is None


def test_a_failing_date_fallback_costs_the_date_not_the_page_nor_the_time_budget(monkeypatch):
    import htmldate

    from newsflow.limits import BudgetExceeded

    def broken(*_args, **_kwargs):
        raise RuntimeError("htmldate bug")

    monkeypatch.setattr(htmldate, "find_date", broken)
    page = extract(_page())
    assert page.published_at is None and "repair the old bridge" in page.text

    def out_of_time(*_args, **_kwargs):
        raise BudgetExceeded("page took too long")

    monkeypatch.setattr(htmldate, "find_date", out_of_time)
    with pytest.raises(BudgetExceeded):
        extract(_page())


def test_no_date_anywhere_is_none():
    page = extract(_page())
    assert page.published_at is None and page.published_at_source is None


# ---------------------------------------------------------------- bylines

def test_a_date_glued_to_the_name_is_not_part_of_it():
    assert extract(_page(byline="<p class='byline'>By Steven Musil January 18</p>")).authors == ["Steven Musil"]
    assert extract(_page(byline="<div class='author'>Aleš Vávra před 2 hodinami</div>")).authors == ["Aleš Vávra"]


def test_a_handle_and_the_update_time_end_the_name():
    byline = "<div class='c-byline'>By Alissa Wilkinson @alissamarie Updated Jul 24, 2018, 2:15pm EDT</div>"
    assert extract(_page(byline=byline)).authors == ["Alissa Wilkinson"]


def test_a_follow_button_is_not_part_of_the_name():
    from newsflow.extract import bylines

    assert bylines.loose_name("John C. Welch Follow") == "John C. Welch"
    # a lone hCard name with no other evidence: the ranker (issue 22) leaves it out, the rules took it
    bylines.ENABLED = False
    try:
        assert extract(_page(byline="<div class='fn'>John C. Welch Follow</div>")).authors == ["John C. Welch"]
    finally:
        bylines.ENABLED = True


def test_only_the_first_byline_counts_not_the_teasers_after_it():
    teasers = "".join(f"<div class='teaser'><a href='/s{i}'>Story {i}</a><div class='c-byline'>By Writer "
                      f"Number{i}</div></div>" for i in range(3))
    page = extract(_page(byline="<div class='c-byline'>By Jane Roe</div>", after=f"<section>{teasers}</section>"))
    assert page.authors == ["Jane Roe"]


def test_a_byline_split_over_links_keeps_every_name_in_order():
    byline = ("<p class='byline'>By <a rel='author' href='/a'>Maria Lopez</a> and "
              "<a rel='author' href='/b'>David Chen</a></p>")
    assert extract(_page(byline=byline)).authors == ["Maria Lopez", "David Chen"]


def test_commenters_are_not_authors():
    comments = ("<ol class='comment-list'><li><cite class='fn'>Alan Goodale</cite><p>Great post!</p></li>"
                "<li><cite class='fn'>John Doe</cite><p>Thanks.</p></li></ol>")
    assert extract(_page(after=comments)).authors == []


def test_an_hcard_organisation_is_not_an_author():
    infobox = "<table class='infobox vcard'><caption class='fn org'>Mozilla</caption></table>"
    assert extract(_page(byline=infobox)).authors == []


def test_a_bio_box_and_a_phrase_are_not_bylines():
    bio = ("<aside class='author'>About the author Scott Cunningham Senior Vice President of Technology and "
           "Ad Operations at IAB, leading the tech lab</aside>")
    assert extract(_page(after=bio)).authors == []
    assert extract(_page(byline="<span class='author'>Ad Operations at IAB</span>")).authors == []


def test_a_personal_site_named_after_its_author_keeps_the_author():
    head = '<meta property="og:site_name" content="Haki Benita"><meta name="author" content="Haki Benita">'
    assert extract(_page(head)).authors == ["Haki Benita"]
    # ... the site's name as the only credit is printed since issue 22 (the publisher as author, as both dev
    # sets' gold credits it); the site's name minus a word never is
    head = '<meta property="og:site_name" content="The Daily Ledger"><meta name="author" content="The Daily Ledger">'
    assert extract(_page(head)).authors == ["The Daily Ledger"]
    blog = ("<span class='post-author vcard'><span class='fn'>Android Developers</span></span>")
    head = '<meta property="og:site_name" content="Android Developers Blog">'
    assert extract(_page(head, byline=blog)).authors == []


def test_site_name_is_the_publishers_name_not_the_domain():
    head = '<meta property="og:site_name" content="The Daily Ledger">'
    assert extract(_page(head), url="https://www.dailyledger.example/x").site_name == "The Daily Ledger"
    page = ("<html><head><title>Bridge to be repaired | Town Crier</title></head><body><article>"
            f"{STORY}</article></body></html>")
    assert extract(page).site_name == "Town Crier"


# ---------------------------------------------------------------- dates printed in the text (textdates)

def _plain(body: str, head: str = "", lang: str = "de") -> str:
    return (f"<html lang='{lang}'><head><title>Neue Brücke für die Altstadt | Stadtblatt</title>{head}</head>"
            f"<body>{body}</body></html>")


def test_the_date_printed_beside_the_headline_not_the_logo_h1():
    # no structured date; the first <h1> is the logo, the headline (the title's text) has its date below it
    page = extract(_plain("<h1>Stadtblatt</h1><ul><li>Archiv 12.12.2012</li></ul>" + "<p>Menü</p>" * 80
                          + "<h1>Neue Brücke für die Altstadt</h1><p class='meta'>Datum: 03.11.2021</p>" + STORY))
    assert page.published_at.date() == date(2021, 11, 3)
    assert page.published_at_source == "text"


def test_month_names_of_other_languages_and_piped_dates_are_days():
    page = extract(_plain("<h1>Neue Brücke für die Altstadt</h1><p>Германия 15 августа 2016, 13:43</p>" + STORY,
                          lang="ru"))
    assert page.published_at.date() == date(2016, 8, 15)
    page = extract(_plain("<h1>Neue Brücke für die Altstadt</h1><p>26 | 01 | 2022 Schweiz</p>" + STORY))
    assert page.published_at.date() == date(2022, 1, 26)


def test_a_month_without_a_day_is_no_publication_day():
    # htmldate's fast search reads a dated box's "02/2022" as 2022-02-01; nothing on the page prints that day
    page = extract(_plain("<h1>Neue Brücke für die Altstadt</h1><span class='date'>02/2022</span>" + STORY))
    assert page.published_at is None


def test_the_only_date_on_a_page_far_from_its_headline_is_its_date():
    page = extract(_plain("<h1>Neue Brücke für die Altstadt</h1>" + STORY * 3 + "<p>Eingestellt am Samstag, "
                          "3. Dezember 2011 von Anna</p>"))
    assert page.published_at.date() == date(2011, 12, 3)


def test_a_slashed_date_is_read_in_the_pages_region_and_skipped_when_unknown():
    body = "<h1>Neue Brücke für die Altstadt</h1><p>Posted 02/11/2023</p>" + STORY
    assert extract(_plain(body, lang="en-US")).published_at.date() == date(2023, 2, 11)
    assert extract(_plain(body, lang="en-GB")).published_at.date() == date(2023, 11, 2)
    # lang="en": US or British, either day; the printed-date search skips it (htmldate may still guess)
    assert headline_date(parse_html(_plain(body, lang="en")), date(2030, 1, 1), None,
                         "Neue Brücke für die Altstadt") is None


def test_a_republished_page_takes_the_day_it_shows_unless_labelled_an_update():
    head = _ld('"datePublished": "2021-01-01T11:00:00Z", "dateModified": "2023-04-01T10:00:00Z"')
    shown = "<h1>Neue Brücke für die Altstadt</h1><p>Von Anna Muster 01.04.2023</p>" + STORY
    page = extract(_plain(shown, head))
    assert page.published_at.isoformat() == "2023-04-01T10:00:00+00:00"  # the stated edit, as stated
    updated = "<h1>Neue Brücke für die Altstadt</h1><p>Von Anna Muster, aktualisiert am 01.04.2023</p>" + STORY
    page = extract(_plain(updated, head))
    assert page.published_at.date() == date(2021, 1, 1)
    assert page.modified_at.date() == date(2023, 4, 1)


def test_an_abbreviated_update_label_keeps_the_publication_day():
    # "28. Juni 2025 - 16.03 Uhr akt.: 29. Juni 2025": the date nearest the headline is the labelled edit
    head = _ld('"datePublished": "2025-06-28T14:03:53Z", "dateModified": "2025-06-29T19:18:04Z"')
    shown = ("<p>Anna Muster 28. Juni 2025 - 16.03 Uhr akt.: 29. Juni 2025 - 21.18 Uhr</p>"
             "<h1>Neue Brücke für die Altstadt</h1>" + STORY)
    page = extract(_plain(shown, head))
    assert page.published_at.date() == date(2025, 6, 28)
    assert page.modified_at.date() == date(2025, 6, 29)


def test_a_utc_stamp_on_a_central_european_page_takes_the_local_day():
    head = _ld('"datePublished": "2023-11-01T23:01:00Z"')
    assert extract(_plain("<h1>Neue Brücke für die Altstadt</h1>" + STORY, head, lang="it")
                   ).published_at.date() == date(2023, 11, 2)
    assert extract(_plain("<h1>Neue Brücke für die Altstadt</h1>" + STORY, head, lang="en")
                   ).published_at.date() == date(2023, 11, 1)  # English: no single zone to assume


# ---------------------------------------------------------------- titles and bylines (second pass)

def test_dublin_core_title_and_creator_come_first_and_a_meta_tag_may_state_several_properties():
    head = ('<meta property="og:title" content="Bridge to be repaired | Town Crier">'
            '<meta property="x:title dc:title" content="Bridge to be repaired">'
            '<meta name="author" content="TOWN CRIER">'
            '<meta property="dc:creator twitter:creator" content="Jane Doe">')
    page = extract(_page(head))
    assert page.title == "Bridge to be repaired"
    assert page.authors[0] == "Jane Doe"  # the Dublin Core creator first (the publisher after it: issue 22)


def test_a_bem_named_byline_is_a_byline():
    page = extract(_page(byline="<div class='article__author'>By Scott Cunningham</div>"))
    assert page.authors == ["Scott Cunningham"]


def test_a_time_element_anywhere_dates_a_page_without_a_date_by_its_headline():
    # no publication date in structured data (a last-modified stamp, which htmldate would take), nothing
    # printed by the headline; the <time> further down is HTML's own date
    page = extract(_plain("<h1>Neue Brücke für die Altstadt</h1>" + STORY * 3
                          + "<p class='info'>Erschienen <time datetime='2022-01-25T08:00:00+01:00'>vor drei "
                            "Tagen</time></p>", '<meta name="last-modified" content="2022-01-27T18:34:20+0100">'))
    assert page.published_at.isoformat() == "2022-01-25T08:00:00+01:00"
    assert page.published_at_source == "time"


def test_a_site_suffix_in_og_title_goes_when_the_h1_shows_the_headline_without_it():
    # issue 22: og:title "Headline - Golem.de" on a page whose <h1> reads "Headline": the headline as shown
    head = '<meta property="og:title" content="Bridge to be repaired - Town Crier">'
    assert extract(_page(head)).title == "Bridge to be repaired"
    head = '<meta property="og:title" content="Bridge to be repaired | Town Crier | 28.04.2023">'
    assert extract(_page(head)).title == "Bridge to be repaired"


def test_a_title_whose_dash_is_part_of_the_headline_is_kept_whole():
    # the <h1> shows the whole title, dash and all; and with no <h1> matching a prefix nothing is cut
    page = ("<html><head><title>x</title><meta property='og:title' content='Kiev - a city at war'></head><body>"
            f"<article><h1>Kiev - a city at war</h1>{STORY}</article></body></html>")
    assert extract(page).title == "Kiev - a city at war"
    head = '<meta property="og:title" content="Bridge works - what changes for drivers">'
    assert extract(_page(head)).title == "Bridge works - what changes for drivers"
