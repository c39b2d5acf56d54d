"""Language of a text (ISO 639-1), detected from the text itself."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """The ISO 639-1 (two-letter) codes the detector can return."""
    return frozenset(code for code in _identifier().nb_classes if len(code) == 2)


def detect_language(text: str, declared: str | None = None, min_confidence: float = 0.5) -> str | None:
    """Best guess from the first 5,000 characters; the page's own declaration breaks a weak tie."""
    sample = text[:5000]
    if len(sample.strip()) < 20:
        return declared if declared in known_languages() else None
    code, confidence = _identifier().classify(sample)
    if confidence >= min_confidence and code in known_languages():
        return code
    return declared if declared in known_languages() else None
