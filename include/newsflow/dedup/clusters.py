"""Story clusters: the duplicates as data. Which outlets ran the same story, who had it first, how far it spread.

The dedup step matches every copy with one reference: a published document (of this run, or of another date
through the history index) that is never itself a copy. So a cluster is a star around its **first member**,
the kept copy, and its id is that member's ``doc_id``: the same story keeps the same id across dates, and a
rerun of a date, whose dedup finds the same references, reproduces its rows exactly.

The ``story_clusters`` table (columns in ``columns.py``, committed with the date's articles by
``lake/commit.py``) holds, per date, one row per member that date processed (the first member ``kept``,
copies quarantined) and, when the first member is another date's, that member's row too (``first_date``
names its date; read from ``articles``). Clusters of one member (no copy) are not written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from newsflow.columns import STORY_CLUSTERS
from newsflow.dedup.find import Match
from newsflow.lake import tables
from newsflow.lake.layout import Lake
from newsflow.record import Article
from newsflow.runrecords import ClusterSummary, LargestCluster

# what the dedup step keeps of each match beside its verdict (``steps/dedup.py``, ``RunPaths.dedup_verdicts``)
MATCH_COLUMNS = pa.schema([("cluster_id", pa.string()), ("reference_record_id", pa.string()),
                           ("similarity", pa.float64()), ("first_date", pa.date32())])
LARGEST = 10  # clusters listed in the run report and on the health page
# a member's fields taken from its record (the others: the cluster's)
MEMBER_FIELDS = ("doc_id", "source", "site_name", "url", "published_at", "fetched_at", "source_path")


@dataclass(frozen=True)
class Membership:
    """A copy's place in its cluster, as the dedup step found it."""

    cluster_id: str
    similarity: float
    first_date: date | None  # the first member's date when it is another date's
    reference_record_id: str | None  # the first member's record when it is the run's


def match_columns(matches: list[Match], record_ids: pa.ChunkedArray) -> dict[str, pa.Array]:
    """The match columns for the dedup step's verdict file, in ``matches`` order."""
    return {
        "cluster_id": pa.array([m.reference_doc_id for m in matches], pa.string()),
        "reference_record_id": pa.array([None if m.reference_row is None else record_ids[m.reference_row].as_py()
                                         for m in matches], pa.string()),
        "similarity": pa.array([round(m.similarity, 6) for m in matches], pa.float64()),
        "first_date": pa.array([m.reference_day for m in matches], pa.date32()),
    }


def memberships(verdicts: pa.Table) -> dict[str, Membership]:
    """The copies' memberships by record id, from the dedup step's verdict file (empty for a file written
    before it kept the match columns)."""
    if "cluster_id" not in verdicts.column_names:
        return {}
    found: dict[str, Membership] = {}
    for row in verdicts.select(["record_id", *MATCH_COLUMNS.names]).to_pylist():
        if row["cluster_id"]:
            found[row["record_id"]] = Membership(row["cluster_id"], float(row["similarity"]), row["first_date"],
                                                 row["reference_record_id"])
    return found


class ClusterRows:
    """Collects the run's cluster members while ``stage_output`` streams the batches (only the duplicates and
    their first members: a small share of a run), then gives the date's rows, sorted."""

    def __init__(self, copies: dict[str, Membership], run_id: str) -> None:
        self.copies = copies
        self.first_members = {m.reference_record_id for m in copies.values() if m.reference_record_id}
        self.run_id = run_id
        self.rows: list[dict[str, Any]] = []

    def add(self, records: Iterable[Article]) -> None:
        for record in records:
            copy = self.copies.get(record.record_id)
            if copy is not None:
                self.rows.append(self._row(record, copy.cluster_id, False, copy.similarity, copy.first_date))
            elif record.record_id in self.first_members and not record.rejected and record.doc_id:
                self.rows.append(self._row(record, record.doc_id, True, 1.0, None))

    def _row(self, record: Article, cluster_id: str, kept: bool, similarity: float,
             first_date: date | None) -> dict[str, Any]:
        return {"cluster_id": cluster_id, "kept": kept, "similarity": similarity, "first_date": first_date,
                "run_id": self.run_id, **{name: getattr(record, name) for name in MEMBER_FIELDS}}

    def table(self, lake: Lake) -> pa.Table:
        """The date's rows: its members, plus the first members of clusters that started on another date."""
        earlier = sorted({(m.first_date, m.cluster_id) for m in self.copies.values() if m.first_date is not None})
        rows = self.rows + first_members_of_other_dates(lake, earlier, self.run_id)
        table = pa.Table.from_pylist(rows, schema=STORY_CLUSTERS)
        return table.sort_by([("cluster_id", "ascending"), ("kept", "descending"), ("source_path", "ascending"),
                              ("doc_id", "ascending")])


