"""Story clusters end to end: one wire story carried by several outlets over two dates, through ``run_all``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from helpers import article_html, story_paragraphs
from lakes import read

from newsflow.lake.layout import Lake
from newsflow.pipeline import RunContext, run_all

DAY1, DAY2 = "2024-06-03", "2024-06-04"
WIRE = story_paragraphs(501, 8)
EDITED = [*WIRE[:-1], WIRE[-1] + " The agency added that talks would resume on Friday."]


def _page(folder: Path, name: str, domain: str, paragraphs: list[str], title: str = "Wire story") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(article_html(title, paragraphs, furniture=False,
                                            url=f"https://{domain}/2024/06/wire.html"))


def _run(landing: Path, lake: Path, day: str, run_id: str) -> dict:
    return run_all(RunContext.create(str(landing), str(lake), day, run_id))


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("clusters")
    day1, day2 = root / "landing1", root / "landing2"
    _page(day1, "a_wire.html", "wire.example.com", WIRE)  # sorts first: the copy the others are matched against
    _page(day1, "b_copy.html", "daily.example.org", WIRE)  # the same text: an exact copy
    _page(day1, "c_edited.html", "herald.example.net", EDITED)  # one sentence more: a near copy
    _page(day1, "d_other.html", "daily.example.org", story_paragraphs(502, 8), "Another story")  # no copy
    _page(day2, "e_late.html", "late.example.com", WIRE)  # the next day: the cluster goes on
    _page(day2, "f_own.html", "late.example.com", story_paragraphs(503, 8), "Own story")
    _page(day2, "g_own_copy.html", "echo.example.com", story_paragraphs(503, 8), "Own story")
    lake = root / "lake"
    _run(day1, lake, DAY1, "manual__d1")
    _run(day2, lake, DAY2, "manual__d2")
    return {"lake": lake, "day2": day2}


def _rows(lake: Path, day: str) -> list[dict]:
    table = read(lake, "story_clusters", day)
    rows = table.sort_by([("cluster_id", "ascending"), ("kept", "descending"), ("source_path", "ascending")])
    return rows.to_pylist()


def test_one_row_per_member_with_the_first_member_kept(lake):
    articles = {r["source_path"]: r for r in read(lake["lake"], "articles", DAY1).to_pylist()}
    wire_id = articles["a_wire.html"]["doc_id"]
    rows = _rows(lake["lake"], DAY1)
    assert [(r["source_path"], r["kept"], r["cluster_id"]) for r in rows] == [
        ("a_wire.html", True, wire_id), ("b_copy.html", False, wire_id), ("c_edited.html", False, wire_id)]
    first, exact, near = rows
    assert first["similarity"] == 1.0 and exact["similarity"] == 1.0 and 0.8 <= near["similarity"] < 1.0
    assert [r["source"] for r in rows] == ["wire.example.com", "daily.example.org", "herald.example.net"]
    assert all(r["first_date"] is None and r["date"] == date.fromisoformat(DAY1) for r in rows)
    assert first["url"] == "https://wire.example.com/2024/06/wire.html" and first["published_at"] is not None
    quarantined = {r["source_path"]: r["doc_id"] for r in read(lake["lake"], "quarantine", DAY1).to_pylist()}
    assert {r["source_path"]: r["doc_id"] for r in rows if not r["kept"]} == {
        p: quarantined[p] for p in ("b_copy.html", "c_edited.html")}


def test_a_cluster_spans_dates_through_the_history(lake):
    wire_id = next(r["doc_id"] for r in read(lake["lake"], "articles", DAY1).to_pylist()
                   if r["source_path"] == "a_wire.html")
    rows = [r for r in _rows(lake["lake"], DAY2) if r["cluster_id"] == wire_id]
    # the first member's row is repeated beside the new copy, both naming the day the story started
    assert [(r["source_path"], r["kept"], r["first_date"]) for r in rows] == [
        ("a_wire.html", True, date.fromisoformat(DAY1)), ("e_late.html", False, date.fromisoformat(DAY1))]
    own = [r for r in _rows(lake["lake"], DAY2) if r["cluster_id"] != wire_id]
    assert [(r["source_path"], r["kept"], r["first_date"]) for r in own] == [
        ("f_own.html", True, None), ("g_own_copy.html", False, None)]


def test_a_rerun_reproduces_the_date_exactly(lake):
    before = _rows(lake["lake"], DAY2)
    _run(lake["day2"], lake["lake"], DAY2, "manual__d2_again")
    after = _rows(lake["lake"], DAY2)
    assert {r["run_id"] for r in after} == {"manual__d2_again"}
    strip = [{k: v for k, v in r.items() if k != "run_id"} for r in before]
    assert strip == [{k: v for k, v in r.items() if k != "run_id"} for r in after]


def test_the_run_report_and_the_health_page_show_the_clusters(lake):
    run = Lake(lake["lake"]).run(date.fromisoformat(DAY1), "manual__d1")
    report = json.loads(run.report_json.read_text())
    clusters = report["clusters"]
    assert (clusters["clusters"], clusters["members"], clusters["copies"]) == (1, 3, 2)
    (largest,) = clusters["largest"]
    assert (largest["members"], largest["outlets"], largest["first_source"]) == (3, 3, "wire.example.com")
    assert 'id="clusters"' in run.report_html.read_text()
    health = Lake(lake["lake"]).health_page.read_text()
    assert 'id="health-clusters"' in health and "late.example.com" in health
