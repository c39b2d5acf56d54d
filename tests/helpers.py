"""Plain helpers for tests (importable as ``helpers``: pytest's pythonpath includes tests/)."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

from paths import SEEDS


def seed_text(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def article_html(title: str, paragraphs: list[str], *, author: str = "Jane Doe",
                 published: str = "2019-02-15T10:00:00Z", url: str = "https://news.example.com/2019/02/15/story.html",
                 charset: str = "utf-8", furniture: bool = True) -> str:
    """A page shaped like a 2018-2019 news site: nav, byline, sign-up box, related links, footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    chrome = (
        '<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>'
        '<div class="newsletter-signup"><p>Sign up for our daily newsletter. Please verify you\'re not a robot by '
        'clicking the box. Invalid email address. Please re-enter.</p></div>'
        if furniture else ""
    )
    footer = (
        '<aside class="related"><h3>Related Coverage</h3><ul><li><a href="/a">Another story</a></li></ul></aside>'
        '<footer><p>© 2019 Example News. All rights reserved.</p><a href="/privacy">Privacy Policy</a></footer>'
        if furniture else ""
    )
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
                     "datePublished": published, "author": [{"@type": "Person", "name": author}]})
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title} - Example News</title>'
        f'<link rel="canonical" href="{url}"><meta property="og:title" content="{title}">'
        f'<script type="application/ld+json">{ld}</script></head><body>{chrome}'
        f'<article><h1>{title}</h1><p class="byline">By {author}</p><time datetime="{published}">Feb. 15, 2019</time>'
        f"{body}</article>{footer}</body></html>"
    )


def story_paragraphs(seed: int, count: int = 6) -> list[str]:
    """Deterministic, distinct, English-looking paragraphs (each story differs from every other)."""
    rng = random.Random(seed)
    subjects = ["The ministry", "Trade officials", "Local farmers", "The central bank", "Negotiators", "Analysts"]
    verbs = ["said on Tuesday that", "warned that", "argued that", "reported that", "expected that"]
    objects = ["tariffs on steel would rise", "exports of soybeans had fallen sharply",
               "the talks would continue next week", "prices for consumers were climbing",
               "factories near the coast were cutting shifts", "the currency had weakened again"]
    out = []
    for i in range(count):
        sentences = [f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)} in region {seed}-{i}-{j}."
                     for j in range(3)]
        out.append(" ".join(sentences))
    return out


def write_gzip(path: Path, data: bytes) -> Path:
    path.write_bytes(gzip.compress(data, mtime=0))
    return path
