"""What issue 25's parts cost a run: time per run and lake bytes per article, with vs without them.

    python bench/clusters_cost.py [--feature clusters|canary] [-n 1000] [--copies 0.15] [--history 0]
                                  [--rounds 2] [--json PATH]

``--feature clusters`` (the default): the ``story_clusters`` table. ``--feature canary``: the canary per
publisher (the template fingerprint in extract and its column, the per-source drift rules and the
template-history read); give it ``--history 5`` or more so the drift gate judges (the measured runs then
go into copies of a lake holding that many earlier dates, each from its own landing folder).

One landing folder (``bench/corpus.py``'s real-shaped pages, plus ``--copies`` of them republished by other
outlets: exact copies and copies with one sentence more, so the run has story clusters to write), then
whole in-process runs (``run_all``, every gate included) into fresh lakes, alternating with and without the
table in the same process (the first, unmeasured run warms imports). "Without": the cluster rows are neither
built nor committed (the dedup step still keeps its match columns beside its verdicts, a few bytes a
duplicate). Reports the median wall and CPU seconds per run and the lake's bytes per published article,
each as a ratio with / without.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
import corpus  # noqa: E402  (bench/ is not a package)

DAY = "2024-05-01"
_PARAGRAPH_END = re.compile(r"</p>", re.I)


def build_landing(landing: Path, n: int, copies: float, seed: int = 11) -> dict[str, int]:
    """``n`` pages, then copies of a share of them under other names (half exact, half with a sentence more)."""
    counts = corpus.build(landing, n, seed=seed)  # distinct pages per seed: other dates do not hold them
    rng = random.Random(seed)
    pages = sorted(landing.rglob("page-*.html"))
    made = 0
    for index, page in enumerate(rng.sample(pages, int(len(pages) * copies))):
        html = page.read_text(encoding="utf-8", errors="replace")
        if index % 2:
            html = _PARAGRAPH_END.sub(" The agency added that talks would resume on Friday.</p>", html, count=1)
        (page.parent / f"copy-{index:06d}.html").write_text(html, encoding="utf-8")
        made += 1
    return {**counts, "copies": made}


def _without_canary() -> None:
    """The run as before the canary: no fingerprint, no per-source canary rules, no template history read."""
    import newsflow.extract as extract
    from newsflow.gates import drift
    from newsflow.settings import DRIFT_RULES

    extract.template_fingerprint = lambda root: None  # type: ignore[attr-defined]
    drift.add_template_figures = lambda lake, by_day, settings: None  # type: ignore[assignment]
    drift.staged_canary = lambda run, lake, days: (drift.staged_figures(run), {})  # type: ignore[assignment]
    for rule in drift.CANARY_RULES:
        if rule != "source_median_words":
            DRIFT_RULES.pop(rule, None)


def _saved_canary() -> dict[str, Any]:
    import newsflow.extract as extract
    from newsflow.gates import drift
    from newsflow.settings import DRIFT_RULES

    return {"fingerprint": extract.template_fingerprint, "add": drift.add_template_figures,  # type: ignore[attr-defined]
            "staged": drift.staged_canary, "rules": dict(DRIFT_RULES)}


def _with_canary(saved: dict[str, Any]) -> None:
    import newsflow.extract as extract
    from newsflow.gates import drift
    from newsflow.settings import DRIFT_RULES

    extract.template_fingerprint = saved["fingerprint"]  # type: ignore[attr-defined]
    drift.add_template_figures = saved["add"]  # type: ignore[assignment]
    drift.staged_canary = saved["staged"]  # type: ignore[assignment]
    DRIFT_RULES.clear()
    DRIFT_RULES.update(saved["rules"])


def _without_clusters() -> None:
    """The run as before the table: no cluster rows built, no commit of the table."""
    from newsflow.columns import RECORDS, STORY_CLUSTERS
    from newsflow.dedup import clusters
    from newsflow.lake import commit

    clusters.ClusterRows.add = lambda self, records: None  # type: ignore[method-assign]
    clusters.ClusterRows.table = lambda self, lake: STORY_CLUSTERS.empty_table()  # type: ignore[method-assign]
    commit.PUBLISHED = RECORDS  # type: ignore[misc]


def _with_clusters(saved: dict[str, Any]) -> None:
    from newsflow.dedup import clusters
    from newsflow.lake import commit

    clusters.ClusterRows.add = saved["add"]  # type: ignore[method-assign]
    clusters.ClusterRows.table = saved["table"]  # type: ignore[method-assign]
    commit.PUBLISHED = saved["published"]  # type: ignore[misc]


def _lake_bytes(lake: Path) -> int:
    return sum(p.stat().st_size for p in lake.rglob("*") if p.is_file())


def one_run(landing: Path, lake: Path, run_id: str, day: str = DAY) -> dict[str, Any]:
    from newsflow.pipeline import RunContext, run_all

    wall, cpu = time.perf_counter(), time.process_time()
    summary = run_all(RunContext.create(str(landing), str(lake), day, run_id))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall": wall, "cpu": cpu, "bytes": _lake_bytes(lake), "articles": summary["articles"],
            "versions": summary["versions"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--copies", type=float, default=0.15)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--feature", choices=("clusters", "canary"), default="clusters")
    parser.add_argument("--history", type=int, default=0, help="earlier dates in the lake the runs go into")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    import shutil
    from datetime import timedelta

    from newsflow.dedup import clusters
    from newsflow.lake import commit

    saved = {"add": clusters.ClusterRows.add, "table": clusters.ClusterRows.table, "published": commit.PUBLISHED}
    saved_canary = _saved_canary()
    on, off = ((lambda: _with_clusters(saved), _without_clusters) if args.feature == "clusters"
               else (lambda: _with_canary(saved_canary), _without_canary))
    work = Path(tempfile.mkdtemp(prefix=f"newsflow-{args.feature}-"))
    counts = build_landing(work / "landing", args.n, args.copies)
    base = {}
    for mode, switch in (("with", on), ("without", off)):  # the earlier dates, written by the same code
        switch()
        base[mode] = work / f"base-{mode}"
        for i in range(args.history):
            day = (date.fromisoformat(DAY) - timedelta(days=args.history - i)).isoformat()
            landing = work / f"landing-{day}"
            if not landing.exists():
                build_landing(landing, args.n, args.copies, seed=100 + i)
            one_run(landing, base[mode], f"history_{day}", day)
    on()
    one_run(work / "landing", work / "warm", "warm")  # imports, caches
    runs: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
    for round_ in range(args.rounds):
        for mode in (("with", "without") if round_ % 2 == 0 else ("without", "with")):
            (on if mode == "with" else off)()
            lake = work / f"lake-{mode}-{round_}"
            if args.history:
                shutil.copytree(base[mode], lake)
            before = _lake_bytes(lake) if lake.exists() else 0
            result = one_run(work / "landing", lake, f"{mode}_{round_}")
            result["bytes"] -= before  # the measured date's own bytes
            runs[mode].append(result)
    on()
    from newsflow.dedup.clusters import read_clusters, summarise
    from newsflow.lake.layout import Lake

    day = date.fromisoformat(DAY)
    summary = summarise(read_clusters(Lake(work / "lake-with-0"), [day])[day])
    drift_status = json.loads(Lake(work / "lake-with-0").run(day, "with_0").drift_report.read_text())["status"]

    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[mode])

    per_article = {mode: median(mode, "bytes") / max(1, runs[mode][0]["articles"]) for mode in runs}
    result = {
        "feature": args.feature, "history_dates": args.history,
        "pages": counts, "articles": runs["with"][0]["articles"], "rounds": args.rounds,
        "clusters": summary["clusters"], "cluster_rows": summary["members"], "drift_status": drift_status,
        "wall_s": {m: round(median(m, "wall"), 2) for m in runs},
        "cpu_s": {m: round(median(m, "cpu"), 2) for m in runs},
        "bytes_per_article": {m: round(v, 1) for m, v in per_article.items()},
        "ratio_wall": round(median("with", "wall") / median("without", "wall"), 3),
        "ratio_cpu": round(median("with", "cpu") / median("without", "cpu"), 3),
        "ratio_bytes_per_article": round(per_article["with"] / per_article["without"], 4),
        "runs": runs,
    }
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
