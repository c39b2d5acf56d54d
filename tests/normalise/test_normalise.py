from datetime import UTC, datetime

from helpers import article_html, seed_text, story_paragraphs

from newsflow.ingest.stage import DecodeStage
from newsflow.normalise.stage import NormaliseStage
from newsflow.record import Article
from newsflow.settings import Settings
from newsflow.text.tokens import normalize_text


def _run(kind: str, raw: bytes, **hints) -> Article:
    rec = Article(record_id="r", source_path=f"x.{kind}", landing_name="landing", kind=kind, size_bytes=len(raw),
                  sha256="s", raw=raw, **hints)
    (rec,) = NormaliseStage(Settings()).run(DecodeStage().run([rec]))
    return rec


def test_text_file_seed_000():
    rec = _run("txt", seed_text("000").encode())
    assert rec.normalized_text == normalize_text(seed_text("000"))
    assert rec.source == "landing" and rec.title is None and rec.language == "en"
    assert "future.\n\nChinese" in rec.text and rec.word_count == len(rec.text.split())
    assert len(rec.doc_id) == 32 and len(rec.content_sha256) == 64 and rec.boilerplate_phrases == []


def test_html_page_furniture_stays_out_and_metadata_becomes_columns():
    paragraphs = story_paragraphs(3, 8)
    html = article_html("Tariff Talks Resume", paragraphs, author="Keith Bradsher")
    rec = _run("html", html.encode("utf-8"))
    assert not rec.rejected
    assert rec.text.split("\n\n") == paragraphs
    for furniture in ("newsletter", "robot", "Related Coverage", "All rights reserved", "Keith Bradsher", "Home"):
        assert furniture not in rec.text
    assert rec.title == "Tariff Talks Resume"
    assert rec.authors == ["Keith Bradsher"]
    assert rec.published_at == datetime(2019, 2, 15, 10, tzinfo=UTC)
    assert rec.canonical_url == "https://news.example.com/2019/02/15/story.html"
    assert rec.source == "news.example.com" and rec.language == "en"
    assert rec.boilerplate_phrases == []


def test_jsonl_hints_win_and_bad_dates_are_kept_raw():
    rec = _run("jsonl", b"Plain body. " * 30, hint_format="text", hint_url="https://www.example.org/a",
               hint_title="Given title", hint_published="not a date")
    assert rec.title == "Given title" and rec.source == "example.org" and rec.url == "https://www.example.org/a"
    assert rec.published_at is None and rec.published_raw == "not a date"


def test_deep_markup_is_refused_not_truncated():
    html = "<html><body>" + "<div>" * 3000 + "deep" + "</div>" * 3000 + "</body></html>"
    rec = _run("html", html.encode())
    assert [x.code for x in rec.rejects] == ["too_deep"]


def test_page_without_body_text():
    rec = _run("html", b"<html><head><title>t</title><script>var x=1;</script></head><body></body></html>")
    assert [x.code for x in rec.rejects] == ["empty_text"]


def test_a_page_date_after_the_run_day_is_never_taken_and_reruns_agree():
    """The run's day, not the wall clock, bounds the dates taken from a page (plus one day for zones
    ahead of UTC): a backfill for 2019-02-10 never emits the page's 2019-02-16, whenever it runs."""
    from datetime import date, timedelta

    page = article_html("Tomorrow's story", story_paragraphs(5, 6), published="2019-02-16T10:00:00Z")

    def published(run_day):
        rec = Article(record_id="p", source_path="p.html", landing_name="l", kind="html", size_bytes=1, sha256="x")
        rec.decoded = page
        NormaliseStage(Settings(), run_day).process(rec)
        return rec.published_at.date() if rec.published_at else None

    early = published(date(2019, 2, 10))
    assert early is None or early <= date(2019, 2, 10) + timedelta(days=1)
    assert published(date(2019, 2, 10)) == early  # the same run day gives the same answer
    assert published(date(2019, 3, 1)) == date(2019, 2, 16)
