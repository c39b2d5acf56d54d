from helpers import seed_text
from paths import SHARED

from newsflow.text.language import detect_language, known_languages


def test_english_seed():
    assert detect_language(seed_text("002")) == "en"


def test_other_languages_and_fallbacks():
    french = "Le gouvernement a annoncé mardi une nouvelle réforme des retraites pour les salariés."
    assert detect_language(french) == "fr"
    assert detect_language("Die Bundesregierung hat am Dienstag eine neue Reform der Renten angekündigt.") == "de"
    assert detect_language("short", declared="en") == "en"
    assert detect_language("", declared="xx") is None


def test_known_languages_are_iso_639_1():
    codes = known_languages()
    assert "en" in codes and all(len(c) == 2 for c in codes)


def test_quick_sample_agrees_with_the_full_sample_on_the_dev_set():
    """The quick first look must not change any answer the 5,000-character sample gives."""
    import json

    import pytest

    from newsflow.text import language

    gold_file = SHARED / "benchmarks" / "zyte-article-extraction" / \
        "ground-truth.json"
    if not gold_file.is_file():
        pytest.skip(f"dev set absent: {gold_file} (it lives in ../shared next to the repo)")
    identifier = language._identifier()
    long_path = 0
    for page in json.loads(gold_file.read_text(encoding="utf-8")).values():
        text = page["articleBody"]
        code, confidence = identifier.classify(text[:language.FULL_CHARS])
        full = code if confidence >= 0.5 and code in known_languages() else None
        assert detect_language(text) == full, text[:80]
        long_path += identifier.classify(text[:language.QUICK_CHARS])[1] < language.SURE
    assert long_path < 20  # the quick look settles nearly every page, or it buys nothing
