"""Page furniture that must never reach a published body, as token phrases.

Phrases are in the corpus token space (see ``newsflow.text.tokens``), so one
list catches furniture in HTML-extracted text and in pre-tokenised feeds alike.
They are generic to news sites (sign-up boxes, share bars, footers, cookie
banners), never keyed to one page.
"""

from __future__ import annotations

import re
from typing import Any

BOILERPLATE_PHRASES: tuple[str, ...] = (
    # newsletter and account boxes
    "please verify youre robot", "please verify robot", "invalid email address", "please enter valid email",
    "must select newsletter subscribe", "sign newsletter", "sign daily newsletter", "subscribe newsletter",
    "view new york times newsletters", "thank subscribing", "already subscriber log",
    # print / reprint / footer furniture
    "order reprints todays paper subscribe", "todays paper subscribe", "version article appears print",
    "interested feedback page tell us think", "see go home page", "go home page", "rights reserved",
    "terms service privacy policy", "privacy policy terms use", "contact us advertise",
    # social bars and follow prompts
    "share facebook share twitter", "share article facebook", "follow us twitter", "follow us facebook",
    "click share twitter", "opens new window",
    # cookie banners
    "use cookies improve experience", "accept cookies", "cookie policy", "cookie settings", "manage cookies",
    # related-content and ad labels
    "related coverage", "recommended stories", "advertisement continue reading main story",
    "continue reading main story", "read full story", "skip advertisement",
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# A byline glued to its dateline by a naive text pass: "rappeportmarch".
_GLUED_DATELINE_RE = re.compile(rf"^[a-z]{{4,}}(?:{_MONTHS})$")
_PHRASES = tuple(tuple(p.split()) for p in BOILERPLATE_PHRASES)
_BY_FIRST: dict[str, Any] = {}
for _phrase in _PHRASES:
    _BY_FIRST.setdefault(_phrase[0], []).append(_phrase)


def find_boilerplate(tokens: list[str], head: int = 12) -> list[str]:
    """Furniture phrases present in ``tokens`` (each reported once, in order found)."""
    found: list[str] = []
    for index, token in enumerate(tokens):
        for phrase in _BY_FIRST.get(token, ()):
            if tuple(tokens[index:index + len(phrase)]) == phrase:
                text = " ".join(phrase)
                if text not in found:
                    found.append(text)
        if index < head and _GLUED_DATELINE_RE.match(token):
            label = f"byline glued to date ({token})"
            if label not in found:
                found.append(label)
    return found
