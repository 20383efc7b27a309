"""Kubernetes manifest checks on fixtures written for them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from vigil.cli.audit import app
from vigil.core.types import Severity
from vigil.security.audit import audit_manifests, load_manifests
from vigil.security.audit.k8s import CHECKS
from vigil.security.sarif import compliance_log

FIXTURES = Path(__file__).parents[3] / "fixtures" / "audit"
runner = CliRunner()


def _audit(*files: Path) -> list:  # type: ignore[type-arg]
    manifests, errors = load_manifests((str(f), f.read_text()) for f in files)
    return errors + audit_manifests(manifests)


def _ids(findings: list, resource: str) -> set[str]:  # type: ignore[type-arg]
    return {f.check_id for f in findings if f.resource == resource}


def test_a_hardened_deployment_passes_every_check() -> None:
    assert _audit(FIXTURES / "good" / "app.yaml") == []


def test_cronjob_template_and_init_containers_are_checked() -> None:
    findings = _audit(FIXTURES / "bad" / "workloads.yaml")
    ids = _ids(findings, "CronJob/default/report")
    assert {"K8S001", "K8S003", "K8S006", "K8S008", "K8S009", "K8S010", "K8S011", "K8S015",
            "K8S018", "K8S019", "K8S020", "K8S023"} <= ids
    # Jobs are not long-running: no probe findings; CronJobs need no PDB.
    assert not ids & {"K8S016", "K8S017", "K8S021", "K8S022"}
    privileged = [f for f in findings if f.check_id == "K8S001"]
    assert privileged[0].path == \
        "spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged"
    caps = next(f for f in findings if f.check_id == "K8S006")
    assert "NET_ADMIN" in caps.message and "CHOWN" not in caps.message
    assert caps.severity is Severity.CRITICAL and caps.line == 1


def test_list_items_are_expanded_and_host_namespaces_flagged() -> None:
    findings = _audit(FIXTURES / "bad" / "workloads.yaml")
    ids = _ids(findings, "DaemonSet/kube-system/agent")
    assert {"K8S007", "K8S012", "K8S016", "K8S017"} <= ids
    # A tagged image, a non-default namespace, and no replica rule for DaemonSets.
    assert not ids & {"K8S015", "K8S020", "K8S021"}


def test_deployment_replicas_pdb_and_network_policy_are_cross_checked() -> None:
    text = (FIXTURES / "good" / "app.yaml").read_text()
    only_deployment = text.split("---")[0].replace("replicas: 3", "replicas: 1")
    manifests, _ = load_manifests([("d.yaml", only_deployment)])
    ids = {f.check_id for f in audit_manifests(manifests)}
    assert ids == {"K8S021", "K8S022", "K8S023"}


def test_unparseable_yaml_is_a_finding() -> None:
    findings = _audit(FIXTURES / "bad" / "broken.yml")
    assert [f.check_id for f in findings] == ["K8S000"]


def test_sarif_has_rules_and_locations() -> None:
    findings = _audit(FIXTURES / "bad" / "workloads.yaml")
    sarif = compliance_log(findings, {k: v[1] for k, v in CHECKS.items()})
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert len(run["results"]) == len(findings)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    first = run["results"][0]
    assert rule_ids[first["ruleIndex"]] == first["ruleId"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "workloads.yaml")
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}


def test_cli_exit_codes_and_formats(tmp_path: Path) -> None:
    good = runner.invoke(app, ["k8s", str(FIXTURES / "good"), "--format", "json"])
    assert good.exit_code == 0 and json.loads(good.stdout)["findings"] == []
    bad = runner.invoke(app, ["k8s", str(FIXTURES / "bad"), "--format", "json"])
    assert bad.exit_code == 1
    summary = json.loads(bad.stdout)["summary"]
    assert summary["critical"] >= 6
    only_critical = runner.invoke(app, ["k8s", str(FIXTURES / "bad"), "--fail-on", "critical",
                                        "--skip", "K8S001", "--skip", "K8S006", "--skip",
                                        "K8S007", "--skip", "K8S008", "--skip", "K8S009",
                                        "--skip", "K8S011", "--format", "sarif"])
    assert only_critical.exit_code == 0
    assert runner.invoke(app, ["k8s", str(tmp_path / "nope")]).exit_code == 2


def test_odd_yaml_is_a_finding_or_a_usage_error_never_a_traceback(tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\n"
                      "data:\n  pw: !vault |\n    abc\n")
    malformed = tmp_path / "malformed.yaml"
    malformed.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n"
                         "spec: [1, 2]\n---\nkind: 5\n---\n- a list\n---\n"
                         "apiVersion: apps/v1\nkind: Deployment\nmetadata: [x]\nspec: {}\n")
    findings = _audit(tagged, malformed)
    assert [(f.check_id, f.resource) for f in findings] == [
        ("K8S000", str(tagged)), ("K8S000", "Pod/a/p"), ("K8S000", "Deployment/?/?")]
    result = runner.invoke(app, ["k8s", str(malformed), "--format", "json"])
    assert result.exit_code == 1 and "K8S000" in result.stdout
    not_k8s = tmp_path / "values.yaml"
    not_k8s.write_text("---\nreplicaCount: 1\nimage: {tag: latest}\n---\n")
    result = runner.invoke(app, ["k8s", str(not_k8s)])
    assert result.exit_code == 2
    assert "no Kubernetes objects" in result.stderr


def test_a_bare_pod_not_covered_by_a_network_policy_points_at_its_labels() -> None:
    manifests, _ = load_manifests([("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: "
                                    "{name: p, namespace: a}\nspec: {containers: []}\n")])
    paths = {f.path for f in audit_manifests(manifests) if f.check_id == "K8S023"}
    assert paths == {"metadata.labels"}


def test_a_runtime_socket_written_with_a_trailing_slash_is_still_the_socket() -> None:
    manifests, _ = load_manifests([("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: "
                                    "{name: p, namespace: a}\nspec:\n  containers: []\n"
                                    "  volumes: [{name: d, hostPath: {path: "
                                    "/var/run/docker.sock/}}]\n")])
    ids = {f.check_id for f in audit_manifests(manifests)}
    assert "K8S011" in ids and "K8S010" not in ids


def test_replicas_left_to_an_hpa_use_its_min_replicas() -> None:
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n"
                  "spec:\n  selector: {matchLabels: {app: web}}\n  template:\n"
                  "    metadata: {labels: {app: web}}\n    spec: {containers: []}\n")

    def hpa(minimum: int) -> str:
        return ("---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: "
                "{name: web, namespace: a}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, "
                f"kind: Deployment, name: web}}\n  minReplicas: {minimum}\n  maxReplicas: 5\n")

    def k8s021(text: str) -> list[str]:
        manifests, _ = load_manifests([("d.yaml", text)])
        return [f.message for f in audit_manifests(manifests) if f.check_id == "K8S021"]

    assert k8s021(deployment + hpa(3)) == []
    assert k8s021(deployment + hpa(1)) != []
    assert k8s021(deployment) != []


def test_sarif_locations_are_valid_uris() -> None:
    from vigil.security.audit.findings import ComplianceFinding

    findings = [ComplianceFinding("K8S001", Severity.CRITICAL, "m", "Pod/a/p", "", f, 3)
                for f in ("/srv/k8s/app.yaml", "deploy/my dir/app.yaml")]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in compliance_log(findings, {})["runs"][0]["results"]]
    assert uris == ["file:///srv/k8s/app.yaml", "deploy/my%20dir/app.yaml"]


def test_a_kustomization_file_is_not_audited_as_a_resource() -> None:
    manifests, errors = load_manifests([("kustomization.yaml",
                                         "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                                         "kind: Kustomization\nnamespace: shop\n"
                                         "resources: [app.yaml]\n")])
    assert manifests == [] and errors == []


def test_names_that_look_like_rich_markup_are_shown_literally(tmp_path: Path) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: '[/x]p', namespace: a}\n"
                        "spec:\n  containers: [{name: '[/red]c', image: 'x:1'}]\n")
    result = runner.invoke(app, ["k8s", str(manifest)])
    assert result.exit_code == 1, result.output
    assert "Pod/a/[/x]p" in result.stdout and "[/red]c" in result.stdout


def test_a_service_account_that_opts_out_of_token_mounting_covers_its_pods() -> None:
    def k8s019(account: str, pod_mount: str = "") -> bool:
        text = ("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet, namespace: a}\n"
                "automountServiceAccountToken: false\n---\napiVersion: v1\nkind: Pod\n"
                f"metadata: {{name: p, namespace: a}}\nspec:\n  serviceAccountName: {account}\n"
                f"{pod_mount}  containers: []\n")
        manifests, _ = load_manifests([("p.yaml", text)])
        return any(f.check_id == "K8S019" for f in audit_manifests(manifests))

    assert not k8s019("quiet")
    assert k8s019("quiet", "  automountServiceAccountToken: true\n")
    assert k8s019("other")
