from helpers import seed_text
from newsflow.text.language import detect_language, known_languages


def test_english_seed():
    assert detect_language(seed_text("002")) == "en"


def test_other_languages_and_fallbacks():
    assert detect_language("Le gouvernement a annoncé mardi une nouvelle réforme des retraites pour les salariés.") == "fr"
    assert detect_language("Die Bundesregierung hat am Dienstag eine neue Reform der Renten angekündigt.") == "de"
    assert detect_language("short", declared="en") == "en"
    assert detect_language("", declared="xx") is None


def test_known_languages_are_iso_639_1():
    codes = known_languages()
    assert "en" in codes and all(len(c) == 2 for c in codes)
