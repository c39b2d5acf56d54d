"""The corpus token rule (defined by seed 001).

Lowercase; delete ASCII apostrophes; tokens are runs of ``[a-z]``; drop the
classic 179-word English stop list (NLTK's). Digits and every non-ASCII letter
act as separators, so they vanish. The stop list is kept verbatim: its
apostrophe forms ("you're") can never match once apostrophes are deleted, and
seed 001 confirms that ("youre" survives).
"""

from __future__ import annotations

import re

# NLTK ``stopwords.words("english")``, the 179-word list, in its original order.
ENGLISH_STOPWORDS: tuple[str, ...] = (
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "you're",
    "you've", "you'll", "you'd", "your", "yours", "yourself", "yourselves", "he",
    "him", "his", "himself", "she", "she's", "her", "hers", "herself", "it", "it's",
    "its", "itself", "they", "them", "their", "theirs", "themselves", "what", "which",
    "who", "whom", "this", "that", "that'll", "these", "those", "am", "is", "are",
    "was", "were", "be", "been", "being", "have", "has", "had", "having", "do",
    "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because",
    "as", "until", "while", "of", "at", "by", "for", "with", "about", "against",
    "between", "into", "through", "during", "before", "after", "above", "below",
    "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
    "further", "then", "once", "here", "there", "when", "where", "why", "how", "all",
    "any", "both", "each", "few", "more", "most", "other", "some", "such", "no",
    "nor", "not", "only", "own", "same", "so", "than", "too", "very", "s", "t",
    "can", "will", "just", "don", "don't", "should", "should've", "now", "d", "ll",
    "m", "o", "re", "ve", "y", "ain", "aren", "aren't", "couldn", "couldn't",
    "didn", "didn't", "doesn", "doesn't", "hadn", "hadn't", "hasn", "hasn't",
    "haven", "haven't", "isn", "isn't", "ma", "mightn", "mightn't", "mustn",
    "mustn't", "needn", "needn't", "shan", "shan't", "shouldn", "shouldn't", "wasn",
    "wasn't", "weren", "weren't", "won", "won't", "wouldn", "wouldn't",
)
_STOP = frozenset(ENGLISH_STOPWORDS)
_TOKEN_RE = re.compile(r"[a-z]+")


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` under the corpus rule, stop words removed."""
    lowered = text.lower().replace("'", "")
    return [tok for tok in _TOKEN_RE.findall(lowered) if tok not in _STOP]


def normalize_text(text: str) -> str:
    """``normalized_text`` column: the rule's tokens joined by single spaces."""
    return " ".join(tokenize(text))
