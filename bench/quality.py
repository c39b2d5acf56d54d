"""Score newsflow's extractor against trafilatura, readability-lxml and htmldate on every dev set.

    python bench/quality.py [--sets NAME ...] [--fast] [--worst N] [--json out.json] [--repeat N]

The dev sets live outside the project, in ``<repo>/../shared/benchmarks/`` (override with ``--data``);
they are read in place, never copied. Each set is scored with the metric its README defines:

- ``zyte`` (181 pages, body): ``\\w+`` tokens, 4-token shingle multisets, precision averaged over pages
  with non-empty output, recall over pages with non-empty gold, F1 of the two averages; empty outputs
  counted.
- ``trafilatura-eval`` (990 pages, body): snippets that must appear (``with``: TP or FN) and must not
  (``without``: FP or TN) in the whitespace-normalised output, summed over the corpus.
- ``htmldate-dates`` (779 pages, publication day): pages passed WITHOUT their URL; same day TP, another
  day FP, none FN; accuracy = TP / pages.
- ``readability-meta`` (65 pages): title exact match after normalisation, byline person F1 over pages
  whose gold names someone, "false authors" on pages whose gold names nobody, date = same UTC day.

Every set's pages go through all its extractors page by page in turn (interleaved, each page starting
with the next extractor in rotation), so noise from a shared machine falls on all of them alike; pages/s
is the extractor call only (HTML string in, result out), one process. ``fundus-publishers`` (235 pages,
165 publishers): body (Zyte's shingle F1), title, author F1 and publication day (local or UTC day of the
gold), pages passed without their URL, with a per-country table. ``newsflow-rules`` is newsflow with the
byline ranker off (the rules alone), scored and timed in the same run; after the sets, the ranker's
in-sample, leave-publisher-out and leave-one-set-out figures (``bench/train.py``) unless ``--no-oos``.
``--fast`` scores newsflow alone, as the CI gate ``tests/extract/test_quality_floor.py``
does (``run_set``) against the floors in ``tests/extract/quality_floors.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "benchmarks"
_TOKEN_RE = re.compile(r"\w+")
SHINGLE = 4


@dataclass
class Page:
    page_id: str
    url: str | None
    html: str
    gold: object


def _decode(raw: bytes) -> str:
    """The pipeline's own decoding (BOM, declared charset, detection): every extractor gets this string."""
    from newsflow.ingest.decode import DecodeError, decode_bytes

    try:
        return decode_bytes(raw, html=True).text
    except DecodeError:  # refused by the pipeline (a binary-looking page): score it as UTF-8 anyway
        return raw.decode("utf-8", "replace")


# ---------------------------------------------------------------- loaders (one per dev set)

