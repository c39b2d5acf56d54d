"""Can a second opinion on low-confidence pages lift body F1 within the speed budget? (issue 22)

    python bench/second_opinion.py [--data DIR]

For every page of the three body sets (zyte, trafilatura-eval, fundus-publishers) it times and scores:
newsflow's full rules alone (the second look switched off), the relaxed second look, trafilatura
(default and ``fast=True``) and the union of newsflow's paragraphs with trafilatura's. It prints

1. the bound: which F1 a *perfect* chooser would reach, per set, handing pages to trafilatura (replace
   or paragraph union, default or fast mode, the best gain per second first) while the extractor stays
   at 3.0x trafilatura's speed, then at twice, five times and unlimited extra time;
2. cheap low-confidence rules for a trafilatura fallback (body text under T characters, a JSON-LD
   ``articleBody`` k times longer than the body) with F1 and speed ratio per set;
3. the shipped second look (``newsflow.extract.LOW_CONFIDENCE_CHARS``) over a grid of thresholds, with
   the threshold chosen leave-one-set-out and leave-publisher-out (fundus) and scored on the held-out part.

Speed ratios here are CPU time (``process_time``) of trafilatura's default call over newsflow's, one pass.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import quality as q

import newsflow.extract as nx
from newsflow.extract.body import extract_body

SETS: dict[str, Callable[[Path], list[q.Page]]] = {
    "zyte": q.load_zyte, "trafilatura-eval": q.load_trafilatura_eval, "fundus-publishers": q.load_fundus}
_ARTICLE_BODY_RE = re.compile(r'"articleBody"\s*:\s*"((?:[^"\\]|\\.)*)"')
GRID = (50, 100, 150, 200, 250, 300, 350, 400)
Row = dict[str, object]


def _union(ours: str, theirs: str) -> str:
    """Our paragraphs, then trafilatura's that we do not have (a paragraph-level merge)."""
    seen = {" ".join(p.split()) for p in ours.split("\n")}
    extra = [p for p in theirs.split("\n") if p.strip() and " ".join(p.split()) not in seen]
    return "\n\n".join([ours, *extra]) if extra else ours


def _timed(fn: Callable[[], str]) -> tuple[str, float]:
    start = time.process_time()
    try:
        text = fn() or ""
    except Exception:
        text = ""
    return text, time.process_time() - start


def _strict(html: str, url: str | None) -> str:
    threshold, nx.LOW_CONFIDENCE_CHARS = nx.LOW_CONFIDENCE_CHARS, 0
    try:
        return nx.extract(html, url).text
    finally:
        nx.LOW_CONFIDENCE_CHARS = threshold


def _relaxed(html: str, title: str | None) -> str:
    """What ``extract``'s second look costs and finds: a parse and the relaxed pass."""
    return nx._paragraphs(extract_body(nx.parse_html(html), title, relaxed=True), title)


def _title(html: str, url: str | None) -> str | None:
    try:
        return nx.extract(html, url).title
    except ValueError:
        return None


def measure(data: Path) -> dict[str, dict[str, Row]]:
    import trafilatura

    out: dict[str, dict[str, Row]] = {}
    for name, load in SETS.items():
        rows: dict[str, Row] = {}
        for page in load(data):
            html, url = page.html, page.url
            texts: dict[str, str] = {}
            row: Row = {}
            texts["nf"], row["t_nf"] = _timed(lambda: _strict(html, url))  # noqa: B023 (called at once)
            texts["full"], row["t_full"] = _timed(
                lambda: trafilatura.extract(html, url=url, include_comments=False))  # noqa: B023
            texts["fast"], row["t_fast"] = _timed(
                lambda: trafilatura.extract(html, url=url, include_comments=False, fast=True))  # noqa: B023
            title = _title(html, url)
            texts["relax"], row["t_relax"] = _timed(lambda: _relaxed(html, title))  # noqa: B023
            texts["ufull"], texts["ufast"] = _union(texts["nf"], texts["full"]), _union(texts["nf"], texts["fast"])
            match = _ARTICLE_BODY_RE.search(html)
            row.update(out=len(texts["nf"]), relax_len=len(texts["relax"]),
                       article_body=len(match.group(1)) if match else 0,
                       publisher=q.publisher_of(page))
            for key, text in texts.items():
                if name == "trafilatura-eval":
                    row[key] = dict(q.snippet_counts(text, page.gold))
                else:
                    row[key] = q.page_scores(text, page.gold if name == "zyte" else page.gold["body"])
            rows[page.page_id] = row
        out[name] = rows
    return out


def metric(name: str, rows: dict[str, Row], choice: dict[str, str]) -> float:
    """The set's own body metric with page p scored on variant choice[p] (default: newsflow's rules)."""
    if name == "trafilatura-eval":
        c = {"tp": 0, "fp": 0, "fn": 0}
        for page, row in rows.items():
            counts = row[choice.get(page, "nf")]
            for k in c:
                c[k] += counts[k]
        return 2 * c["tp"] / (2 * c["tp"] + c["fp"] + c["fn"])
    ps, rs = [], []
    for page, row in rows.items():
        p, r = row[choice.get(page, "nf")]
        if p is not None:
            ps.append(p)
        if r is not None:
            rs.append(r)
    mp, mr = sum(ps) / len(ps), sum(rs) / len(rs)
    return 2 * mp * mr / (mp + mr) if mp + mr else 0.0


