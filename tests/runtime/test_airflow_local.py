"""The embedded Airflow's start-up (``newsflow.runtime.airflow_local``): the in-process Execution API
serves the Task SDK's own API version exactly as Airflow's full build does, and falls back to that
full build when the cut one cannot be built; start-up objects are frozen out of the GC's way.
``newsflow run`` end to end (task states, XCom, asset events, exit codes): ``tests/e2e``."""

from __future__ import annotations

import gc

import pytest

from newsflow.runtime import airflow_local


@pytest.fixture
def fresh_api():
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    in_process_api_server.cache_clear()
    yield in_process_api_server
    in_process_api_server.cache_clear()


def _routes(app, version: str) -> list[tuple]:
    """What a client of ``version`` can call, and the shapes it sends and gets back."""
    return [(route.path, tuple(sorted(getattr(route, "methods", None) or ())), route.name,
             repr(route.body_field.field_info.annotation) if getattr(route, "body_field", None) else None,
             repr(getattr(route, "response_model", None)))
            for route in app.router.versioned_routers[version].routes]


def _app(bundle):
    from airflow.api_fastapi.execution_api import versions
    from airflow.api_fastapi.execution_api.app import create_task_execution_api_app

    full = versions.bundle
    versions.bundle = bundle
    try:
        app = create_task_execution_api_app()
    finally:
        versions.bundle = full
    if bundle is not full:  # as _build_execution_api builds the cut bundle
        airflow_local._drop_older_only_routes(app)
    app._cadwyn_initialize()
    return app


def test_the_sdk_version_is_served_as_the_full_api_serves_it():
    from airflow.api_fastapi.execution_api.versions import bundle
    from airflow.sdk.api.datamodels._generated import API_VERSION

    cut = airflow_local._sdk_versions_only(bundle)
    assert cut is not None and len(cut.versions) < len(bundle.versions)
    assert cut.versions[0].value == API_VERSION
    served = _routes(_app(cut), API_VERSION)
    assert served and served == _routes(_app(bundle), API_VERSION)
    assert any(path.startswith("/task-instances/") for path, *_ in served)


def test_a_client_of_an_older_version_keeps_every_version(monkeypatch):
    import airflow.sdk.api.datamodels._generated as sdk_models
    from airflow.api_fastapi.execution_api.versions import bundle

    monkeypatch.setattr(sdk_models, "API_VERSION", str(bundle.versions[1].value))
    assert airflow_local._sdk_versions_only(bundle) is None


def test_a_cut_that_does_not_build_falls_back_to_the_full_api(monkeypatch, fresh_api):
    from airflow.api_fastapi.execution_api.versions import bundle
    from cadwyn import HeadVersion, Version, VersionBundle

    # Routes only older versions have, kept and never restored: Cadwyn refuses to generate the routers.
    broken = VersionBundle(HeadVersion(), Version(bundle.versions[0].value), Version(bundle.versions[-1].value))
    monkeypatch.setattr(airflow_local, "_sdk_versions_only", lambda full: broken)
    monkeypatch.setattr(airflow_local, "_drop_older_only_routes", lambda app: None)
    api = airflow_local.execution_api()
    assert api is fresh_api()
    assert set(api.app.router.versioned_routers) == {str(v.value) for v in bundle.versions}


def test_startup_pauses_the_gc_then_freezes_what_it_built():
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    try:
        with airflow_local._startup():
            assert not gc.isenabled()
            kept = [{"built": i} for i in range(1000)]
        assert gc.isenabled() and gc.get_freeze_count() >= frozen + len(kept)
    finally:
        gc.unfreeze()
