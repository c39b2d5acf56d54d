"""The normalise task's stages: decoded page to clean text, metadata and tokens (``NormaliseStage``), then
the MinHash signature dedup compares (``SignStage``). Both are named after the task that runs them, so
a crash in either is a ``normalise.stage_error``."""

from __future__ import annotations

import hashlib
import logging
from datetime import date, datetime
from urllib.parse import urlsplit

from newsflow.dedup.signature import signature
from newsflow.extract import ExtractionError, extract
from newsflow.extract.dates import parse_datetime
from newsflow.limits import BudgetExceeded, time_budget
from newsflow.record import Article, is_html
from newsflow.settings import Settings
from newsflow.stages.base import Stage
from newsflow.text.boilerplate import find_boilerplate
from newsflow.text.language import detect_language
from newsflow.text.paragraphs import clean_paragraphs
from newsflow.text.tokens import tokenize

LOGGER = logging.getLogger(__name__)


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # a malformed page URL (og:url "http://[x"): no domain
        return None
    return host[4:] if host.startswith("www.") else (host or None)


STAGE = "normalise"


class NormaliseStage(Stage):
    """Text and metadata for every decoded record; token rule applied."""

    name = STAGE

    def __init__(self, settings: Settings, run_day: date | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.run_day = run_day  # no publication date after it is taken from a page (None: today, UTC)

    def process(self, record: Article) -> None:
        declared_language = None
        published: datetime | None = None
        if record.hint_url:
            try:
                _ = urlsplit(record.hint_url).hostname  # "http://[x" raises ValueError: refuse, do not crash
            except ValueError as exc:
                record.reject(self.name, "bad_url", f"record url {record.hint_url[:200]!r}: {exc}")
                return
        if is_html(record):
            try:
                with time_budget(self.settings.extract_timeout_seconds):
                    page = extract(record.decoded or "", url=record.hint_url, today=self.run_day)
            except ExtractionError as exc:
                record.reject(self.name, exc.code, exc.detail)
                return
            except BudgetExceeded as exc:
                record.reject(self.name, "extract_timeout", str(exc))
                return
            except RecursionError:
                record.reject(self.name, "too_deep", "markup too deep to walk")
                return
            except Exception as exc:  # an extractor bug on one hostile page must not fail the whole batch
                LOGGER.warning("extract failed on %s: %s: %s", record.source_path, type(exc).__name__, exc)
                record.reject(self.name, "extract_failed", f"{type(exc).__name__}: {exc}"[:300])
                return
            text = clean_paragraphs(page.text)
            record.title = record.hint_title or page.title
            record.authors = page.authors
            record.canonical_url = page.canonical_url or record.hint_url
            published, record.published_raw = page.published_at, page.published_raw
            record.published_at_source, record.modified_at = page.published_at_source, page.modified_at
            record.site_name = page.site_name
            record.template_fingerprint = page.template_fingerprint
            declared_language = page.language
            self.stats.counters["html"] += 1
        else:
            text = clean_paragraphs(record.decoded or "")
            record.title = record.hint_title
            record.canonical_url = record.hint_url
            self.stats.counters["text"] += 1
        record.url = record.hint_url or record.canonical_url
        if record.hint_published:
            record.published_raw = record.hint_published
            published = parse_datetime(record.hint_published)
            record.published_at_source = "record" if published else None
        record.published_at = published
        record.source = domain_of(record.canonical_url or record.url) or record.landing_name
        tokens = tokenize(text)
        record.text = text
        record.normalized_text = " ".join(tokens)
        record.word_count = len(text.split())
        record.content_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        identity = record.canonical_url or record.url or record.source_path
        record.doc_id = hashlib.sha256(f"{identity}\x00{record.content_sha256}".encode()).hexdigest()[:32]
        record.language = detect_language(text, declared_language)
        record.boilerplate_phrases = find_boilerplate(tokens)
        record.decoded = None  # the clean text replaces it downstream
        if not text:
            record.reject(self.name, "empty_text", "no body text found")


class SignStage(Stage):
    """MinHash signature of each normalised record's tokens (``dedup.signature``), computed here, on the
    workers, batch by batch; dedup compares them once per run."""

    name = STAGE
    sees_rejected = True  # rejected records are compared too, so every reason is recorded

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings

    def process(self, record: Article) -> None:
        if record.normalized_text is not None:
            record.minhash = signature(record.normalized_text, self.settings).tolist()
