"""Build a realistic landing folder of N pages for benchmarks.

Page shapes come from real pages (the dev set in ``../shared/benchmarks/``,
read in place) and from the seed articles: every generated page keeps a real
page's markup, furniture and size, but its paragraphs are rewritten with words
drawn from that page's own body, so pages are distinct (no near duplicates),
in the page's own language, and the pipeline publishes most of them. A share
of bad files (empty, binary, truncated gzip, too short) exercises quarantine.
Deterministic for a given (n, seed).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = REPO.parent / "shared" / "benchmarks"
DEV_SET = BENCHMARKS / "zyte-article-extraction"
# Real news pages, unmodified, for the whole-process timing (issue 13: "1,000 real pages"): the dev sets
# made of news articles, in this order, each in its own sorted order.
NEWS_SETS = (("htmldate-dates", "html/*.html.gz"), ("zyte-article-extraction", "html/*.html.gz"),
             ("readability-meta", "pages/*/source.html.gz"))
_WORD_RE = re.compile(r"\w+|[.,;:!?]")


def _templates() -> list[tuple[str, list[str]]]:
    """(html, vocabulary) for each dev-set page."""
    if not DEV_SET.is_dir():
        raise SystemExit(f"benchmark pages not found in {DEV_SET} (the ../shared folder beside the repo)")
    gold = json.loads((DEV_SET / "ground-truth.json").read_text(encoding="utf-8"))
    templates = []
    for page_id in sorted(gold):
        html = gzip.decompress((DEV_SET / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8", "replace")
        words = [w for w in re.findall(r"\w+", gold[page_id]["articleBody"]) if not w.isdigit()]
        if len(words) >= 50:
            templates.append((html, words))
    return templates


def _sentence(rng: random.Random, words: list[str], low: int = 8, high: int = 24) -> str:
    picked = [rng.choice(words) for _ in range(rng.randint(low, high))]
    picked[0] = picked[0][:1].upper() + picked[0][1:]
    return " ".join(picked) + "."


def _paragraph(rng: random.Random, words: list[str]) -> str:
    return " ".join(_sentence(rng, words) for _ in range(rng.randint(2, 5)))


_CODE_RE = re.compile(r"(<(script|style)\b.*?</\2\s*>)", re.IGNORECASE | re.DOTALL)
_TEXT_RE = re.compile(r">([^<>]{40,})<")


def _variant(rng: random.Random, html: str, words: list[str]) -> str:
    """The page's markup with every longer text node rewritten from its own words (code left alone)."""
    pieces = _CODE_RE.split(html)
    out = []
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        if index % 3 == 1:  # re.split yields: text, a script/style block, its tag name, text, ...
            out.append(piece)
            index += 2
            continue
        out.append(_TEXT_RE.sub(lambda m: ">" + _paragraph(rng, words) + "<", piece))
        index += 1
    return "".join(out)


def _seed_like(rng: random.Random, seeds: list[str]) -> str:
    words = [w for text in seeds for w in re.findall(r"[A-Za-z’']+", text)]
    return "\n".join(_paragraph(rng, words) for _ in range(rng.randint(8, 20)))


def real_pages(landing: Path, n: int) -> dict:
    """Write the first ``n`` news pages of the dev sets (``NEWS_SETS``), unmodified, into ``landing`` (a
    scratch folder outside the repo); returns counts like ``build``."""
    paths = [path for name, pattern in NEWS_SETS for path in sorted((BENCHMARKS / name).glob(pattern))]
    if len(paths) < n:
        raise SystemExit(f"only {len(paths)} news pages in {BENCHMARKS} (the ../shared folder beside the repo)")
    folder = landing / "shard-000"
    folder.mkdir(parents=True, exist_ok=True)
    counts = {"html": 0, "html_gz": 0, "txt": 0, "bad": 0, "bytes": 0}
    for index, path in enumerate(paths[:n]):
        data = gzip.decompress(path.read_bytes())
        (folder / f"page-{index:06d}.html").write_bytes(data)
        counts["html"] += 1
        counts["bytes"] += len(data)
    return counts


def build(landing: Path, n: int, seed: int = 7, bad_share: float = 0.03, text_share: float = 0.1) -> dict:
    """Write ``n`` files into ``landing``; returns counts by kind."""
    rng = random.Random(seed)
    templates = _templates()
    seeds = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    landing.mkdir(parents=True, exist_ok=True)
    counts = {"html": 0, "html_gz": 0, "txt": 0, "bad": 0, "bytes": 0}
    for index in range(n):
        roll = rng.random()
        folder = landing / f"shard-{index // 1000:03d}"
        folder.mkdir(exist_ok=True)
        if roll < bad_share:
            kind = index % 4
            name, data = [
                (f"bad-{index:06d}.html", b""),
                (f"bad-{index:06d}.html", rng.randbytes(2048)),
                (f"bad-{index:06d}.html.gz", gzip.compress(b"<p>" + b"x" * 4000, mtime=0)[:200]),
                (f"bad-{index:06d}.txt", b"Too short to publish."),
            ][kind]
            counts["bad"] += 1
        elif roll < bad_share + text_share:
            name, data = f"story-{index:06d}.txt", _seed_like(rng, seeds).encode("utf-8")
            counts["txt"] += 1
        else:
            html, words = templates[rng.randrange(len(templates))]
            data = _variant(rng, html, words).encode("utf-8")
            if rng.random() < 0.2:
                name, data = f"page-{index:06d}.html.gz", gzip.compress(data, mtime=0)
                counts["html_gz"] += 1
            else:
                name = f"page-{index:06d}.html"
                counts["html"] += 1
        (folder / name).write_bytes(data)
        counts["bytes"] += len(data)
    return counts


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(build(args.landing, args.n, args.seed)))
