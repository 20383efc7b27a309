"""The kustomize tree renders offline, is schema-valid, passes Vigil's audit and carries the
runbook's names; every CronJob runs a `vigil` subcommand that exists."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support import service_missing

ROOT = Path(__file__).resolve().parents[3]
KUSTOMIZE = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("production", "blue", "green")
KUBERNETES_VERSION = "1.32"


def render(overlay: str) -> list[dict[str, Any]]:
    """`kubectl kustomize` of one overlay, as a list of objects."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        service_missing("kubectl (client, for `kubectl kustomize`)", "not on PATH")
    assert kubectl is not None
    out = subprocess.run([kubectl, "kustomize", str(KUSTOMIZE / "overlays" / overlay)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """Objects of one kind by name."""
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_manifest_is_schema_valid(overlay: str) -> None:
    import kubernetes_validate

    objects = render(overlay)
    assert objects
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_production_overlay_has_the_runbook_names() -> None:
    objects = render("production")
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] != "Namespace"} \
        == {"production"}
    deployments = by_kind(objects, "Deployment")
    assert {"anomaly-detection-api", "security-scanner", "anomaly-detection-worker"} \
        <= set(deployments)
    api = deployments["anomaly-detection-api"]
    assert api["spec"]["template"]["metadata"]["labels"]["app"] == "anomaly-detection-api"
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"},
                                      "limits": {"cpu": "1000m", "memory": "2Gi"}}
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    secret_refs = [e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]
                   if "valueFrom" in e]
    assert secret_refs == ["vigil-secrets"]
    assert "postgresql" in by_kind(objects, "StatefulSet")  # pod postgresql-0
    hpa = by_kind(objects, "HorizontalPodAutoscaler")["anomaly-detection-api"]["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (3, 20)
    assert hpa["metrics"][0]["resource"]["target"]["averageUtilization"] == 70
    assert {"security-scan", "security-update", "compliance-audit", "postgres-backup",
            "log-cleanup", "ml-training-pipeline"} <= set(by_kind(objects, "CronJob"))
    service = by_kind(objects, "Service")["anomaly-detection-api"]
    assert service["spec"]["selector"] == {"app": "anomaly-detection-api", "color": "blue"}
    assert by_kind(objects, "PodDisruptionBudget") and by_kind(objects, "NetworkPolicy")


def test_the_idle_colour_is_a_separate_deployment_the_service_can_switch_to() -> None:
    green = by_kind(render("green"), "Deployment")["anomaly-detection-api-green"]
    labels = green["spec"]["template"]["metadata"]["labels"]
    assert labels["app"] == "anomaly-detection-api" and labels["color"] == "green"
    blue = by_kind(render("blue"), "Deployment")["anomaly-detection-api"]
    assert blue["spec"]["template"]["metadata"]["labels"]["color"] == "blue"


def _vigil(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vigil.cli.main", *args],
                          capture_output=True, text=True, timeout=120)


def test_every_cronjob_runs_a_vigil_command_that_exists() -> None:
    jobs = by_kind(render("production"), "CronJob")
    for name, job in jobs.items():
        container = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        words = container.get("args", [])
        if container.get("command", [None])[0] == "/bin/sh":
            words = words[0].removeprefix("exec ").split()[1:]  # "vigil db backup ..."
        command = tuple(w for w in words[:2] if not w.startswith("-"))
        result = _vigil(*command, "--help")
        assert result.returncode == 0, (name, command, result.stderr)


def test_rendered_overlays_pass_vigils_own_audit(tmp_path: Path) -> None:
    for overlay in OVERLAYS:
        (tmp_path / f"{overlay}.yaml").write_text(yaml.safe_dump_all(render(overlay)))
    result = _vigil("audit", "k8s", str(tmp_path), "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["findings"] == []
