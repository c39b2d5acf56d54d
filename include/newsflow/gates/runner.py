"""Great Expectations 1.x behind one call: validate a batch, keep the evidence.

GX is imported here, lazily, once per process: it costs seconds to import.
Analytics are off and its INFO chatter never reaches task logs.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newsflow.lake.layout import RunPaths
from newsflow.runrecords import Expectation

LOGGER = logging.getLogger(__name__)
_MAX_VALUE_CHARS = 200


@dataclass(frozen=True)
class Check:
    """One expectation and what its failure means: a row reason or a failed batch."""

    expectation: str  # GX expectation class name, e.g. "ExpectColumnValuesToNotBeNull"
    kwargs: dict[str, Any]
    code: str
    level: str = "row"  # "row": failing rows are quarantined; "batch": the gate fails
    detail: str = ""
    where: tuple[str, Any] | None = None  # only rows whose column equals this value are checked


@dataclass
class GateReport:
    gate: str
    rows: int
    success: bool = True
    row_reasons: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    batch_failures: list[str] = field(default_factory=list)
    expectations: list[Expectation] = field(default_factory=list)
    results_path: str | None = None
    docs_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "rows": self.rows,
            "success": self.success,
            "rows_failed": len(self.row_reasons),
            "batch_failures": self.batch_failures,
            "expectations": self.expectations,
            "results_path": self.results_path,
            "docs_path": self.docs_path,
        }


def quiet_gx() -> None:
    """Call before GX is imported: its loggers are plain stdlib ones."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    for name in _DEFERRED:
        if name not in sys.modules:
            sys.modules[name] = _Deferred(name)


# Modules GX imports at its own import for expectations and renderers the gates never use (the KL divergence
# and KS tests' ``scipy.stats``, the charts' ``altair``): about 1 CPU s of every process that imports GX.
# Each is a stand-in until something reads an attribute of it, which imports the real module then.
_DEFERRED = ("scipy.stats", "altair")


