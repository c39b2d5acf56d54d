"""Property-based tests (hypothesis): decoding, extraction, normalisation never raise, normalisation is
idempotent, the token alphabet is the rule's, and no input makes a stage lose a record.
Case counts are pinned (``PROFILE``) so the suite stays fast and reproducible (derandomized)."""

from __future__ import annotations

import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsflow.extract import ExtractionError, extract
from newsflow.ingest.decode import DecodeError, decode_bytes
from newsflow.ingest.landing import read_landing
from newsflow.ingest.stage import DecodeStage
from newsflow.normalise.stage import NormaliseStage
from newsflow.record import Article
from newsflow.settings import Settings
from newsflow.text.paragraphs import clean_paragraphs
from newsflow.text.tokens import normalize_text, tokenize

PROFILE = settings(max_examples=100, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
_ALPHABET = re.compile(r"(?:[a-z]+(?: [a-z]+)*)?")

# Text that looks like pages: tags, entities, scripts, unicode, controls, mixed with prose.
_pieces = st.sampled_from(["<p>", "</p>", "<div>", "</div>", "<script>", "</script>", "<title>", "</title>",
                           "<br>", "&amp;", "&#0;", "&#x110000;", "&lol;", "<!DOCTYPE x [<!ENTITY a 'b'>]>",
                           "<![CDATA[", "]]>", "<meta charset='utf-16'>", "\u00e9", "\u201c", "\ufeff", "\x00",
                           "\u200b", "It's", "The ministry said", " ", "\n", "\r\n", "<h1>", "<article>"])
html_like = st.lists(st.one_of(_pieces, st.text(max_size=30)), max_size=40).map("".join)
texts = st.one_of(st.text(max_size=400), html_like)
STAGE_SETTINGS = Settings(extract_timeout_seconds=5)


@PROFILE
@given(st.binary(max_size=2000), st.booleans())
def test_decode_never_raises_anything_but_decode_error(data, html):
    try:
        decoded = decode_bytes(data, html=html)
    except DecodeError as exc:
        assert exc.code in {"empty", "not_text", "binary_content", "control_characters", "undecodable"}
    else:
        assert "\x00" not in decoded.text


@PROFILE
@given(texts, st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-16-le", "latin-1"]))
def test_decode_round_trips_text_it_accepts(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        decoded = decode_bytes(data, html=True)
    except DecodeError:
        return  # refused with a reason: fine (controls, binary-looking bytes)
    assert "\x00" not in decoded.text


@PROFILE
@given(html_like, st.one_of(st.none(), st.sampled_from(["https://x.example/a", "", "ftp://\u00fc/"])))
def test_extract_never_raises_anything_but_extraction_error(html, url):
    try:
        page = extract(html, url=url)
    except ExtractionError:
        return
    assert isinstance(page.text, str)


@PROFILE
@given(html_like, st.sampled_from(["http://[bad", "http://]x", "http://[::1/a"]))
def test_normalise_survives_malformed_urls_in_records_and_pages(html, url):
    """extract() itself raises ValueError on these (reported: extract/metadata.py canonical_from);
    NormaliseStage refuses the record instead of failing the batch."""
    page = f"<html><head><link rel='canonical' href='{url}'></head><body>{html}</body></html>"
    records = [Article(record_id=str(i), source_path=f"p{i}.html", landing_name="l", kind="html", size_bytes=1,
                       sha256="s", raw=page.encode("utf-8", "replace"), hint_url=hint)
               for i, hint in enumerate([None, url])]
    out = list(NormaliseStage(STAGE_SETTINGS).run(DecodeStage().run(records)))
    assert len(out) == 2 and all(r.rejected or r.text for r in out)


@PROFILE
@given(texts)
def test_normalisation_is_idempotent_and_keeps_the_alphabet(text):
    once = normalize_text(text)
    assert _ALPHABET.fullmatch(once), once
    assert normalize_text(once) == once
    assert tokenize(once) == once.split()
    cleaned = clean_paragraphs(text)
    assert clean_paragraphs(cleaned) == cleaned


@PROFILE
@given(st.lists(st.tuples(st.sampled_from(["txt", "html", "jsonl"]), st.one_of(st.binary(max_size=600),
                                                                                html_like.map(str.encode))),
                min_size=1, max_size=4))
def test_no_input_makes_a_stage_lose_a_record(items):
    """Every record a stage is given comes out, with text or with a reason; no exception escapes."""
    records = [Article(record_id=str(i), source_path=f"f{i}.{kind}", landing_name="l", kind=kind,
                       size_bytes=len(raw), sha256="s", raw=raw, hint_format="html" if kind == "jsonl" else None)
               for i, (kind, raw) in enumerate(items)]
    decode, normalise = DecodeStage(), NormaliseStage(STAGE_SETTINGS)
    out = list(normalise.run(decode.run(records)))
    assert [r.record_id for r in out] == [r.record_id for r in records]
    for record in out:
        assert record.rejected or record.text, record


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=5), st.booleans())
def test_every_landing_line_and_file_becomes_a_record(tmp_path_factory, lines, as_jsonl):
    """read_landing: one record per file, one per non-blank JSONL line (valid JSON or not)."""
    root = tmp_path_factory.mktemp("prop")
    if as_jsonl:
        data = b"\n".join(line.replace(b"\n", b" ") for line in lines)
        (root / "f.jsonl").write_bytes(data)
        expected = sum(1 for line in data.split(b"\n") if line.strip()) or 1
    else:
        for i, line in enumerate(lines):
            (root / f"f{i}.txt").write_bytes(line)
        expected = len(lines)
    records = list(read_landing(root, "l", Settings()))
    assert len(records) == expected
    for record in records:
        assert record.rejected or record.raw is not None


def test_json_records_with_any_field_types_never_crash(tmp_path):
    values = [None, 1, 1.5, True, [], {}, "x", "\ud800", "http://[bad", "9" * 5000]
    lines = [json.dumps({"url": v, "title": v, "text": "t" * 300, "published": v}) for v in values]
    (tmp_path / "f.jsonl").write_text("\n".join(lines))
    records = list(NormaliseStage(STAGE_SETTINGS).run(DecodeStage().run(read_landing(tmp_path, "l", Settings()))))
    assert len(records) == len(values)
