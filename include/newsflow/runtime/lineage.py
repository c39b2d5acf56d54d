"""OpenLineage for the DAG's tasks, through ``apache-airflow-providers-openlineage``.

Off by default: the provider emits nothing until it is configured (``[openlineage] transport``, e.g.
``AIRFLOW__OPENLINEAGE__TRANSPORT='{"type": "http", "url": "http://marquez:5000"}'``; docs/platform.md).
When it is on, each step tells the provider what it read and wrote through the provider's hook for
operators, ``get_openlineage_facets_on_complete`` / ``..._on_failure`` returning an ``OperatorLineage``:
TaskFlow tasks have no extractor of their own, so ``report`` gives the running task (the operator the
provider's listener inspects when the task ends) those two methods, holding what the step found.

What each task reports (``step_lineage``):

| task | inputs | outputs |
|---|---|---|
| ``plan`` | the landing location | |
| ``batch.ingest`` | the WARC archives the batch read, else the landing location | |
| ``batch.gate_raw``, ``batch.gate_normalised`` | the landing location, with the gate's assertions | |
| ``dedup`` | the lake's dedup history (``_state/signatures``, ``_state/lsh_bands``) | |
| ``write.gate_output`` | ``articles`` and ``quarantine`` as staged for publishing, with the gate's assertions | |
| ``write.publish`` | the landing location | every Delta table committed: its version, its schema |
| ``daily_source_stats.source_stats`` | ``articles`` | ``source_stats`` (version, schema) |

A gate's assertions are its expectations as GX judged them (``gates/runner.py``): the expectation, its column,
success, and the gate's reason code; a row-level expectation quarantines rows (severity ``warn``), a
batch-level one fails the run (severity ``error``). A gate that fails reports them too (``..._on_failure``).

Dataset names follow OpenLineage's naming: local paths are namespace ``file`` and the absolute path;
object stores ``scheme://bucket`` and the key. Everything is computed in the task itself: the provider may
fork to emit, and delta-rs does not survive a fork.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsflow.lake.layout import RunPaths
    from newsflow.steps.context import RunContext

LOGGER = logging.getLogger(__name__)
GATES = ("gate_raw", "gate_normalised", "gate_output")
ASSERTIONS = "dataQualityAssertions"


@dataclass(frozen=True)
class Dataset:
    """A dataset as OpenLineage names it, with what newsflow knows of it."""

    namespace: str
    name: str
    version: str | None = None
    fields: tuple[tuple[str, str, str | None], ...] = ()  # (column, type, description)
    assertions: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class StepLineage:
    inputs: list[Dataset] = field(default_factory=list)
    outputs: list[Dataset] = field(default_factory=list)


def enabled() -> bool:
    """Whether the OpenLineage provider is configured to emit (its own test: a transport, a config file,
    ``OPENLINEAGE_URL``, ... and not ``[openlineage] disabled``)."""
    try:
        from airflow.providers.openlineage.conf import is_disabled
    except ImportError:
        return False
    return not is_disabled()


def naming(location: Any) -> tuple[str, str]:
    """(namespace, name) of a path or URI, by OpenLineage's naming conventions."""
    from newsflow.storage import display

    text = display(location)
    if text.startswith("file://"):
        text = text[len("file://"):]
    if "://" in text:
        scheme, rest = text.split("://", 1)
        bucket, _, key = rest.partition("/")
        return f"{scheme}://{bucket}", key.rstrip("/") or "/"
    return "file", text.rstrip("/") or "/"


def dataset(location: Any, **known: Any) -> Dataset:
    namespace, name = naming(location)
    return Dataset(namespace, name, **known)


def table_fields(table: str) -> tuple[tuple[str, str, str | None], ...]:
    """A Delta table's columns (the ``date`` partition included), from their owner, the column table."""
    from newsflow.columns import COLUMNS, DERIVED, PUBLISHED, STATE_TABLES, schema, table_schema

    if table in PUBLISHED or table in DERIVED:
        schema_ = table_schema(table)
    elif table in STATE_TABLES:
        schema_ = schema(table)
    else:
        return ()
    return tuple((f.name, str(f.type), COLUMNS[f.name].description if f.name in COLUMNS else None)
                 for f in schema_)


def gate_assertions(run_paths: RunPaths, gate: str, batch: int | None) -> tuple[dict[str, Any], ...]:
    """The gate's expectations as GX judged them, from the report the gate wrote (``finish_gate``)."""
    report = run_paths.gate_report(run_paths.gate_name(gate, batch))
    if not report.exists():
        return ()
    data = json.loads(report.read_text())
    return tuple({"assertion": e["expectation"], "column": e.get("column"), "success": bool(e["success"]),
                  "name": e.get("code"), "severity": "error" if e.get("level") == "batch" else "warn",
                  "actual": _actual(e)}
                 for e in data.get("expectations") or [])


def _actual(expectation: dict[str, Any]) -> str | None:
    if expectation.get("unexpected_count") is not None:
        return f"{expectation['unexpected_count']} unexpected"
    observed = expectation.get("observed_value")
    return None if observed is None else json.dumps(observed, default=str)[:200]