def _cost(row: Row, variant: str) -> float:
    return float(row["t_relax"] if variant == "relax" else row["t_full" if "full" in variant else "t_fast"])


def _times(rows: dict[str, Row]) -> tuple[float, float]:
    return (sum(float(r["t_nf"]) for r in rows.values()),
            sum(float(r["t_full"]) for r in rows.values()))


def bound(name: str, rows: dict[str, Row]) -> None:
    ours, theirs = _times(rows)
    budget = ours * (theirs / ours / 3 - 1)  # extra CPU that keeps newsflow at exactly 3.0x
    base = metric(name, rows, {})
    every = {v: metric(name, rows, dict.fromkeys(rows, v)) for v in ("full", "fast", "ufull")}
    print(f"\n## {name}: newsflow rules {base:.4f}; trafilatura {every['full']:.4f}, fast {every['fast']:.4f}, "
          f"union {every['ufull']:.4f}; speed {theirs / ours:.2f}x; extra CPU allowed at 3.0x: "
          f"{budget:.2f} s ({100 * budget / ours:.1f} %)")
    candidates = []
    for page, row in rows.items():
        for variant in ("full", "fast", "ufull", "ufast"):
            gain = metric(name, rows, {page: variant}) - base
            if gain > 0:
                candidates.append((gain / max(_cost(row, variant), 1e-6), page, variant))
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    for factor in (1, 2, 5, None):
        limit = float("inf") if factor is None else budget * factor
        choice: dict[str, str] = {}
        spent = 0.0
        for _, page, variant in candidates:
            cost = _cost(rows[page], variant)
            if page not in choice and spent + cost <= limit:
                choice[page], spent = variant, spent + cost
        print(f"  perfect chooser, extra CPU <= {'unlimited' if factor is None else f'{factor}x budget'}: "
              f"{metric(name, rows, choice):.4f} ({len(choice)} pages, speed {theirs / (ours + spent):.2f}x)")


def rules(data: dict[str, dict[str, Row]]) -> None:
    print("\n## trafilatura on low-confidence pages (replace the body), per set: F1 and speed ratio")
    tests: list[tuple[str, Callable[[Row], bool]]] = [
        (f"body < {t}", lambda r, t=t: int(r["out"]) < t) for t in (50, 100, 200, 300, 400)]
    tests += [(f"body < {t} or articleBody > {k}x body",
               lambda r, t=t, k=k: int(r["out"]) < t or int(r["article_body"]) > k * int(r["out"]))
              for t in (100, 200, 300) for k in (1.5, 2)]
    for variant in ("full", "fast"):
        for label, test in tests:
            cells = []
            for name, rows in data.items():
                ours, theirs = _times(rows)
                chosen = [p for p, r in rows.items() if test(r)]
                spent = sum(_cost(rows[p], variant) for p in chosen)
                cells.append(f"{name[:6]} {metric(name, rows, dict.fromkeys(chosen, variant)):.4f} "
                             f"n={len(chosen)} {theirs / (ours + spent):.2f}x")
            print(f"  {variant:4} {label:36} " + " | ".join(cells))


def _second_look(rows: dict[str, Row], threshold: int, pages: list[str] | None = None) -> dict[str, str]:
    return {p: "relax" for p in (pages or list(rows))
            if int(rows[p]["out"]) < threshold and int(rows[p]["relax_len"]) > int(rows[p]["out"])}


def second_look(data: dict[str, dict[str, Row]]) -> None:
    print("\n## relaxed second look where the body is under T characters (the longer answer wins)")
    for t in GRID:
        cells = []
        for name, rows in data.items():
            ours, theirs = _times(rows)
            choice = _second_look(rows, t)
            spent = sum(_cost(rows[p], "relax") for p in rows if int(rows[p]["out"]) < t)
            cells.append(f"{name[:6]} {metric(name, rows, choice):.4f} n={len(choice)} {theirs / (ours + spent):.2f}x")
        print(f"  T={t:<4} " + " | ".join(cells))

    def gain(name: str, rows: dict[str, Row], t: int) -> float:
        return metric(name, rows, _second_look(rows, t)) - metric(name, rows, {})

    for held in data:
        train = [n for n in data if n != held]
        best = max(GRID, key=lambda t: (round(sum(gain(n, data[n], t) for n in train), 6), -t))
        print(f"  leave-one-set-out: T={best} chosen on {' + '.join(train)}; {held}: "
              f"{metric(held, data[held], {}):.4f} -> {metric(held, data[held], _second_look(data[held], best)):.4f}")
    rows = data["fundus-publishers"]
    groups: dict[str, list[str]] = defaultdict(list)
    for page, row in rows.items():
        groups[str(row["publisher"])].append(page)
    choice: dict[str, str] = {}
    for publisher in sorted(groups):
        others = {p: r for p, r in rows.items() if r["publisher"] != publisher}
        best = max(GRID, key=lambda t: (round(gain("fundus-publishers", others, t), 6), -t))
        choice.update(_second_look(rows, best, groups[publisher]))
    print(f"  leave-publisher-out (fundus): {metric('fundus-publishers', rows, {}):.4f} -> "
          f"{metric('fundus-publishers', rows, choice):.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=q.DEFAULT_DATA)
    args = parser.parse_args(argv)
    data = measure(args.data)
    for name, rows in data.items():
        bound(name, rows)
    rules(data)
    second_look(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
