"""OpenLineage facets of the pipeline's steps (``newsflow.runtime.lineage``), on a lake built from the seeds.
The events the provider sends for a real ``newsflow run``: ``tests/e2e/test_lineage_e2e.py``."""

from __future__ import annotations

import os
from types import SimpleNamespace

import lakes
import pytest

from newsflow.columns import PUBLISHED, STATE_TABLES, table_schema
from newsflow.pipeline import RunContext
from newsflow.runtime import lineage


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    root = tmp_path_factory.mktemp("lineage")
    lake, summary = lakes.seed_lake(root)
    assert summary is not None
    return RunContext.create(str(root / "seeds"), str(lake), lakes.DAY, lakes.RUN_ID)


def test_names_follow_openlineage_naming(tmp_path):
    assert lineage.naming(tmp_path / "lake") == ("file", str(tmp_path / "lake"))
    assert lineage.naming(f"file://{tmp_path}/lake/") == ("file", f"{tmp_path}/lake")
    assert lineage.naming("s3://bucket/news/lake") == ("s3://bucket", "news/lake")


def test_publish_reports_every_table_it_committed_with_version_and_schema(ctx):
    found = lineage.step_lineage("publish", ctx)
    assert [d.name for d in found.inputs] == [str(ctx.landing)]
    by_name = {d.name.rsplit("/", 1)[-1]: d for d in found.outputs}
    assert sorted(by_name) == sorted([*PUBLISHED, *STATE_TABLES])  # every table publish commits
    assert {d.version for d in found.outputs} == {"1"}  # a new lake: each table's first commit
    assert by_name["articles"].name == str(ctx.lake.table("articles"))
    assert [f[0] for f in by_name["articles"].fields] == table_schema("articles").names
    assert {n: d for n, _t, d in by_name["articles"].fields}["word_count"].startswith("Number of")
    assert all(d.fields for d in found.outputs)


def test_gates_report_their_expectations_on_what_they_judged(ctx):
    raw = lineage.step_lineage("gate_raw", ctx, 0)
    assert [d.name for d in raw.inputs] == [str(ctx.landing)]
    assertions = raw.inputs[0].assertions
    assert assertions and all(a["success"] for a in assertions)  # the seeds pass gate_raw
    normalised = lineage.step_lineage("gate_normalised", ctx, 0).inputs[0].assertions
    failed = [a for a in normalised if not a["success"]]
    assert [(a["name"], a["severity"], a["actual"]) for a in failed] == [("boilerplate_phrase", "warn", "1 unexpected")]
    assert any(a["column"] for a in normalised)
    output = lineage.step_lineage("gate_output", ctx)
    assert [d.name.rsplit("/", 1)[-1] for d in output.inputs] == ["articles", "quarantine"]
    assert all(a["severity"] == "error" for a in output.inputs[0].assertions)


def test_the_provider_gets_its_operator_lineage(ctx):
    built = lineage.operator_lineage(lineage.step_lineage("gate_normalised", ctx, 0))
    facet = built.inputs[0].inputFacets[lineage.ASSERTIONS]
    assert {a.assertion for a in facet.assertions} and any(not a.success for a in facet.assertions)
    published = lineage.operator_lineage(lineage.step_lineage("publish", ctx))
    articles = next(o for o in published.outputs if o.name.endswith("/articles"))
    assert articles.facets["version"].datasetVersion == "1"
    assert [f.name for f in articles.facets["schema"].fields] == table_schema("articles").names


def test_off_unless_the_provider_is_configured(ctx, monkeypatch):
    # (the provider caches its configuration, except under pytest: each call below reads it again)
    for name in [k for k in os.environ if k.startswith(("OPENLINEAGE", "AIRFLOW__OPENLINEAGE"))]:
        monkeypatch.delenv(name)
    assert not lineage.enabled()
    lineage.report("publish", ctx)  # outside a task: nothing is asked of Airflow when off
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__TRANSPORT", '{"type": "console"}')
    assert lineage.enabled()
    task = SimpleNamespace()
    lineage.attach(task, lineage.step_lineage("publish", ctx))
    assert task.get_openlineage_facets_on_complete(None) is task.get_openlineage_facets_on_failure(None)
    assert len(task.get_openlineage_facets_on_complete(None).outputs) == len(PUBLISHED) + len(STATE_TABLES)


def test_the_consumer_task_reports_articles_in_and_source_stats_out(ctx, monkeypatch):
    import airflow.sdk

    from newsflow.analyst.source_stats import build

    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__TRANSPORT", '{"type": "console"}')
    task = SimpleNamespace()
    monkeypatch.setattr(airflow.sdk, "get_current_context", lambda: {"task": task}, raising=False)
    result = build(ctx.lake_root, ctx.day, "consumer-1")
    lineage.report_source_stats(ctx.lake_root, result)
    built = task.get_openlineage_facets_on_complete(None)
    assert [i.name for i in built.inputs] == [str(ctx.lake.table("articles"))]
    (out,) = built.outputs
    assert out.name == str(ctx.lake.table("source_stats"))
    assert out.facets["version"].datasetVersion == str(result["version"])
    assert [f.name for f in out.facets["schema"].fields] == ["source", "articles", "words", "median_words", "date"]
