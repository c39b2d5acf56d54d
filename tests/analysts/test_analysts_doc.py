"""docs/analysts.md: every python example runs against a lake built from the seeds, and its data
dictionary lists exactly the published columns with their types and nullability."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import lakes
import pytest
from paths import REPO

DOC = REPO / "docs" / "analysts.md"
_BLOCK_RE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
_SECTION_RE = re.compile(r"^## (.+)$", re.M)


def _examples() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    out = []
    for match in _BLOCK_RE.finditer(text):
        headings = _SECTION_RE.findall(text, 0, match.start())
        out.append((headings[-1] if headings else "top", match.group(1)))
    return out


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    lake, summary = lakes.seed_lake(tmp_path_factory.mktemp("analysts"))
    assert summary and summary["articles"] == 2
    from datetime import date

    from newsflow.analyst.source_stats import build

    build(lake, date.fromisoformat(lakes.DAY), lakes.RUN_ID)  # what daily_source_stats does for the date
    return lake


def test_the_doc_has_an_example_per_library():
    sections = {name for name, _ in EXAMPLES}
    assert {"DuckDB", "Polars", "pandas", "pyarrow"} <= sections


WARC_SECTION = "WARC provenance: re-reading the raw record"


@pytest.fixture(scope="module")
def warc_lake(tmp_path_factory) -> tuple[Path, Path]:
    """A lake published from a crawl archive, and the landing folder that holds the archive."""
    from paths import SHARED
    from warcs import crawl, dev_pages

    from newsflow.pipeline import RunContext, run_all

    if not (SHARED / "benchmarks").is_dir():
        pytest.skip("needs ../shared/benchmarks")
    root = tmp_path_factory.mktemp("analysts-warc")
    (root / "landing").mkdir()
    crawl(root / "landing" / "crawl.warc.gz", dev_pages(4), truncate_last=False)
    run_all(RunContext.create(str(root / "landing"), str(root / "lake"), lakes.DAY, "manual__warc"))
    return root / "lake", root / "landing"


CLUSTERS_SECTION = "Story clusters"
WIRE_OUTLETS = ["first.example.com", "second.example.org", "third.example.net", "fourth.example.com",
                "fifth.example.org", "sixth.example.net"]


@pytest.fixture(scope="module")
def clusters_lake(tmp_path_factory) -> Path:
    """A lake where one wire story ran on six outlets over two dates (the earliest publisher is not the copy
    newsflow kept) and another on two outlets."""
    from helpers import article_html, story_paragraphs

    from newsflow.pipeline import RunContext, run_all

    root = tmp_path_factory.mktemp("analysts-clusters")
    wire, small = story_paragraphs(701, 8), story_paragraphs(702, 8)
    days = {"2024-05-06": WIRE_OUTLETS[:4], "2024-05-07": WIRE_OUTLETS[4:]}
    for day, outlets in days.items():
        landing = root / f"landing-{day}"
        landing.mkdir()
        for i, outlet in enumerate(outlets):
            # the first outlet states the earliest time, though its file sorts last
            hour = 5 if outlet == WIRE_OUTLETS[0] else 9 + WIRE_OUTLETS.index(outlet)
            (landing / f"{9 - i}_{outlet}.html").write_text(article_html(
                "Wire story", wire, furniture=False, url=f"https://{outlet}/wire.html",
                published=f"2024-05-06T{hour:02d}:00:00Z"))
        if day == "2024-05-06":
            for outlet in WIRE_OUTLETS[:2]:
                (landing / f"small_{outlet}.html").write_text(article_html(
                    "Small story", small, furniture=False, url=f"https://{outlet}/small.html"))
        run_all(RunContext.create(str(landing), str(root / "lake"), day, f"manual__{day}"))
    return root / "lake"


@pytest.mark.parametrize("section,code", EXAMPLES, ids=[f"{i}-{name}" for i, (name, _) in enumerate(EXAMPLES)])
def test_example_runs(section, code, request, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    if section == WARC_SECTION:
        lake, landing = request.getfixturevalue("warc_lake")
        env = {**os.environ, "NEWSFLOW_LAKE": str(lake), "NEWSFLOW_LANDING": str(landing)}
    elif section == CLUSTERS_SECTION:
        lake = request.getfixturevalue("clusters_lake")
        env = {**os.environ, "NEWSFLOW_LAKE": str(lake)}
    else:
        lake = request.getfixturevalue("lake")
        env = {**os.environ, "NEWSFLOW_LAKE": str(lake)}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, f"{section} example failed:\n{done.stderr[-3000:]}"
    out = done.stdout
    # The seeds publish two articles from source 'seeds', one about "Made in China 2025".
    if section == WARC_SECTION:
        assert "WARC/1." in out and "WARC-Type: response" in out, out
    elif section == CLUSTERS_SECTION:  # the six-outlet story only, its earliest publisher first
        (row,) = [line for line in out.splitlines() if "example" in line]
        assert "6, 6, 'first.example.com'" in row and "https://first.example.com/wire.html" in row, out
        assert "datetime.date(2024, 5, 6)" in row and out.count("'first.example.com'") == 1, out
    elif section != "Which dates to read":
        assert "seeds" in out, out
    else:
        assert f"{lakes.DAY} 2 articles, 1 quarantined" in out, out


def _dictionary(dataset: str) -> dict[str, tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"`{dataset}`: one row per")
    table = text[start:].split("\n\n")[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = (cells[1], cells[2])
    return rows


def _type_name(arrow_type) -> str:
    return re.sub(r"(item|element): ", "", str(arrow_type))


@pytest.mark.parametrize("dataset", ["articles", "quarantine", "story_clusters", "source_stats"])
def test_the_data_dictionary_matches_the_published_schema(dataset):
    from newsflow.columns import schema as dataset_schema

    documented = _dictionary(dataset)
    documented.pop("date", None)  # the partition column comes from the folder name
    schema = dataset_schema(dataset)
    assert list(documented) == schema.names
    for field in schema:
        kind, null = documented[field.name]
        assert kind == _type_name(field.type), field.name
        assert null == ("yes" if field.nullable else "no"), field.name
