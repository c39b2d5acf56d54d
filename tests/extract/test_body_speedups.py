"""prune's speed-ups (issue 22) decide exactly what the plain rules decide."""

from __future__ import annotations

import itertools
import re

from lxml import etree

from newsflow.extract import body


def test_the_grouped_furniture_regex_matches_where_the_word_list_does():
    plain = re.compile(rf"(?:^|[\s:])(?:{body._FURNITURE_WORDS})(?=\s|$|[-_.])"
                       rf"|[-_](?:{body._FURNITURE_SUFFIXES})(?=\s|$)")
    words = ["ad", "ads2", "advertorial", "share", "sharebar", "related", "nav", "navy", "header", "col",
             "social", "byline", "hed", "heading", "more", "morehead", "post", "x", "tags", "sr"]
    joints = ["", "-", "_", " ", ":", ".", "3"]
    strings = ["".join(parts) for parts in itertools.product(words, joints, words)]
    strings += [f"{a} {b}" for a, b in itertools.product(strings[:400], ["", "main", "page-share", "is_ad"])]
    assert [bool(body._FURNITURE_RE.search(s)) for s in strings] == [bool(plain.search(s)) for s in strings]


def test_a_kept_tag_class_id_verdict_is_the_verdict_of_all_the_attributes():
    page = ("<html><body><div class='share-bar' id='s1' data-x='1'><a href='/a' class='nav'>a</a></div>"
            "<section class='related' data-y='2'><p>text</p></section><tr class='player-2020'></tr>"
            "<article class='share'>x</article><aside class='entry'>y</aside><span id='ad-3'>z</span>"
            "<div class='comments' itemprop='articleBody'>w</div><footer>f</footer><p>plain</p></body></html>")
    root = etree.fromstring(page, etree.HTMLParser())
    for el in root.iter(etree.Element):
        if body._RARE_VERDICT_ATTRS.isdisjoint(el.keys()):
            key = (el.tag, el.get("class"), el.get("id"))
            assert body._shared_verdict(key) == body._verdict(el.tag, tuple(el.items())), key
