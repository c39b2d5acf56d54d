"""The lake health page on a synthetic 16-date history: the model (figures, each date's bounds from the
dates before it, recorded verdicts) and the self-contained page (inline SVG, relative links, nothing fetched)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import histories
import pytest
from histories import START, TODAY, Day

from newsflow.gates.drift import check_drift
from newsflow.lake.layout import Lake
from newsflow.report.health import build_health, lake_links, render_health, write_health_page
from newsflow.settings import Settings


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    """14 normal dates, then TODAY judged (a word-count drop on b.example: warn) and published."""
    lake = tmp_path_factory.mktemp("health") / "lake"
    histories.history(lake)
    today = Day(words={"a.example": 600, "b.example": 200, "c.example": 800})
    ctx = histories.stage_run(lake, TODAY, today, run_id="manual__today")
    assert check_drift(ctx)["status"] == "warn"
    histories.publish_day(lake, TODAY, today)
    marker = Lake(lake).run_marker(TODAY)  # the date's marker names the run that judged it
    marker.write_text(marker.read_text().replace(f"synthetic__{TODAY}", "manual__today"))
    (ctx.run.report_html).write_text("<p>the run's report</p>")
    return lake


def test_the_model_draws_each_dates_bounds_from_the_dates_before_it(lake):
    model = build_health(Lake(lake), Settings())
    assert [d["date"] for d in model["dates"]] == [(START + timedelta(days=i)).isoformat() for i in range(1, 14)] + [
        TODAY.isoformat()]  # the last 14 published dates
    volume = next(t for t in model["trends"] if t["key"] == "volume")
    # the 2nd shown date (index 1 in the lake) has 1 date before it: no bounds; from the 6th on it has 5
    assert volume["points"][0]["thresholds"] == {} and volume["points"][3]["thresholds"] == {}
    assert volume["points"][4]["thresholds"]["warn"] == [50.0, 200.0]
    assert [d["drift"] for d in model["dates"]][-1] == "warn" and model["dates"][-1]["warnings"] == 1
    b = next(s for s in model["sources"] if s["source"] == "b.example")
    assert b["median_words"][-1]["value"] == 200.0 and b["median_words"][-1]["severity"] == "warn"
    assert b["median_words"][-1]["thresholds"]["warn"] == [240.0, 668.0]


def test_the_page_is_self_contained_and_links_each_dates_report(lake):
    write_health_page(Lake(lake), Settings())
    html = Lake(lake).health_page.read_text()
    assert "<script" not in html and not re.search(r"""(src|href)=["']?https?:""", html)
    assert html.count('id="trend-') == 6 and html.count('class="chart trend"') == 6 + 3 * 2  # + sources' two
    assert 'class="threshold warn"' in html and 'class="threshold fail"' in html
    links = re.findall(r'<a href="([^"]+)"', html)
    assert links == [f"date={TODAY}/manual__today/report.html"]  # only the run that left a report
    assert (Lake(lake).health_page.parent / links[0]).exists()


def test_an_empty_lake_has_a_page_too(tmp_path):
    html = render_health(build_health(Lake(tmp_path / "lake"), Settings()), lake_links(Lake(tmp_path / "lake")))
    assert "No date is published in this lake yet." in html


def _judged_and_published(lake: Path, day, spec: Day) -> None:
    """A date judged by the drift gate under its own run, then published with a marker naming that run."""
    run_id = f"manual__{day}"
    ctx = histories.stage_run(lake, day, spec, run_id=run_id)
    check_drift(ctx)
    histories.publish_day(lake, day, spec)
    marker = Lake(lake).run_marker(day)
    marker.write_text(marker.read_text().replace(f"synthetic__{day}", run_id))


def test_the_canary_table_names_the_day_a_template_change_began_and_two_pages(tmp_path):
    """b.example redesigns its pages on the day before TODAY and again on TODAY: its row says the change began
    on the first of the two, with two of that day's pages; the other sources show no change."""
    lake = tmp_path / "lake"
    histories.history(lake, days=13)
    began = START + timedelta(days=13)
    _judged_and_published(lake, began, Day(redesigned=("b.example",)).varied(13))
    _judged_and_published(lake, TODAY, Day(redesigned=("b.example",)).varied(14))
    model = build_health(Lake(lake), Settings())
    first, *others = model["canaries"]
    assert first["source"] == "b.example" and first["began"] == began.isoformat()
    assert first["rules"] == ["source_new_templates"]
    assert first["samples"] == [f"https://b.example/{began}/0000.html", f"https://b.example/{began}/0001.html"]
    assert first["figures"]["source_new_templates"]["value"] == 1.0
    assert {c["source"] for c in others} == {"a.example", "c.example"} and not any(c["began"] for c in others)
    write_health_page(Lake(lake), Settings())
    html = Lake(lake).health_page.read_text()
    assert 'id="canaries"' in html and f'<strong class="canary-began">{began}</strong>' in html
    assert html.count('class="mono canary-sample"') == 2
