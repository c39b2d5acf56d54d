"""docker-compose.yaml, checked statically (no Docker engine runs here)."""

import re
import subprocess
import sys
from pathlib import Path

import yaml
from paths import REPO

COMPOSE = REPO / "docker-compose.yaml"


def _compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_spec_schema():
    tool = Path(sys.executable).parent / "check-jsonschema"
    run = subprocess.run([str(tool), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


def test_services_and_dependencies():
    services = _compose()["services"]
    assert {"postgres", "redis", "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer", "airflow-worker"} <= set(services)
    for name, service in services.items():
        for target in service.get("depends_on") or {}:
            assert target in services, f"{name} depends on unknown {target}"
        if name != "airflow-init":
            assert "healthcheck" in service, f"{name} has no healthcheck"
    assert services["airflow-worker"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"


def test_mounts_point_at_real_folders():
    for service in _compose()["services"].values():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).is_dir(), f"mount source {source} missing"


def test_no_secret_defaults_and_every_variable_documented():
    text = COMPOSE.read_text()
    readme = (REPO / "README.md").read_text()
    for secret in ("POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY",
                   "AIRFLOW_ADMIN_PASSWORD"):
        uses = re.findall(r"\$\{" + secret + r"(:[?-][^}]*)?\}", text)
        assert uses and all(u.startswith(":?") for u in uses), f"{secret} must be required, never defaulted"
    for variable in set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text)):  # $${X} is the container's own
        assert variable in readme, f"${{{variable}}} is not documented in the README"


def test_image_installs_the_lock():
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "uv export --frozen" in dockerfile and "_PIP_ADDITIONAL_REQUIREMENTS" not in _compose().__repr__()
