"""Score newsflow's extractor against trafilatura and readability-lxml on the Zyte dev set.

    python bench/quality.py [--fast] [--json out.json] [--worst N] [--repeat N]

The dev set lives outside the project, in ``<repo>/../shared/benchmarks/zyte-article-extraction/``
(override with ``--data``); it is read in place, never copied. The metric is the benchmark's own
(README there): ``\\w+`` tokens, 4-token shingle multisets, precision averaged over pages with
non-empty output, recall over pages with non-empty gold, F1 of the two averages; empty outputs are
counted. Speed is pages per second on the extractor call only (HTML string in, text out), single
process; the extractors are run page by page in turn (interleaved) so that noise from a shared
machine falls on all of them alike.

``--fast`` scores newsflow alone (one pass, no competitors): the CI gate
``tests/extract/test_quality_floor.py`` uses it.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "zyte-article-extraction"
_TOKEN_RE = re.compile(r"\w+")
SHINGLE = 4


# ---------------------------------------------------------------- metric (the benchmark's definition)

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


@dataclass
class Score:
    name: str
    precisions: list[float] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    empty: int = 0
    errors: int = 0
    seconds: float = 0.0
    pages: int = 0
    per_page: dict[str, dict] = field(default_factory=dict)

    def add(self, page_id: str, predicted: str, gold: str, elapsed: float) -> None:
        precision, recall = page_scores(predicted, gold)
        self.pages += 1
        self.seconds += elapsed
        if precision is None:
            self.empty += 1
        else:
            self.precisions.append(precision)
        if recall is not None:
            self.recalls.append(recall)
        p, r = precision or 0.0, recall or 0.0
        self.per_page[page_id] = {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}

    @property
    def precision(self) -> float:
        return sum(self.precisions) / len(self.precisions) if self.precisions else 0.0

    @property
    def recall(self) -> float:
        return sum(self.recalls) / len(self.recalls) if self.recalls else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {"f1": round(self.f1, 4), "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "empty": self.empty, "errors": self.errors, "pages": self.pages,
                "pages_per_second": round(self.pages_per_second, 1)}


# ---------------------------------------------------------------- extractors (HTML string in, text out)

def newsflow_extractor() -> Callable[[str, str | None], str]:
    from newsflow.extract import extract

    def run(html: str, url: str | None) -> str:
        return extract(html, url=url).text

    return run


def trafilatura_extractor() -> Callable[[str, str | None], str]:
    import trafilatura

    def run(html: str, url: str | None) -> str:
        return trafilatura.extract(html, url=url, include_comments=False) or ""

    return run


def readability_extractor() -> Callable[[str, str | None], str]:
    import logging

    import lxml.html
    from readability import Document

    logging.getLogger("readability").setLevel(logging.ERROR)

    def run(html: str, url: str | None) -> str:
        summary = Document(html, url=url).summary(html_partial=True)
        if not summary.strip():
            return ""
        return lxml.html.fromstring(summary).text_content()

    return run


EXTRACTORS = {"newsflow": newsflow_extractor, "trafilatura": trafilatura_extractor,
              "readability": readability_extractor}


# ---------------------------------------------------------------- runner

def load_pages(data: Path) -> list[tuple[str, str, str, str]]:
    """(id, url, html, gold) for every page, in id order; HTML decoded as UTF-8 (the set is UTF-8)."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id in sorted(truth):
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((page_id, truth[page_id].get("url"), raw.decode("utf-8", "replace"),
                      truth[page_id].get("articleBody") or ""))
    return pages


def run(data: Path, names: list[str], repeat: int = 1) -> dict[str, Score]:
    pages = load_pages(data)
    runners = {name: EXTRACTORS[name]() for name in names}
    scores = {name: Score(name) for name in names}
    for name, fn in runners.items():  # warm-up: imports, regex compilation, lazy tables
        try:
            fn(pages[0][2], pages[0][1])
        except Exception:  # noqa: BLE001 - a competitor's failure is scored, not fatal
            pass
    gc.collect()
    for page_id, url, html, gold in pages:
        for name, fn in runners.items():
            best, text, failed = float("inf"), "", False
            for _ in range(repeat):
                start = time.perf_counter()
                try:
                    text = fn(html, url)
                except Exception:  # noqa: BLE001
                    text, failed = "", True
                best = min(best, time.perf_counter() - start)
            scores[name].add(page_id, text, gold, best)
            scores[name].errors += failed
    return scores


def table(scores: dict[str, Score]) -> str:
    lines = ["| extractor | F1 | precision | recall | empty | errors | pages/s |", "|---|---|---|---|---|---|---|"]
    for score in scores.values():
        lines.append(f"| {score.name} | {score.f1:.4f} | {score.precision:.4f} | {score.recall:.4f} | "
                     f"{score.empty}/{score.pages} | {score.errors} | {score.pages_per_second:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--fast", action="store_true", help="newsflow only (the CI gate)")
    parser.add_argument("--only", nargs="+", choices=sorted(EXTRACTORS), help="run only these extractors")
    parser.add_argument("--repeat", type=int, default=1, help="time each call N times, keep the fastest")
    parser.add_argument("--worst", type=int, default=0, help="list newsflow's N worst pages")
    parser.add_argument("--json", type=Path, help="write the summary (and per-page scores) here")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").is_file():
        print(f"dev set not found at {args.data}: nothing to score", file=sys.stderr)
        return 2
    names = ["newsflow"] if args.fast else (args.only or list(EXTRACTORS))
    scores = run(args.data, names, repeat=max(1, args.repeat))
    print(table(scores))
    if "newsflow" in scores and "trafilatura" in scores and scores["trafilatura"].pages_per_second:
        ratio = scores["newsflow"].pages_per_second / scores["trafilatura"].pages_per_second
        print(f"\nspeed ratio newsflow / trafilatura: {ratio:.2f}x")
    if args.worst and "newsflow" in scores:
        worst = sorted(scores["newsflow"].per_page.items(), key=lambda kv: kv[1]["f1"])[: args.worst]
        print("\nnewsflow worst pages (id  F1  P  R):")
        for page_id, s in worst:
            print(f"  {page_id[:16]}  {s['f1']:.3f}  {s['p']:.3f}  {s['r']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(
            {"summary": {n: s.summary() for n, s in scores.items()},
             "per_page": {n: s.per_page for n, s in scores.items()}}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