def first_members_of_other_dates(lake: Lake, wanted: list[tuple[date, str]], run_id: str) -> list[dict[str, Any]]:
    """The rows of first members published on other dates, from ``articles`` (their dates' files only)."""
    if not wanted:
        return []
    dates = sorted({day for day, _ in wanted})
    found = tables.read(lake.table("articles"), columns=[*MEMBER_FIELDS, "date"],
                        filter=pc.field("date").isin(pa.array(dates, pa.date32()))
                        & pc.field("doc_id").isin(pa.array(sorted({doc for _, doc in wanted}), pa.string())))
    pairs = set(wanted)
    rows = []
    for row in ([] if found is None else found.to_pylist()):
        if (row["date"], row["doc_id"]) in pairs:
            pairs.discard((row["date"], row["doc_id"]))  # one row per first member
            rows.append({"cluster_id": row["doc_id"], "kept": True, "similarity": 1.0, "first_date": row["date"],
                         "run_id": run_id, **{name: row[name] for name in MEMBER_FIELDS}})
    return rows


def summarise(rows: pa.Table, largest: int = LARGEST) -> ClusterSummary:
    """Counts of one date's cluster rows and its largest clusters (most members, then most outlets)."""
    clusters: dict[str, list[dict[str, Any]]] = {}
    for row in rows.select(["cluster_id", "kept", "source", "url", "published_at", "first_date"]).to_pylist():
        clusters.setdefault(row["cluster_id"], []).append(row)
    ranked: list[LargestCluster] = []
    for cluster_id, members in clusters.items():
        first = next((m for m in members if m["kept"]), members[0])
        outlets = {m["source"] for m in members if m["source"]}
        ranked.append(LargestCluster(cluster_id=cluster_id, members=len(members), outlets=len(outlets),
                                     first_source=first["source"], first_url=first["url"],
                                     first_published_at=None if first["published_at"] is None
                                     else first["published_at"].isoformat(),
                                     first_date=None if first["first_date"] is None
                                     else first["first_date"].isoformat()))
    ranked.sort(key=lambda c: (-c["members"], -c["outlets"], c["cluster_id"]))
    return ClusterSummary(clusters=len(clusters), members=rows.num_rows,
                          copies=sum(1 for kept in rows.column("kept").to_pylist() if not kept),
                          started_earlier=sum(1 for c in ranked if c["first_date"] is not None),
                          largest=ranked[:largest])


def read_clusters(lake: Lake, days: list[date], version: int | None = None) -> dict[date, pa.Table]:
    """The ``story_clusters`` rows of ``days`` (the table's latest version, or ``version``), by date; a date
    without rows (or a lake without the table) maps to an empty table."""
    empty = STORY_CLUSTERS.empty_table()
    found = None
    if days:
        found = tables.read(lake.table("story_clusters"), version=version,
                            columns=[*STORY_CLUSTERS.names, "date"],
                            filter=pc.field("date").isin(pa.array(days, pa.date32())))
    if found is None:
        return dict.fromkeys(days, empty)
    out = {}
    for day in days:
        part = found.filter(pc.equal(found.column("date"), pa.scalar(day, pa.date32())))
        out[day] = part.select(STORY_CLUSTERS.names)
    return out
