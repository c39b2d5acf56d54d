"""The byline ranker (``newsflow.extract.bylines``): each trap a candidate source or feature answers, on small
labelled pages, through the public ``extract``; plus the model file's contract (lazy, pure-Python inference)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from paths import REPO

from newsflow.extract import bylines, extract

STORY = ("<p>The council met on Tuesday evening, and after a long debate it agreed to repair the old bridge, "
         "reopen the market hall and extend the night bus service until the end of the year.</p>"
         "<p>Residents had asked for the changes for years, the mayor said, adding that the work would start "
         "in spring, once the budget, the contracts and the traffic plans had been approved.</p>")


def _page(head: str = "", byline: str = "", after: str = "", lang: str = "en") -> str:
    return (f"<html lang='{lang}'><head><title>Bridge to be repaired</title>{head}</head><body>"
            f"<article><h1>Bridge to be repaired</h1>{byline}{STORY}</article>{after}</body></html>")


def _ld(fields: str) -> str:
    return f'<script type="application/ld+json">{{"@type": "NewsArticle", {fields}}}</script>'


def test_names_in_separate_elements_without_a_separator_are_separate_people():
    byline = ("<div class='article-byline'><span class='simple'>Birgit Baumann</span> "
              "<span class='simple'>Anna Giulia Fink</span></div>")
    assert extract(_page(byline=byline)).authors == ["Birgit Baumann", "Anna Giulia Fink"]


def test_a_json_ld_person_given_by_given_and_family_name():
    head = _ld('"author": [{"@type": "Person", "givenName": "Birgit", "familyName": "Baumann"}]')
    assert extract(_page(head)).authors == ["Birgit Baumann"]


def test_a_credit_printed_after_von_beside_the_headline_without_byline_markup():
    byline = "<div class='lineinfo'>Do 25.04.24 | 14:07 Uhr | <span>Von</span> <span>Eva Kirchner-Rätsch</span></div>"
    assert extract(_page(byline=byline, lang="de")).authors == ["Eva Kirchner-Rätsch"]


def test_people_joined_by_a_conjunction_of_the_pages_language():
    byline = "<p class='byline'>Von Felix Schröder und Jörg Soldwisch</p>"
    assert extract(_page(byline=byline, lang="de")).authors == ["Felix Schröder", "Jörg Soldwisch"]


def test_a_short_code_in_brackets_after_a_name_is_not_part_of_it():
    assert bylines.loose_name("Oliver Maksan (oma)") == "Oliver Maksan"
    assert extract(_page(byline="<span class='author'>Oliver Maksan (oma)</span>")).authors == ["Oliver Maksan"]


def test_photo_credits_labels_and_phrases_are_not_names():
    assert bylines.loose_name("Foto: Mads Claus Rasmussen") is None
    assert bylines.loose_name("the way the council sees it") is None
    assert bylines.loose_name("Autor") is None
    assert bylines.loose_name("dpa") == "dpa"  # an agency's credit is one lowercase word


def test_the_publisher_in_json_ld_does_not_replace_the_people_in_the_byline():
    head = _ld('"author": [{"@type": "Organization", "name": "Town Crier"}]')
    byline = "<div class='byline'>By <a rel='author' href='/a'>Jane Roe</a></div>"
    assert "Jane Roe" in extract(_page(head, byline=byline)).authors  # the rules answered [] ... or the org only


def test_the_site_name_minus_a_word_is_never_a_candidate():
    head = '<meta property="og:site_name" content="Android Developers Blog">'
    blog = "<span class='post-author vcard'><span class='fn'>Android Developers</span></span>"
    assert extract(_page(head, byline=blog)).authors == []


def test_teaser_bylines_far_below_the_story_do_not_join_the_byline():
    teasers = "".join(f"<div class='teaser'><a href='/s{i}'>Story {i}</a><div class='c-byline'>By Writer "
                      f"Number{i}</div></div>" for i in range(3))
    page = extract(_page(byline="<div class='c-byline'>By Jane Roe</div>", after=f"<section>{teasers}</section>"))
    assert page.authors == ["Jane Roe"]


def test_the_rules_answer_when_the_ranker_is_off():
    byline = ("<div class='article-byline'><span class='simple'>Birgit Baumann</span> "
              "<span class='simple'>Anna Giulia Fink</span></div>")
    bylines.ENABLED = False
    try:
        assert extract(_page(byline=byline)).authors == ["Birgit Baumann Anna Giulia Fink"]  # the old answer
    finally:
        bylines.ENABLED = True


def test_the_shipped_model_names_the_features_of_this_code_and_is_small():
    data = json.loads(bylines.MODEL_PATH.read_text(encoding="utf-8"))
    assert tuple(data["features"]) == bylines.FEATURES
    assert len(data["weights"]) == len(bylines.FEATURES)
    assert bylines.MODEL_PATH.stat().st_size < 100_000


def test_inference_needs_no_numpy_and_reads_the_model_lazily():
    code = ("import sys; from newsflow.extract import bylines; "
            "assert bylines._read_model.cache_info().currsize == 0; "
            "from newsflow.extract import extract; extract('<html><body><h1>T</h1><p class=byline>By Jane Roe</p>"
            "</body></html>'); assert bylines._read_model.cache_info().currsize == 1; "
            "assert 'numpy' not in sys.modules and 'sklearn' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_a_model_whose_features_differ_from_the_code_is_refused(tmp_path):
    stale = tmp_path / "model.json"
    stale.write_text(json.dumps({"features": ["bias"], "weights": [0.0]}), encoding="utf-8")
    with pytest.raises(ValueError, match="differ"):
        bylines._read_model(str(stale))
