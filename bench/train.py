"""Train the byline ranker (``newsflow.extract.bylines``) on the dev sets and report how it does out of sample.

    python bench/train.py [--data DIR] [--out PATH] [--check]      (make train)

Candidates: every name each page credits (JSON-LD, author meta tags, byline markup, "By"/"Von" text), with
the features of ``bylines.FEATURES``, computed by the extractor's own code on the tree it parses. Label: the
name (as the extractor would print it) is one of the gold's people, split and lowercased as the sets'
metric does. Pages: ``fundus-publishers`` (authors not labelled on 5 pages: left out) and
``readability-meta`` (pages whose gold names nobody stay in: every candidate there is a negative, which is
what teaches the model not to invent authors).

Model: L2-regularised logistic regression fitted by Newton's method (IRLS) in numpy: no random step, so
the weights are the same on every run and machine up to float rounding, and are written rounded to 6
decimals. ``--check`` retrains and fails when the shipped file differs from what training produces.

Printed beside it, on the same pages: the rules alone (``metadata.authors_by_rules``), the model scored
on the pages it was fitted on (in-sample), leave-publisher-out on fundus-publishers (each publisher's
pages scored by a model fitted on all other pages of both sets), and leave-one-set-out (fitted on one
set, scored on the other).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

from newsflow.extract import bylines  # noqa: E402

L2 = 3.0
SETS = ("fundus-publishers", "readability-meta")


def _quality():
    """bench/quality.py as a module (loaders and the byline metric are defined once, there)."""
    name = "newsflow_bench_quality"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class PageCandidates:
    dev_set: str
    group: str  # the publisher (fundus) or the page (readability-meta): what leave-publisher-out holds out
    page_id: str
    gold: list[str]  # the gold's people, as the metric splits them; empty: the page credits nobody
    names: list[str]  # each candidate as the extractor would print it
    features: np.ndarray  # candidates x FEATURES
    labels: np.ndarray  # 1.0: the candidate is one of the gold's people
    order: list[tuple[int, int]]
    rules: list[str]  # what the rules alone answer on this page


def _gold_names(dev_set: str, gold: dict) -> list[str] | None:
    quality = _quality()
    if dev_set == "fundus-publishers":
        return None if gold.get("authors") is None else quality.byline_names(gold["authors"])
    return quality.byline_names(gold.get("byline"))


def collect(data: Path, sets: tuple[str, ...] = SETS) -> list[PageCandidates]:
    from newsflow.extract import metadata, parse_html
    from newsflow.extract.metadata import clean_author

    quality = _quality()
    pages: list[PageCandidates] = []
    for dev_set in sets:
        if not quality.available(data, dev_set):
            raise SystemExit(f"dev set {dev_set} not found under {data}")
        for page in quality.SETS[dev_set].load(data):
            gold = _gold_names(dev_set, page.gold)
            if gold is None:
                continue
            tree = parse_html(page.html)
            meta = metadata._meta_map(tree)
            ld = metadata._json_ld(tree)
            titles = metadata._TITLE_TEXT_XPATH(tree)
            title = metadata.title_from(tree, meta, ld, titles)
            cands = metadata.byline_candidates(tree, meta, ld, titles, title)
            printed = [clean_author(c.name) or c.name for c in cands]
            wanted = set(gold)
            labels = [float(" ".join(n.split()).lower() in wanted) for n in printed]
            features = np.array([[c.features[f] for f in bylines.FEATURES] for c in cands], dtype=float)
            pages.append(PageCandidates(
                dev_set, quality.publisher_of(page), page.page_id, gold, printed,
                features.reshape(len(cands), len(bylines.FEATURES)), np.array(labels, dtype=float),
                [c.first_order for c in cands], metadata.authors_by_rules(tree, meta, ld, titles)))
    return pages


def fit(pages: list[PageCandidates], l2: float = L2, balance: bool = False) -> np.ndarray:
    """Logistic regression weights (bias unpenalised) by Newton's method: deterministic. ``balance``: each set
    weighs as much as the other in the loss (fundus has 230 labelled pages, readability-meta 65); off, as it
    scored lower out of sample on both sets (docs/extraction.md)."""
    used = [p for p in pages if len(p.names)]
    x = np.vstack([p.features for p in used])
    y = np.concatenate([p.labels for p in used])
    per_set: dict[str, int] = {}
    for page in pages:
        per_set[page.dev_set] = per_set.get(page.dev_set, 0) + 1
    sample = np.concatenate([np.full(len(p.names), len(pages) / (len(per_set) * per_set[p.dev_set]) if balance else 1.0)
                             for p in used])
    weights = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[bylines.FEATURES.index("bias")] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ weights, -50, 50)))
        gradient = x.T @ (sample * (p - y)) + penalty * weights
        hessian = (x * (sample * p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return weights


def as_model(weights: np.ndarray, pages: list[PageCandidates]) -> dict:
    counts: dict[str, int] = {}
    for page in pages:
        counts[page.dev_set] = counts.get(page.dev_set, 0) + 1
    return {"model": "logistic regression, L2, Newton (bench/train.py)", "l2": L2, "threshold": bylines.THRESHOLD,
            "trained_on_pages": counts, "features": list(bylines.FEATURES),
            "weights": [round(float(w), 6) for w in weights]}


def choose(page: PageCandidates, weights: np.ndarray) -> list[str]:
    """What the extractor prints for the page with these weights (``bylines.choose`` on the same rows)."""
    if not page.names:
        return []
    z = page.features @ weights
    probability = 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))
    person = page.features[:, bylines.FEATURES.index("person_filter")] > 0
    org = page.features[:, bylines.FEATURES.index("ld_org")] > 0
    kept = bylines.keep([float(x) for x in probability], [bool(p and not o) for p, o in zip(person, org, strict=True)])
    return [page.names[i] for i in sorted(kept, key=lambda i: page.order[i])]


def score(pages: list[PageCandidates], answers: Callable[[PageCandidates], list[str]]) -> dict:
    """Byline person F1 over pages whose gold names someone; invented authors on pages whose gold names nobody."""
    quality = _quality()
    f1s, invented, empty_gold = [], 0, 0
    for page in pages:
        got = quality.byline_names(answers(page))
        if page.gold:
            f1s.append(quality.names_f1(got, page.gold))
        else:
            empty_gold += 1
            invented += bool(got)
    return {"byline_f1": round(sum(f1s) / max(1, len(f1s)), 4), "pages": len(f1s),
            "invented": invented, "no_byline_pages": empty_gold}


def leave_group_out(pages: list[PageCandidates], dev_set: str) -> dict[str, list[str]]:
    """Each group's pages of ``dev_set`` answered by a model fitted on every other page (both sets)."""
    answers: dict[str, list[str]] = {}
    groups = sorted({p.group for p in pages if p.dev_set == dev_set})
    for group in groups:
        weights = fit([p for p in pages if p.group != group])
        for page in pages:
            if page.group == group:
                answers[page.page_id] = choose(page, weights)
    return answers


