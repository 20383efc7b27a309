"""deploy/prometheus and deploy/alertmanager: valid for promtool/amtool, runbook thresholds.

promtool and amtool come from the Debian packages `prometheus` and
`prometheus-alertmanager` (scripts/install-system-deps.sh). When missing, the tests
that need them are skipped loudly, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).parents[3] / "deploy"
RULES = DEPLOY / "prometheus" / "rules.yml"
IN_CI = os.environ.get("CI", "").lower() == "true"

# The runbook: metric, comparison, threshold, severity, priority.
RUNBOOK = [
    ("cpu_usage_percent", ">", "80", "warning", "P3"),
    ("cpu_usage_percent", ">", "90", "critical", "P2"),
    ("memory_usage_percent", ">", "85", "warning", "P3"),
    ("memory_usage_percent", ">", "95", "critical", "P2"),
    ("error_rate", ">", "0.05", "warning", "P3"),
    ("error_rate", ">", "0.10", "critical", "P2"),
    ("response_time_p95", ">", "2", "warning", "P3"),
    ("response_time_p95", ">", "5", "critical", "P2"),
    ("anomaly_detection_accuracy", "<", "0.85", "warning", "P3"),
    ("model_inference_time", ">", "1", "warning", "P3"),
    ("false_positive_rate", ">", "0.1", "warning", "P3"),
    ("vulnerability_scan_failures", ">", "0", "critical", "P1"),
    ("security_threats_detected", ">", "0", "critical", "P1"),
    ("authentication_failure_rate", ">", "0.05", "warning", "P3"),
    ("data_quality_score", "<", "0.9", "warning", "P3"),
    ("data_processing_lag", ">", "300", "warning", "P3"),
]


def tool(name: str) -> str:
    """Path of a Prometheus tool; skip loudly (fail under CI=true) when it is missing."""
    path = shutil.which(name)
    if path is None:
        message = (f"{name} is not installed (run scripts/install-system-deps.sh); "
                   "tests that need it are SKIPPED")
        if IN_CI:
            pytest.fail(f"{name} is required under CI=true")
        warnings.warn(message, stacklevel=2)
        pytest.skip(message)
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a tool and return its result (output kept for the assertion message)."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False)


def all_rules() -> list[dict[str, Any]]:
    """Every rule of rules.yml."""
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"]]


def first_comparison(expr: str) -> str:
    """`metric > 5` of `metric > 5 or increase(metric_total[15m]) > 0`."""
    return expr.strip().split(" or ", 1)[0].strip()


def test_every_runbook_threshold_is_a_rule_with_its_priority() -> None:
    by_expr = {first_comparison(rule["expr"]): rule for rule in all_rules()}
    for metric, op, threshold, severity, priority in RUNBOOK:
        rule = by_expr.get(f"{metric} {op} {threshold}")
        assert rule is not None, f"no rule for {metric} {op} {threshold}"
        assert rule["labels"]["severity"] == severity, rule["alert"]
        assert rule["labels"]["priority"] == priority, rule["alert"]


def test_rules_agree_with_the_in_vigil_defaults() -> None:
    """Every shipped in-Vigil threshold rule has a Prometheus rule on the same metric,
    threshold and severity, with the priority Vigil would give it."""
    from vigil.alerting.config import AlertingConfig
    from vigil.alerting.priority import PriorityMapper

    cfg = AlertingConfig.model_validate({})
    assert cfg.priorities is not None
    mapper = PriorityMapper(cfg.priorities)
    prom: dict[tuple[str, str, float, str], str] = {}
    for rule in all_rules():
        metric, op, threshold = first_comparison(rule["expr"]).rsplit(" ", 2)
        prom[(metric, op, float(threshold), rule["labels"]["severity"])] = \
            rule["labels"]["priority"]
    for vr in cfg.rules:
        if vr.metric == "up":  # ServiceDown is VigilDown (up{job="vigil"} == 0) there
            continue
        key = (vr.metric, vr.op, vr.threshold, vr.severity.value)
        assert key in prom, f"{vr.name} ({key}) has no Prometheus rule"
        labels = {**vr.labels, "alertname": vr.name, "severity": vr.severity.value}
        assert prom[key] == mapper.priority(labels).value, vr.name


def test_vigils_own_counters_and_histogram_are_used_as_exposed() -> None:
    """Vigil exposes vulnerability_scan_failures_total, security_threats_detected_total and
    a model_inference_time histogram: rules on the bare names alone never fire for it."""
    by_name = {rule["alert"]: rule["expr"] for rule in all_rules()}
    assert "increase(vulnerability_scan_failures_total[15m])" in \
        by_name["VulnerabilityScanFailures"]
    assert "increase(security_threats_detected_total[15m])" in \
        by_name["SecurityThreatsDetected"]
    assert "model_inference_time_count" in by_name["ModelInferenceSlow"]
    assert 'vigil_security_findings{severity="CRITICAL"}' in \
        by_name["CriticalVulnerabilityFound"]


def test_every_rule_has_for_priority_and_annotations() -> None:
    names = set()
    for rule in all_rules():
        assert rule["alert"] not in names
        names.add(rule["alert"])
        assert "for" in rule, rule["alert"]
        assert rule["labels"]["priority"] in {"P1", "P2", "P3", "P4"}
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert set(rule["annotations"]) >= {"summary", "description", "runbook_url"}


def test_promtool_checks_the_rules_and_the_example_config() -> None:
    promtool = tool("promtool")
    checked = run(promtool, "check", "rules", "rules.yml", cwd=RULES.parent)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(all_rules())} rules found" in checked.stdout
    config = run(promtool, "check", "config", "--syntax-only", "prometheus.yml",
                 cwd=RULES.parent)
    assert config.returncode == 0, config.stdout + config.stderr


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    promtool = tool("promtool")
    result = run(promtool, "test", "rules", "rules_test.yml", cwd=RULES.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_catch_a_wrong_threshold(tmp_path: Path) -> None:
    promtool = tool("promtool")
    shutil.copy(RULES.parent / "rules_test.yml", tmp_path)
    text = RULES.read_text(encoding="utf-8")
    (tmp_path / "rules.yml").write_text(
        text.replace("cpu_usage_percent > 90", "cpu_usage_percent > 99"), encoding="utf-8")
    result = run(promtool, "test", "rules", "rules_test.yml", cwd=tmp_path)
    assert result.returncode != 0
    assert "CriticalCPUUsage" in result.stdout + result.stderr


def test_alertmanager_example_config_is_valid() -> None:
    amtool = tool("amtool")
    result = run(amtool, "check-config", "alertmanager.yml", cwd=DEPLOY / "alertmanager")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("labels", "receiver"), [
    (["priority=P1", "severity=critical"], "pager-immediate"),
    (["priority=P2", "severity=critical"], "pager"),
    (["priority=P3", "severity=warning"], "team-chat"),
    (["priority=P4"], "ticket-queue"),
    (["alertname=Unlabelled"], "team-chat"),
])
def test_alertmanager_routes_by_priority(labels: list[str], receiver: str) -> None:
    amtool = tool("amtool")
    result = run(amtool, "config", "routes", "test", "--config.file=alertmanager.yml", *labels,
                 cwd=DEPLOY / "alertmanager")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver


def test_install_script_is_idempotent_when_the_tools_are_present() -> None:
    for name in ("prometheus", "promtool", "prometheus-alertmanager", "amtool"):
        tool(name)
    script = DEPLOY.parent / "scripts" / "install-system-deps.sh"
    result = run("sh", str(script), cwd=DEPLOY.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "already installed" in result.stdout
