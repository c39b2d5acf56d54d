"""The ``plan`` task: split the landing folder into batches (the mapped tasks' inputs).

A batch holds up to ``batch_size`` pages: landing files, or HTML-candidate records of WARC archives. An
archive is indexed here into record spans, so one big archive is split across batches and its parts run
in parallel; its other records (requests, metadata, ...) ride along with the span before them.
"""

from __future__ import annotations

import json
from typing import Any

from newsflow import storage
from newsflow.runrecords import CcnewsPlan, PlanStats
from newsflow.steplist import PLAN
from newsflow.steps.context import RunContext


def plan(ctx: RunContext) -> list[int]:
    """Batches of ``batch_size`` pages; always at least one (maybe empty)."""
    from newsflow.ingest import ccnews, warc
    from newsflow.ingest.landing import ArchivePart, discover

    if ccnews.is_ccnews(ctx.landing):
        return _plan_ccnews(ctx)
    if not ctx.landing.is_dir():
        raise FileNotFoundError(f"landing folder {storage.display(ctx.landing)} does not exist")
    storage.rmtree(ctx.run.staging)  # a rerun or retry starts this run's staging afresh
    ctx.run.quality.mkdir(parents=True, exist_ok=True)  # the UI finds a run by its quality folder
    size = max(1, ctx.settings.batch_size)
    batches: list[list[Any]] = [[]]
    load = 0
    files = archives = spans_total = 0

    def room(weight: int) -> None:
        nonlocal load
        if load + weight > size and batches[-1]:
            batches.append([])
            load = 0
        load += weight

    for item in discover(ctx.landing):
        key = item.to_json(ctx.landing)
        real = storage.resolve_inside(ctx.landing, item.path)[0] if warc.is_archive(item.rel_path) else None
        if real is None:  # a page file, or an archive ingest will refuse with the reason
            files += 1
            room(1)
            batches[-1].append(key)
            continue
        archives += 1
        try:
            index = warc.index_archive(real)
        except OSError as exc:
            room(1)
            batches[-1].append(ArchivePart(key, error=f"archive cannot be read: {exc}").to_json())
            continue
        spans_total += len(index.spans)
        part: list[Any] = []
        first = True
        for span in index.spans:
            weight = 1 if span.is_response or span.problem else 0
            if load + weight > size and (part or batches[-1]):
                if part:
                    batches[-1].append(ArchivePart(key, index.sha256, index.mode, first, tuple(part)).to_json())
                    first, part = False, []
                room(weight)
            else:
                load += weight
            part.append(span)
        if part or first:
            batches[-1].append(ArchivePart(key, index.sha256, index.mode, first, tuple(part)).to_json())
    for number, items in enumerate(batches):
        storage.write_text_atomic(ctx.run.batch_plan(number), json.dumps(items))
    # written last: a plan file means a whole plan
    storage.write_text_atomic(ctx.run.plan, json.dumps({"batch_size": size, "files": files, "archives": archives,
                                                        "archive_records": spans_total, "batches": len(batches)}))
    ctx.save_stats(PLAN, PlanStats(step=PLAN, files=files, archives=archives, archive_records=spans_total,
                                   batches=len(batches), batch_size=size))
    return list(range(len(batches)))


def _plan_ccnews(ctx: RunContext) -> list[int]:
    """CC-NEWS: the day's archives from the month's listing, ``ccnews_archives_per_batch`` whole archives a
    batch; no archive is opened here (workers stream them)."""
    from newsflow.ingest import ccnews

    listing, archives = ccnews.read_listing(ctx.landing, ctx.settings, ctx.day)
    if not archives:
        raise FileNotFoundError(f"no CC-NEWS archive started on {ctx.day.isoformat()} in "
                                f"{ctx.landing.base}{listing}")
    storage.rmtree(ctx.run.staging)
    ctx.run.quality.mkdir(parents=True, exist_ok=True)
    size = max(1, ctx.settings.ccnews_archives_per_batch)
    batches = [[ccnews.RemoteArchive(rel, ccnews.identity(rel)).to_json() for rel in archives[i:i + size]]
               for i in range(0, len(archives), size)]
    for number, items in enumerate(batches):
        storage.write_text_atomic(ctx.run.batch_plan(number), json.dumps(items))
    storage.write_text_atomic(ctx.run.plan, json.dumps({"batch_size": ctx.settings.batch_size, "files": 0,
                                                        "archives": len(archives), "archive_records": 0,
                                                        "batches": len(batches)}))
    ctx.save_stats(PLAN, PlanStats(step=PLAN, files=0, archives=len(archives), archive_records=0,
                                   batches=len(batches), batch_size=ctx.settings.batch_size,
                                   ccnews=CcnewsPlan(base=ctx.landing.base, listing=listing, day=ctx.day.isoformat(),
                                                     archives=archives)))
    return list(range(len(batches)))