def load_zyte(data: Path) -> list[Page]:
    root = data / "zyte-article-extraction"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    return [Page(page_id, truth[page_id].get("url"),
                 gzip.decompress((root / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", "replace"),
                 truth[page_id].get("articleBody") or "")
            for page_id in sorted(truth)]


def load_trafilatura_eval(data: Path) -> list[Page]:
    root = data / "trafilatura-eval"
    truth = json.loads((root / "evaldata.json").read_text(encoding="utf-8"))
    pages = []
    for key in sorted(truth):
        item = truth[key]
        path = root / "html" / item["file"]
        if not path.is_file():
            path = root / "html" / f"{item['file']}.gz"
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        pages.append(Page(key, None, _decode(raw), {"with": item.get("with") or [],
                                                     "without": item.get("without") or []}))
    return pages


def load_htmldate(data: Path) -> list[Page]:
    root = data / "htmldate-dates"
    gold = json.loads((root / "gold.json").read_text(encoding="utf-8"))
    return [Page(item["file"], None,  # the URL is withheld: the benchmark scores what the page says
                 _decode(gzip.decompress((root / "html" / item["file"]).read_bytes())), item["date"])
            for item in sorted(gold, key=lambda item: item["file"])]


def load_readability_meta(data: Path) -> list[Page]:
    root = data / "readability-meta" / "pages"
    return [Page(folder.name, None, _decode(gzip.decompress((folder / "source.html.gz").read_bytes())),
                 json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8")))
            for folder in sorted(root.iterdir()) if (folder / "source.html.gz").is_file()]


def load_fundus(data: Path) -> list[Page]:
    """fundus-publishers: pages passed WITHOUT their URL (as for htmldate-dates); gold keeps country and publisher
    for the per-country table and the leave-publisher-out folds."""
    root = data / "fundus-publishers"
    gold = json.loads((root / "gold.json").read_text(encoding="utf-8"))
    return [Page(item["file"], None, _decode(gzip.decompress((root / "html" / item["file"]).read_bytes())), item)
            for item in sorted(gold, key=lambda item: item["file"])]


def publisher_of(page: Page) -> str:
    """The group a page belongs to for leave-publisher-out folds (fundus: its publisher; else the page)."""
    gold = page.gold
    if isinstance(gold, dict) and "publisher" in gold:
        return f"{gold.get('country')}/{gold['publisher']}"
    return page.page_id


# ---------------------------------------------------------------- metrics (each set's own definition)

def shingles(text: str, n: int = SHINGLE) -> Counter:
    tokens = _TOKEN_RE.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def page_scores(predicted: str, gold: str) -> tuple[float | None, float | None]:
    """(precision, recall) for one page; None where undefined (empty output / empty gold)."""
    pred, true = shingles(predicted), shingles(gold)
    matched = sum((pred & true).values())
    precision = matched / sum(pred.values()) if pred else None
    recall = matched / sum(true.values()) if true else None
    return precision, recall


def _ws(text: str) -> str:
    return " ".join((text or "").split())


def snippet_counts(predicted: str, gold: dict) -> Counter:
    """trafilatura's evaluation: ``with`` snippets found (TP) or not (FN), ``without`` found (FP) or not (TN)."""
    text = _ws(predicted)
    counts = Counter(tp=0, fn=0, fp=0, tn=0)
    for snippet in gold["with"]:
        counts["tp" if _ws(snippet) in text else "fn"] += 1
    for snippet in gold["without"]:
        counts["fp" if _ws(snippet) in text else "tn"] += 1
    return counts


_QUOTES_RE = re.compile(r"[\"'‘’‚‛“”„‟«»‹›`´]")
_DASHES_RE = re.compile(r"[‐‑‒–—―−]")


def normalise_title(text: str | None) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _ws(_DASHES_RE.sub("-", _QUOTES_RE.sub("", text)))


_BYLINE_PREFIX_RE = re.compile(r"^\s*(?:by|par|von)\b[:\s]*", re.IGNORECASE)
_BYLINE_SPLIT_RE = re.compile(r"\s*(?:,|;|&|\band\b|\|)\s*", re.IGNORECASE)


def byline_names(value) -> list[str]:
    """The README's person split: a leading By/Par/Von stripped, split on , ; & and |, lowercased."""
    if isinstance(value, list):
        value = ", ".join(value)
    value = _BYLINE_PREFIX_RE.sub("", value or "")
    return [_ws(part).lower() for part in _BYLINE_SPLIT_RE.split(value) if _ws(part)]


def names_f1(predicted: list[str], gold: list[str]) -> float:
    pred, true = set(predicted), set(gold)
    matched = len(pred & true)
    if not matched:
        return 0.0
    p, r = matched / len(pred), matched / len(true)
    return 2 * p * r / (p + r)


def utc_day(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            try:
                return date.fromisoformat(str(value)[:10])
            except ValueError:
                return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def stated_day(value) -> date | None:
    """The calendar day the page states (its own zone kept): what a day-level gold records."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def fundus_day_ok(got, gold: str | None) -> bool | None:
    """fundus's date metric: the extracted day equals ``published``'s local day or its UTC day."""
    if not gold:
        return None
    got_day = stated_day(got)
    return got_day is not None and got_day in {stated_day(gold), utc_day(gold)}


# ---------------------------------------------------------------- scores

@dataclass
class Score:
    """One extractor on one set: the raw per-page outcomes; ``summary()`` applies the set's metric."""

    name: str
    kind: str  # shingles | snippets | dates | meta | fields
    seconds: float = 0.0
    pages: int = 0
    errors: int = 0
    empty: int = 0
    per_page: dict[str, dict] = field(default_factory=dict)

    def add(self, page: Page, result, elapsed: float, failed: bool) -> None:
        self.pages += 1
        self.seconds += elapsed
        self.errors += failed
        getattr(self, f"_add_{self.kind}")(page, result)

    def _add_shingles(self, page: Page, text: str) -> None:
        precision, recall = page_scores(text, page.gold)
        self.empty += precision is None
        p, r = precision or 0.0, recall or 0.0
        self.per_page[page.page_id] = {"p": precision, "r": recall, "f1": 2 * p * r / (p + r) if p + r else 0.0}

    def _add_snippets(self, page: Page, text: str) -> None:
        self.empty += not _ws(text)
        counts = snippet_counts(text, page.gold)
        found = counts["tp"] - counts["fp"]
        self.per_page[page.page_id] = {**counts, "f1": found / max(1, counts["tp"] + counts["fn"])}

    def _add_dates(self, page: Page, day: date | None) -> None:
        verdict = "fn" if day is None else ("tp" if day.isoformat() == page.gold else "fp")
        self.per_page[page.page_id] = {"verdict": verdict, "got": day.isoformat() if day else None,
                                       "gold": page.gold, "f1": float(verdict == "tp")}

    def _add_meta(self, page: Page, meta: dict) -> None:
        gold = page.gold
        row: dict = {"title_ok": normalise_title(meta.get("title")) == normalise_title(gold.get("title")),
                     "title": meta.get("title"), "gold_title": gold.get("title")}
        gold_names = byline_names(gold.get("byline"))
        got_names = byline_names(meta.get("authors") or [])
        row.update(authors=meta.get("authors"), gold_byline=gold.get("byline"),
                   byline_f1=names_f1(got_names, gold_names) if gold_names else None,
                   invented=bool(got_names) if not gold_names else None)
        if gold.get("publishedTime"):
            row["date_ok"] = meta.get("published") is not None and \
                utc_day(meta.get("published")) == utc_day(gold["publishedTime"])
        row["f1"] = (row["title_ok"] + (row["byline_f1"] if row["byline_f1"] is not None
                                        else float(not row["invented"]))) / 2
        self.per_page[page.page_id] = row

    def _add_fields(self, page: Page, result: dict) -> None:
        """fundus-publishers: every field the extractor returns (a date-only extractor scores the day only)."""
        gold = page.gold
        if callable(result.get("lazy")):  # metadata an extractor gets from a second, untimed call
            result = {**result, **result["lazy"]()}
        row: dict = {"country": gold["country"], "publisher": gold["publisher"]}
        if "text" in result:
            precision, recall = page_scores(result["text"] or "", gold["body"])
            self.empty += precision is None
            p, r = precision or 0.0, recall or 0.0
            row.update(p=precision, r=recall, body_f1=2 * p * r / (p + r) if p + r else 0.0)
        if "title" in result:
            row.update(title_ok=normalise_title(result["title"]) == normalise_title(gold["title"]),
                       title=result["title"], gold_title=gold["title"])
        if "authors" in result:
            gold_names = byline_names(gold.get("authors") or [])
            got_names = byline_names(result["authors"] or [])
            row.update(authors=result["authors"], gold_authors=gold.get("authors"),
                       byline_f1=names_f1(got_names, gold_names) if gold_names else None)
        if "published" in result:
            row.update(day_ok=fundus_day_ok(result["published"], gold.get("published")),
                       got=str(result["published"]), gold_published=gold.get("published"))
        parts = [row.get("body_f1"), row.get("title_ok"), row.get("byline_f1"), row.get("day_ok")]
        known = [float(x) for x in parts if x is not None]
        row["f1"] = sum(known) / len(known) if known else 0.0
        self.per_page[page.page_id] = row

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        rows = list(self.per_page.values())
        out: dict = {"pages": self.pages, "errors": self.errors, "pages_per_second": round(self.pages_per_second, 1)}
        if self.kind == "shingles":
            ps = [r["p"] for r in rows if r["p"] is not None]
            rs = [r["r"] for r in rows if r["r"] is not None]
            p, r = (sum(ps) / len(ps) if ps else 0.0), (sum(rs) / len(rs) if rs else 0.0)
            out.update(f1=2 * p * r / (p + r) if p + r else 0.0, precision=p, recall=r, empty=self.empty)
        elif self.kind == "snippets":
            c = Counter()
            for r in rows:
                c.update({k: r[k] for k in ("tp", "fn", "fp", "tn")})
            out.update(f1=2 * c["tp"] / max(1, 2 * c["tp"] + c["fp"] + c["fn"]),
                       precision=c["tp"] / max(1, c["tp"] + c["fp"]), recall=c["tp"] / max(1, c["tp"] + c["fn"]),
                       accuracy=(c["tp"] + c["tn"]) / max(1, sum(c.values())), empty=self.empty)
        elif self.kind == "dates":
            c = Counter(r["verdict"] for r in rows)
            p, r = c["tp"] / max(1, c["tp"] + c["fp"]), c["tp"] / max(1, c["tp"] + c["fn"])
            out.update(accuracy=c["tp"] / max(1, len(rows)), precision=p, recall=r,
                       f1=2 * p * r / (p + r) if p + r else 0.0, no_date=c["fn"])
        elif self.kind == "fields":
            out.update(fields_summary(rows), empty=self.empty)
        else:
            bylines = [r["byline_f1"] for r in rows if r["byline_f1"] is not None]
            no_byline = [r["invented"] for r in rows if r["invented"] is not None]
            dated = [r["date_ok"] for r in rows if "date_ok" in r]
            out.update(title=sum(r["title_ok"] for r in rows) / max(1, len(rows)),
                       byline_f1=sum(bylines) / max(1, len(bylines)),
                       false_authors=sum(no_byline), no_byline_pages=len(no_byline),
                       false_author_share=sum(no_byline) / max(1, len(no_byline)),
                       date=sum(dated) / max(1, len(dated)), dated_pages=len(dated))
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def fields_summary(rows: list[dict]) -> dict:
    """fundus-publishers' metrics over some pages: body shingle F1 (Zyte's averaging), title exact match,
    author F1 over pages whose gold names authors, publication day accuracy; None for a field not scored."""
    out: dict = {}
    ps = [r["p"] for r in rows if r.get("p") is not None]
    rs = [r["r"] for r in rows if r.get("r") is not None]
    if any("body_f1" in r for r in rows):
        p, r = (sum(ps) / len(ps) if ps else 0.0), (sum(rs) / len(rs) if rs else 0.0)
        out["body"] = 2 * p * r / (p + r) if p + r else 0.0
    titles = [r["title_ok"] for r in rows if "title_ok" in r]
    bylines = [r["byline_f1"] for r in rows if r.get("byline_f1") is not None]
    days = [r["day_ok"] for r in rows if r.get("day_ok") is not None]
    out["title"] = sum(titles) / len(titles) if titles else None
    out["byline_f1"] = sum(bylines) / len(bylines) if bylines else None
    out["day"] = sum(days) / len(days) if days else None
    out["pages"] = len(rows)
    return out


def by_country(score: Score) -> dict[str, dict]:
    groups: dict[str, list[dict]] = {}
    for row in score.per_page.values():
        groups.setdefault(row["country"], []).append(row)
    return {country: fields_summary(rows) for country, rows in sorted(groups.items())}


# ---------------------------------------------------------------- extractors (HTML string in)

def _newsflow_extract():
    """``extract``, warmed: the date fallback's one-off load (``dates.warm_up``, ~1.1 s once per process,
    as a pipeline worker does in ``runtime.preload``) is kept off the per-page clock."""
    from newsflow.extract import extract
    from newsflow.extract.dates import warm_up

    warm_up()
    return extract


def newsflow_body() -> Callable:
    extract = _newsflow_extract()
    return lambda html, url: extract(html, url=url).text


def newsflow_date() -> Callable:
    extract = _newsflow_extract()
    return lambda html, url: stated_day(extract(html, url=url).published_at)


def newsflow_meta() -> Callable:
    extract = _newsflow_extract()

    def run(html: str, url: str | None) -> dict:
        page = extract(html, url=url)
        return {"title": page.title, "authors": page.authors, "published": page.published_at}

    return run


def newsflow_fields() -> Callable:
    extract = _newsflow_extract()

    def run(html: str, url: str | None) -> dict:
        page = extract(html, url=url)
        return {"text": page.text, "title": page.title, "authors": page.authors, "published": page.published_at}

    return run


def newsflow_rules(build: Callable[[], Callable]) -> Callable[[], Callable]:
    """The same extractor with the byline ranker switched off (the hand-written order alone): the before of
    this round, measured in the same run for its scores and its speed."""
    def wrapped() -> Callable:
        from newsflow.extract import bylines

        run = build()

        def call(html: str, url: str | None):
            bylines.ENABLED = False
            try:
                return run(html, url)
            finally:
                bylines.ENABLED = True

        return call

    return wrapped


def trafilatura_fields() -> Callable:
    """trafilatura's body (``extract``, timed: it is the body call the speed ratio compares) and its metadata
    (``extract_metadata``, a second call, untimed), as the set's README measures them."""
    body, meta = trafilatura_body(), trafilatura_meta()
    return lambda html, url: {"text": body(html, url), "lazy": lambda: meta(html, url)}


def readability_fields() -> Callable:
    body = readability_body()
    return lambda html, url: {"text": body(html, url)}


def htmldate_fields() -> Callable:
    find = htmldate_extractor(True)()
    return lambda html, url: {"published": find(html, url)}


def trafilatura_body() -> Callable:
    import trafilatura

    return lambda html, url: trafilatura.extract(html, url=url, include_comments=False) or ""


def trafilatura_meta() -> Callable:
    from trafilatura import extract_metadata

    def run(html: str, url: str | None) -> dict:
        doc = extract_metadata(html, default_url=url)
        if doc is None:
            return {}
        authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
        return {"title": doc.title, "authors": authors, "published": doc.date}

    return run


def readability_body() -> Callable:
    import logging

    import lxml.html
    from readability import Document

    logging.getLogger("readability").setLevel(logging.ERROR)

    def run(html: str, url: str | None) -> str:
        summary = Document(html, url=url).summary(html_partial=True)
        return lxml.html.fromstring(summary).text_content() if summary.strip() else ""

    return run


def readability_meta() -> Callable:
    import logging

    from readability import Document

    logging.getLogger("readability").setLevel(logging.ERROR)
    return lambda html, url: {"title": Document(html, url=url).short_title(), "authors": [], "published": None}


def htmldate_extractor(extensive: bool) -> Callable[[], Callable]:
    def build() -> Callable:
        from htmldate import find_date

        def run(html: str, url: str | None) -> date | None:
            found = find_date(html, extensive_search=extensive, original_date=True)
            return date.fromisoformat(found) if found else None

        return run

    return build


@dataclass(frozen=True)
class DevSet:
    folder: str
    marker: str  # a file that exists when the set is present
    kind: str
    load: Callable[[Path], list[Page]]
    extractors: dict[str, Callable[[], Callable]]


SETS: dict[str, DevSet] = {
    "zyte": DevSet("zyte-article-extraction", "ground-truth.json", "shingles", load_zyte,
                   {"newsflow": newsflow_body, "newsflow-rules": newsflow_rules(newsflow_body),
                    "trafilatura": trafilatura_body, "readability": readability_body}),
    "trafilatura-eval": DevSet("trafilatura-eval", "evaldata.json", "snippets", load_trafilatura_eval,
                               {"newsflow": newsflow_body, "newsflow-rules": newsflow_rules(newsflow_body),
                                "trafilatura": trafilatura_body, "readability": readability_body}),
    "htmldate-dates": DevSet("htmldate-dates", "gold.json", "dates", load_htmldate,
                             {"newsflow": newsflow_date, "htmldate-extensive": htmldate_extractor(True),
                              "htmldate-fast": htmldate_extractor(False)}),
    "fundus-publishers": DevSet("fundus-publishers", "gold.json", "fields", load_fundus,
                                {"newsflow": newsflow_fields, "newsflow-rules": newsflow_rules(newsflow_fields),
                                 "trafilatura": trafilatura_fields,
                                 "readability": readability_fields, "htmldate-extensive": htmldate_fields}),
    "readability-meta": DevSet("readability-meta", "pages", "meta", load_readability_meta,
                               {"newsflow": newsflow_meta, "newsflow-rules": newsflow_rules(newsflow_meta),
                                "trafilatura": trafilatura_meta,
                                "readability": readability_meta}),
}


def available(data: Path, name: str) -> bool:
    spec = SETS[name]
    return (data / spec.folder / spec.marker).exists()


def _pages(pages: list[Page], limit: int | None) -> Iterator[Page]:
    return iter(pages if not limit else pages[:limit])


def run_set(data: Path, name: str, extractors: list[str] | None = None, repeat: int = 1,
            limit: int | None = None) -> dict[str, Score]:
    """Score the named extractors (default: all of the set's) on one dev set, interleaved page by page."""
    spec = SETS[name]
    pages = spec.load(data)
    names = [n for n in (extractors or list(spec.extractors)) if n in spec.extractors]
    runners = {n: spec.extractors[n]() for n in names}
    scores = {n: Score(n, spec.kind) for n in names}
    for fn in runners.values():  # warm-up: imports, regex compilation, lazy tables
        with contextlib.suppress(Exception):
            fn(pages[0].html, pages[0].url)
    gc.collect()
    order = list(runners.items())
    for index, page in enumerate(_pages(pages, limit)):
        # each page starts with another extractor: the first call on a page pays for what the others find warm
        shift = index % len(order)
        for n, fn in order[shift:] + order[:shift]:
            best, result, failed = float("inf"), None, False
            for _ in range(repeat):
                start = time.perf_counter()
                try:
                    result = fn(page.html, page.url)
                except Exception:
                    result, failed = None, True
                best = min(best, time.perf_counter() - start)
            if result is None and spec.kind in ("shingles", "snippets"):
                result = ""
            elif result is None and spec.kind in ("meta", "fields"):
                result = {}
            scores[n].add(page, result, best, failed)
    return scores


# ---------------------------------------------------------------- report

_COLUMNS = {
    "shingles": ("f1", "precision", "recall", "empty", "errors", "pages_per_second"),
    "snippets": ("f1", "precision", "recall", "accuracy", "empty", "errors", "pages_per_second"),
    "dates": ("accuracy", "precision", "recall", "no_date", "errors", "pages_per_second"),
    "meta": ("title", "byline_f1", "false_authors", "false_author_share", "date", "errors", "pages_per_second"),
    "fields": ("body", "title", "byline_f1", "day", "empty", "errors", "pages_per_second"),
}


def table(scores: dict[str, Score]) -> str:
    kind = next(iter(scores.values())).kind
    cols = _COLUMNS[kind]
    lines = ["| extractor | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for score in scores.values():
        summary = score.summary()
        cells = []
        for col in cols:
            value = summary.get(col)
            if value is None:
                cells.append("-")
            elif col in ("empty", "no_date", "false_authors"):
                total = summary.get("no_byline_pages") if col == "false_authors" else summary["pages"]
                cells.append(f"{value}/{total}")
            else:
                cells.append(f"{value:.4f}" if isinstance(value, float) and col != "pages_per_second" else str(value))
        lines.append(f"| {score.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def country_table(scores: dict[str, Score]) -> str:
    """fundus-publishers per country: each extractor's body / title / byline / day, side by side."""
    per = {name: by_country(score) for name, score in scores.items()}
    names = list(scores)
    lines = ["| country | pages | " + " | ".join(f"{n} body/title/byline/day" for n in names) + " |",
             "|---" * (len(names) + 2) + "|"]

    def cell(summary: dict) -> str:
        return "/".join("-" if summary.get(k) is None else f"{summary[k]:.2f}"
                        for k in ("body", "title", "byline_f1", "day"))

    for country in sorted(next(iter(per.values()))):
        first = per[names[0]][country]
        lines.append(f"| {country} | {first['pages']} | " + " | ".join(cell(per[n][country]) for n in names) + " |")
    return "\n".join(lines)


def worst(score: Score, n: int) -> list[str]:
    rows = sorted(score.per_page.items(), key=lambda kv: (kv[1]["f1"], kv[0]))[:n]
    lines = []
    for page_id, row in rows:
        if score.kind == "shingles":
            lines.append(f"  {page_id[:24]}  F1 {row['f1']:.3f}  P {row['p'] or 0:.3f}  R {row['r'] or 0:.3f}")
        elif score.kind == "snippets":
            lines.append(f"  {page_id[:48]}  with {row['tp']}/{row['tp'] + row['fn']}  without leaked {row['fp']}")
        elif score.kind == "fields":
            lines.append(f"  {page_id[:44]}  body {row.get('body_f1', 0):.3f}"
                         f"  title {'ok' if row.get('title_ok') else repr(row.get('title'))[:50]}"
                         f"  authors {row.get('authors')} (gold {row.get('gold_authors')})"
                         f"  day {'ok' if row.get('day_ok') else row.get('got')} (gold {row.get('gold_published')})")
        elif score.kind == "dates":
            if row["verdict"] != "tp":
                lines.append(f"  {page_id[:48]}  got {row['got']}  gold {row['gold']}")
        else:
            lines.append(f"  {page_id[:40]}  title {'ok' if row['title_ok'] else repr(row['title'])[:60]}"
                         f" (gold {row['gold_title']!r:.60})  authors {row['authors']} (gold {row['gold_byline']!r})")
    return lines


def _train_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("newsflow_bench_train", REPO / "bench" / "train.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the folder holding the dev sets")
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), help="score only these dev sets")
    parser.add_argument("--fast", action="store_true", help="newsflow only (the CI gate)")
    parser.add_argument("--only", nargs="+", help="run only these extractors (names as in the tables)")
    parser.add_argument("--repeat", type=int, default=1, help="time each call N times, keep the fastest")
    parser.add_argument("--limit", type=int, help="score only the first N pages of each set (quick looks)")
    parser.add_argument("--worst", type=int, default=0, help="list newsflow's N worst pages per set")
    parser.add_argument("--json", type=Path, help="write the summaries (and per-page results) here")
    parser.add_argument("--no-oos", action="store_true",
                        help="skip the byline ranker's out-of-sample figures (leave-publisher-out, leave-one-set-out)")
    args = parser.parse_args(argv)
    names = [n for n in (args.sets or list(SETS)) if available(args.data, n)]
    missing = sorted(set(args.sets or SETS) - set(names))
    for name in missing:
        print(f"dev set {name} not found under {args.data}: skipped", file=sys.stderr)
    if not names:
        return 2
    report: dict = {}
    speed: dict[str, float] = {}
    for name in names:
        extractors = ["newsflow"] if args.fast else args.only
        scores = run_set(args.data, name, extractors, repeat=max(1, args.repeat), limit=args.limit)
        print(f"\n## {name} ({next(iter(scores.values())).pages} pages)\n")
        print(table(scores))
        nf, tr = scores.get("newsflow"), scores.get("trafilatura")
        if SETS[name].kind == "fields":
            print("\n" + country_table(scores))
        if nf and tr and SETS[name].kind in ("shingles", "snippets", "fields") and tr.pages_per_second:
            speed[name] = nf.pages_per_second / tr.pages_per_second
            print(f"\nspeed ratio newsflow / trafilatura: {speed[name]:.2f}x")
            before = scores.get("newsflow-rules")
            if before and before.pages_per_second:
                print(f"speed ratio newsflow-rules (no byline ranker) / trafilatura: "
                      f"{before.pages_per_second / tr.pages_per_second:.2f}x")
        if args.worst and nf:
            print(f"\nnewsflow worst pages on {name}:")
            print("\n".join(worst(nf, args.worst)))
        report[name] = {"summary": {n: s.summary() for n, s in scores.items()},
                        "per_page": {n: s.per_page for n, s in scores.items()}}
    fitted = [n for n in names if n in ("fundus-publishers", "readability-meta")]
    if fitted and not args.no_oos:
        print("\n## byline ranker: in-sample and out-of-sample (bench/train.py; fitted on fundus-publishers and "
              "readability-meta)\n")
        train = _train_module()
        figures = train.report(train.collect(args.data), train.shipped_weights())
        train.print_report(figures)
        report["byline_ranker"] = figures
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