def report(pages: list[PageCandidates], shipped: np.ndarray) -> dict[str, dict[str, dict]]:
    """Rules, in-sample, leave-publisher-out and leave-one-set-out byline scores per set."""
    out: dict[str, dict[str, dict]] = {}
    for dev_set in SETS:
        mine = [p for p in pages if p.dev_set == dev_set]
        others = [p for p in pages if p.dev_set != dev_set]
        grouped = leave_group_out(pages, dev_set)
        cross = fit(others)
        out[dev_set] = {
            "rules": score(mine, lambda p: p.rules),
            "ranker in-sample": score(mine, lambda p: choose(p, shipped)),
            "ranker leave-publisher-out": score(mine, lambda p, g=grouped: g[p.page_id]),  # type: ignore[misc]
            "ranker leave-one-set-out": score(mine, lambda p, w=cross: choose(p, w)),  # type: ignore[misc]
        }
        if dev_set == "fundus-publishers":
            out["_fundus by country"] = by_country(mine, shipped, grouped)
    return out


def by_country(pages: list[PageCandidates], shipped: np.ndarray, grouped: dict[str, list[str]]) -> dict[str, dict]:
    """fundus-publishers per country (the file name's prefix): rules, in-sample, leave-publisher-out."""
    countries = sorted({p.page_id.split("_")[0] for p in pages})
    table: dict[str, dict] = {}
    for country in countries:
        mine = [p for p in pages if p.page_id.split("_")[0] == country]
        table[country] = {"pages": len(mine), "rules": score(mine, lambda p: p.rules)["byline_f1"],
                          "ranker in-sample": score(mine, lambda p: choose(p, shipped))["byline_f1"],
                          "ranker leave-publisher-out": score(mine, lambda p: grouped[p.page_id])["byline_f1"]}
    return table


def print_report(figures: dict[str, dict[str, dict]]) -> None:
    print("| set | answer | byline F1 | pages | invented authors |")
    print("|---|---|---|---|---|")
    for dev_set, rows in figures.items():
        if dev_set.startswith("_"):
            continue
        for name, row in rows.items():
            print(f"| {dev_set} | {name} | {row['byline_f1']:.4f} | {row['pages']} |"
                  f" {row['invented']}/{row['no_byline_pages']} |")
    countries = figures.get("_fundus by country")
    if countries:
        print("\nfundus-publishers by country, byline F1: rules / ranker in-sample / ranker leave-publisher-out\n")
        print("| country | pages | rules | in-sample | leave-publisher-out |")
        print("|---|---|---|---|---|")
        for country, row in countries.items():
            print(f"| {country} | {row['pages']} | {row['rules']:.2f} | {row['ranker in-sample']:.2f} |"
                  f" {row['ranker leave-publisher-out']:.2f} |")


def shipped_weights() -> np.ndarray:
    """The weights the package ships (what the extractor uses), in ``FEATURES`` order."""
    weights = bylines._read_model(str(bylines.MODEL_PATH))
    if weights is None:
        raise SystemExit(f"no model at {bylines.MODEL_PATH}: run make train")
    return np.array([weights[name] for name in bylines.FEATURES])


def model_text(model: dict) -> str:
    return json.dumps(model, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "benchmarks")
    parser.add_argument("--out", type=Path, default=bylines.MODEL_PATH)
    parser.add_argument("--check", action="store_true", help="fail if the shipped model differs from a retrain")
    parser.add_argument("--no-report", action="store_true", help="skip the out-of-sample figures")
    args = parser.parse_args(argv)
    pages = collect(args.data)
    weights = fit(pages)
    text = model_text(as_model(weights, pages))
    if args.check:
        shipped = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if shipped != text:
            print(f"{args.out} differs from what bench/train.py produces: run make train", file=sys.stderr)
            return 1
        print(f"{args.out} matches a retrain on {len(pages)} pages")
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({len(pages)} pages, {sum(len(p.names) for p in pages)} candidates)")
    if not args.no_report:
        print_report(report(pages, np.array(json.loads(text)["weights"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
