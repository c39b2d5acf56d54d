"""A page's template fingerprint: a hash of its structural skeleton, for the per-publisher canary (the
drift gate's ``source_new_templates``, ``gates/drift.py``).

The skeleton is the set of tag paths of the top ``DEPTH`` levels under ``<body>``, each element named by its
tag and its class tokens with digits stripped (``col-8``, ``ad-slot-3`` and generated ``css-1x2y3`` names vary
per page, the layout does not). A set, not a sequence: how many paragraphs, teasers or list items a page has
does not change its template. Pages of one publisher's template share a fingerprint; a redesign changes it.

Read from the tree ``extract`` parsed, before the body extractor prunes it (no second parse).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

DEPTH = 4  # levels under <body>: header, main, columns, blocks; article prose sits below
_DIGITS_RE = re.compile(r"\d+")
_SKIPPED = {"script", "style", "noscript", "template", "link", "meta"}


# A site's pages repeat the same few tag and class pairs: each pair's name is kept (bounded: emptied when
# full, about 6 MB), so the digit stripping and sorting run once per pair rather than once per element.
_NAMES: dict[tuple[str, str | None], str | None] = {}
_NAMES_MAX = 20_000
_UNSEEN = "\0"  # no name: a tag and class never make it


def _name(element: Any) -> str | None:
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return None
    key = (tag, element.get("class"))
    name = _NAMES.get(key, _UNSEEN)
    if name is _UNSEEN:
        if len(_NAMES) > _NAMES_MAX:
            _NAMES.clear()
        name = _NAMES[key] = _new_name(tag.lower(), key[1])
    return name


def _new_name(tag: str, cls: str | None) -> str | None:
    if tag in _SKIPPED:
        return None
    classes = sorted({_DIGITS_RE.sub("", c) for c in (cls or "").split()} - {"", "-", "_"})
    return tag + "".join(f".{c}" for c in classes)


def template_fingerprint(root: Any) -> str | None:
    """16 hex chars naming the page's skeleton; None for a page without a ``<body>`` element."""
    body = root.find(".//body") if root is not None and getattr(root, "tag", None) != "body" else root
    if body is None:
        return None
    paths: set[str] = set()
    stack: list[tuple[Any, str, int]] = [(body, "body", 0)]
    while stack:  # iterative: hostile pages nest thousands deep
        element, path, depth = stack.pop()
        if depth >= DEPTH:
            continue
        for child in element:
            name = _name(child)
            if name is None:
                continue
            child_path = f"{path}>{name}"
            paths.add(child_path)
            stack.append((child, child_path, depth + 1))
    return hashlib.sha256("\n".join(sorted(paths)).encode("utf-8")).hexdigest()[:16]