def published_tables(ctx: RunContext) -> list[Dataset]:
    """Every table ``publish`` committed for the run's date, at the version the run marker names."""
    from newsflow.runrecords import read_run_marker

    if not ctx.run.run_marker.exists():
        return []
    versions = read_run_marker(ctx.run.run_marker)["versions"]
    return [dataset(ctx.lake.table(name), version=str(number), fields=table_fields(name))
            for name, number in sorted(versions.items())]


def step_lineage(name: str, ctx: RunContext, batch: int | None = None) -> StepLineage:
    """What the step ``name`` (a ``pipeline.STEPS`` name) read and wrote, and the assertions of a gate."""
    from newsflow.ingest import ccnews

    remote = ccnews.is_ccnews(ctx.landing)
    landing = dataset(ctx.landing.base if remote else ctx.landing)
    if name == "plan":
        return StepLineage(inputs=[landing])
    if name == "ingest" and batch is not None:
        archives = ctx.load_stats("ingest", batch)["archives_read"]
        return StepLineage(inputs=[dataset(f"{ctx.landing.base.rstrip('/')}/{path}" if remote
                                           else ctx.landing / path) for path, _sha in archives] or [landing])
    if name in ("gate_raw", "gate_normalised"):
        return StepLineage(inputs=[dataset(ctx.landing, assertions=gate_assertions(ctx.run, name, batch))])
    if name == "dedup":
        return StepLineage(inputs=[dataset(ctx.lake.table(t)) for t in ("signatures", "lsh_bands")])
    if name == "gate_output":
        judged = gate_assertions(ctx.run, name, None)
        return StepLineage(inputs=[dataset(ctx.lake.table(t), fields=table_fields(t), assertions=judged)
                                   for t in ("articles", "quarantine")])
    if name == "publish":
        return StepLineage(inputs=[landing], outputs=published_tables(ctx))
    return StepLineage()


def operator_lineage(lineage: StepLineage) -> Any:
    """The provider's ``OperatorLineage`` for ``lineage`` (OpenLineage client objects)."""
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.event_v2 import InputDataset, OutputDataset
    from openlineage.client.facet_v2 import data_quality_assertions_dataset as dq
    from openlineage.client.facet_v2 import dataset_version_dataset, schema_dataset

    def facets(item: Dataset) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if item.version is not None:
            out["version"] = dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=item.version)
        if item.fields:
            out["schema"] = schema_dataset.SchemaDatasetFacet(fields=[
                schema_dataset.SchemaDatasetFacetFields(name=n, type=t, description=d) for n, t, d in item.fields])
        return out

    def input_facets(item: Dataset) -> dict[str, Any]:
        if not item.assertions:
            return {}
        return {ASSERTIONS: dq.DataQualityAssertionsDatasetFacet(assertions=[
            dq.Assertion(**{k: v for k, v in a.items() if v is not None}) for a in item.assertions])}

    return OperatorLineage(
        inputs=[InputDataset(i.namespace, i.name, facets=facets(i), inputFacets=input_facets(i))
                for i in lineage.inputs],
        outputs=[OutputDataset(o.namespace, o.name, facets=facets(o)) for o in lineage.outputs])


def attach(task: Any, lineage: StepLineage) -> None:
    """Give the running operator the provider's hooks, answering with ``lineage``."""
    built = operator_lineage(lineage)

    def facets(_task_instance: Any = None) -> Any:
        return built

    task.get_openlineage_facets_on_complete = facets
    task.get_openlineage_facets_on_failure = facets


def report(name: str, ctx: RunContext, batch: int | None = None) -> None:
    """From a task body, after its step ran or failed: tell the provider what the step read and wrote.
    Nothing when the provider is off; never fails the task (lineage is an observer)."""
    if not enabled():
        return
    try:
        from airflow.sdk import get_current_context

        attach(get_current_context()["task"], step_lineage(name, ctx, batch))
    except Exception:
        LOGGER.warning("newsflow: no OpenLineage facets for %s", name, exc_info=True)


def stop_listeners(component: Any) -> None:
    """What an Airflow component does before it stops (``Job.complete_execution``): the listeners'
    ``before_stopping``. ``dag.test()`` does not; the OpenLineage listener then never shuts down the process
    pool that sends the DAG run's events, and the process, exiting, waits for that pool's workers forever."""
    from airflow.listeners.listener import get_listener_manager

    try:
        get_listener_manager().hook.before_stopping(component=component)
    except Exception:
        LOGGER.warning("newsflow: a listener failed before stopping", exc_info=True)


def report_source_stats(lake_root: Any, result: dict[str, Any]) -> None:
    """``report`` for the ``daily_source_stats`` task: ``articles`` in, ``source_stats`` (its version) out."""
    if not enabled():
        return
    try:
        from airflow.sdk import get_current_context

        from newsflow.lake.layout import Lake

        lake = Lake(lake_root)
        out = dataset(lake.table("source_stats"), version=str(result["version"]),
                      fields=table_fields("source_stats"))
        attach(get_current_context()["task"], StepLineage(inputs=[dataset(lake.table("articles"))], outputs=[out]))
    except Exception:
        LOGGER.warning("newsflow: no OpenLineage facets for source_stats", exc_info=True)
