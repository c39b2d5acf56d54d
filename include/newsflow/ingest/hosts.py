"""Host allow and deny lists for records read from a crawl (CC-NEWS), applied before extraction.

An entry covers its host and every host under it, on label boundaries: ``bbc.co.uk`` covers
``www.bbc.co.uk`` and ``news.bbc.co.uk``, not ``notbbc.co.uk``; ``news.bbc.co.uk`` covers that part of the
site only. ``www.`` before a registered domain names the whole site (``www.bbc.co.uk`` = ``bbc.co.uk``); the
public suffix list (bundled offline by the ``publicsuffixlist`` package: nothing is fetched at run time)
decides what a registered domain is, private suffixes included (``someone.blogspot.com`` is one site, not
all of Blogspot). An entry that is a public suffix (``co.uk``, ``gov``) covers every host under it. IP
addresses match only themselves. Deny wins over allow.

A list is given inline (entries separated by commas or whitespace) or as ``@path``, a file with one entry
per line (``#`` starts a comment); both forms mix.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

DENIED = "host_denied"  # the record's host is on the deny list
NOT_ALLOWED = "host_not_allowed"  # an allow list is set and the host is not on it
_SPLIT = re.compile(r"[\s,]+")


@lru_cache(maxsize=1)
def _suffixes():  # type: ignore[no-untyped-def]  # publicsuffixlist ships no type hints
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def normalise_host(value: str) -> str:
    """A lowercase host without port, trailing dot or scheme; '' when there is none."""
    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    else:
        text = text.split("/", 1)[0].rsplit("@", 1)[-1]
        if not text.startswith("["):
            text = text.split(":", 1)[0]
    if not text.isascii():
        with contextlib.suppress(UnicodeError):  # not a valid IDN: compared as given
            text = text.encode("idna").decode("ascii")
    return text.strip(".")


@lru_cache(maxsize=65536)
def site_of(host: str) -> str:
    """The registered domain of ``host``; the host itself when it has none (IPs, ``localhost``, a suffix)."""
    found = _suffixes().privatesuffix(host) if "." in host and not host.replace(".", "").isdigit() else None
    return str(found) if found else host


def parse_entries(values: Iterable[str]) -> list[str]:
    """Entries from inline values and ``@file`` references, normalised, in order, without duplicates."""
    entries: list[str] = []
    for value in values:
        for token in _SPLIT.split(value.strip()):
            if not token:
                continue
            if token.startswith("@"):
                lines = Path(token[1:]).expanduser().read_text(encoding="utf-8").splitlines()
                entries.extend(parse_entries(line.split("#", 1)[0] for line in lines))
                continue
            host = normalise_host(token)
            if host:
                entries.append(host)
    return list(dict.fromkeys(entries))


def split_list(value: object) -> list[str]:
    """A DAG param or flag value (a string of entries, or a list of them) as a list of raw entries."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [token for token in _SPLIT.split(value.strip()) if token]
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if str(item).strip()]
    raise ValueError(f"expected a host list (a string or a list), got {type(value).__name__}")


@dataclass
class HostFilter:
    """Decides, per record URL, whether it is read; counts nothing itself (callers count by reason)."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    _allow: frozenset[str] = field(init=False, repr=False)
    _deny: frozenset[str] = field(init=False, repr=False)
    _verdicts: dict[str, str | None] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._allow = frozenset(map(_entry_scope, parse_entries(self.allow)))
        self._deny = frozenset(map(_entry_scope, parse_entries(self.deny)))

    @property
    def active(self) -> bool:
        return bool(self._allow or self._deny)

    def reason(self, url: str | None) -> str | None:
        """Why the record at ``url`` is filtered out (``DENIED``/``NOT_ALLOWED``), or None to keep it.
        Deny wins over allow. A record without a readable host is kept (the pipeline says what it is)."""
        if not self.active or not url:
            return None
        host = normalise_host(url if "://" in url else f"http://{url}")
        if not host:
            return None
        verdict = self._verdicts.get(host, "?")
        if verdict == "?":
            verdict = self._verdicts[host] = self._decide(host)
        return verdict

    def _decide(self, host: str) -> str | None:
        scopes = _scopes(host)
        if not self._deny.isdisjoint(scopes):
            return DENIED
        if self._allow and self._allow.isdisjoint(scopes):
            return NOT_ALLOWED
        return None


def _is_ip(host: str) -> bool:
    return host.startswith("[") or host.replace(".", "").isdigit()


def _entry_scope(entry: str) -> str:
    """What an entry covers: ``www.`` before a registered domain names the whole site."""
    if entry.startswith("www.") and site_of(entry[4:]) == entry[4:]:
        return entry[4:]
    return entry


def _scopes(host: str) -> set[str]:
    """Every name an entry could give to cover ``host``: the host and each parent down to its public suffix
    and the suffix's parents (``a.b.co.uk``: itself, ``b.co.uk``, ``co.uk``, ``uk``)."""
    if _is_ip(host) or "." not in host:
        return {host}
    labels = host.split(".")
    return {".".join(labels[i:]) for i in range(len(labels))}