class _Deferred(types.ModuleType):
    """A module imported on first use: the first attribute read (``__path__`` included, so importing one of
    its submodules too) puts the real module in ``sys.modules`` and answers from it. Dunder names other
    than ``__path__`` do not import it (``hasattr(module, "__file__")`` over ``sys.modules``)."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__") and attr != "__path__":
            raise AttributeError(attr)
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        return getattr(importlib.import_module(name), attr)


_TEMPLATE_CACHE: Any = None


def _share_template_cache() -> None:
    """GX builds a new Jinja environment for every Data Docs page and recompiles its ~50
    templates each time (about 60 % of a gate's time, profiled). One in-process bytecode
    cache shared by those environments compiles each template once per worker process."""
    global _TEMPLATE_CACHE
    if _TEMPLATE_CACHE is not None:
        return
    import great_expectations.render.view.view as view_module
    from jinja2 import BytecodeCache

    class _InMemory(BytecodeCache):
        def __init__(self) -> None:
            self.codes: dict[str, bytes] = {}

        def load_bytecode(self, bucket: Any) -> None:
            if bucket.key in self.codes:
                bucket.bytecode_from_string(self.codes[bucket.key])

        def dump_bytecode(self, bucket: Any) -> None:
            self.codes[bucket.key] = bucket.bytecode_to_string()

    _TEMPLATE_CACHE = _InMemory()
    environment = view_module.Environment  # type: ignore[attr-defined]  # GX's own import of jinja2's

    def shared_cache_environment(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("bytecode_cache", _TEMPLATE_CACHE)
        return environment(*args, **kwargs)

    view_module.Environment = shared_cache_environment  # type: ignore[attr-defined,assignment]


def preload() -> None:
    """Import GX and warm it now, e.g. in a worker before it forks tasks: one tiny validation fills the
    template cache and GX's registries, which every forked task then inherits (the first gate of a
    process otherwise costs about 0.25 s more than the next)."""
    import tempfile

    import pandas as pd

    quiet_gx()
    import great_expectations
    import great_expectations.expectations  # noqa: F401

    _share_template_cache()
    with tempfile.TemporaryDirectory(prefix="newsflow-gx-warm-") as scratch:
        run_gate("warm_up", pd.DataFrame({"record_id": ["r0"], "kind": ["txt"]}),
                 [Check("ExpectColumnValuesToBeInSet", {"column": "kind", "value_set": ["txt"]}, "warm_up"),
                  Check("ExpectColumnValuesToBeUnique", {"column": "record_id"}, "warm_up", "batch")],
                 Path(scratch) / "warm_up.gx.json", Path(scratch) / "data_docs")


def _context(docs_dir: Path) -> Any:
    quiet_gx()
    _share_template_cache()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={
            "lake": {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_VALUE_CHARS:
        return value[:_MAX_VALUE_CHARS] + "…"
    if isinstance(value, list):
        return [_shorten(v) for v in value[:50]]
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    return value


def validate(run: RunPaths, gate: str, frame: Any, checks: list[Check], id_column: str = "record_id") -> GateReport:
    """``run_gate`` with its evidence kept in the run's quality folder (``run``: the run's ``RunPaths``),
    local or on an object store (GX writes local files: object-store lakes get an uploaded copy)."""
    from newsflow import storage

    with storage.local_folder(run.quality) as folder:
        report = run_gate(gate, frame, checks, run.gate_results(gate, folder), run.data_docs(gate, folder),
                          id_column=id_column)
    report.results_path = storage.display(run.gate_results(gate))
    report.docs_path = storage.display(run.data_docs(gate) / "index.html") if report.docs_path else None
    return report


def run_gate(gate: str, frame: Any, checks: list[Check], results_file: Path, docs_dir: Path,
             id_column: str = "record_id") -> GateReport:
    """Validate ``frame`` (pandas) against ``checks``; write results JSON to ``results_file`` and Data Docs
    into ``docs_dir`` (local paths)."""
    quiet_gx()  # before GX's first import in this process
    import great_expectations as gx
    import great_expectations.expectations as gxe

    results_file.parent.mkdir(parents=True, exist_ok=True)
    context = _context(docs_dir)
    source = context.data_sources.add_pandas(f"{gate}_source")
    asset = source.add_dataframe_asset(f"{gate}_batch")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_batch")
    suite = context.suites.add(gx.ExpectationSuite(name=f"newsflow.{gate}"))
    for check in checks:
        cls = getattr(gxe, check.expectation)
        kwargs = dict(check.kwargs)
        if check.where is not None:
            from great_expectations.expectations.row_conditions import Column

            kwargs["row_condition"] = Column(check.where[0]) == check.where[1]
        suite.add_expectation(cls(**kwargs, meta={"code": check.code, "level": check.level, "detail": check.detail}))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{gate}_validation", data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"{gate}_checkpoint",
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],  # type: ignore[attr-defined]
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [id_column]},
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    report = GateReport(gate=gate, rows=len(frame))
    payload = []
    for run_result in result.run_results.values():
        payload.append(_shorten(run_result.to_json_dict()))
        for item in run_result.results:
            meta = item.expectation_config.meta or {}
            code, level = meta.get("code", "expectation_failed"), meta.get("level", "row")
            kwargs = item.expectation_config.kwargs
            failed_ids: list[str] = []
            if not item.success:
                for entry in item.result.get("unexpected_index_list") or []:
                    if isinstance(entry, dict) and entry.get(id_column) is not None:
                        failed_ids.append(str(entry[id_column]))
            raised = bool(item.exception_info and item.exception_info.get("raised_exception"))
            summary = Expectation(expectation=item.expectation_config.type, column=kwargs.get("column"), code=code,
                                  level=level, success=bool(item.success),
                                  unexpected_count=item.result.get("unexpected_count"),
                                  observed_value=_shorten(item.result.get("observed_value")))
            report.expectations.append(summary)
            if item.success:
                continue
            if raised:
                raised_message = item.exception_info.get("exception_message")
                report.batch_failures.append(f"{code}: expectation raised {raised_message}")
            elif level == "batch" or not failed_ids:
                observed = item.result.get("observed_value")
                count = item.result.get("unexpected_count")
                what = f"observed {observed!r}" if observed is not None else f"{count} unexpected rows"
                if "value" in kwargs:
                    what += f", expected {kwargs['value']!r}"
                label = item.expectation_config.type + (f": {meta['detail']}" if meta.get("detail") else "")
                report.batch_failures.append(f"{code}: {label} failed ({what})")
            else:
                detail = meta.get("detail") or item.expectation_config.type
                for record_id in failed_ids:
                    report.row_reasons.setdefault(record_id, []).append((code, detail))
    report.success = not report.batch_failures
    results_file.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str), encoding="utf-8")
    report.results_path = str(results_file)
    index = docs_dir / "index.html"
    report.docs_path = str(index) if index.exists() else None
    if report.docs_path:
        from newsflow.gates.data_docs import add_offline_styles

        add_offline_styles(docs_dir)  # GX's pages fetch Bootstrap and their icons from CDNs (data_docs.py)
    return report
