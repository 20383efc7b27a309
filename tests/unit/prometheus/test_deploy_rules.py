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


# Groups evaluated by Vigil's forecasting service, not by threshold rules of defaults.py.
NOT_THRESHOLD_GROUPS = {"vigil-predictive"}


def all_rules() -> list[dict[str, Any]]:
    """Every alerting rule of rules.yml (recording rules are left out)."""
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


def threshold_rules() -> list[dict[str, Any]]:
    """The alerting rules that mirror Vigil's threshold rules (alerting/defaults.py)."""
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] if group["name"] not in NOT_THRESHOLD_GROUPS
            for rule in group["rules"] if "alert" in rule]


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


def prometheus_vocabulary(rules: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(alertname, severity) → for, condition, category and priority of rules.yml's rules."""
    from vigil.alerting.durations import parse_duration

    out: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in rules:
        metric, op, threshold = first_comparison(rule["expr"]).rsplit(" ", 2)
        key = (rule["alert"], rule["labels"]["severity"])
        assert key not in out, f"{key} is defined twice in rules.yml"
        out[key] = {"for": parse_duration(rule.get("for", "0s")), "metric": metric, "op": op,
                    "threshold": float(threshold),
                    "category": rule["labels"].get("category"),
                    "priority": rule["labels"].get("priority")}
    return out


def vigil_vocabulary(rules: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The same view of Vigil's threshold rules, priority from Vigil's own mapping."""
    from vigil.alerting.config import AlertingConfig, ThresholdRuleConfig
    from vigil.alerting.priority import PriorityMapper

    priorities = AlertingConfig.model_validate({}).priorities
    assert priorities is not None
    mapper = PriorityMapper(priorities)
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in rules:
        vr = ThresholdRuleConfig.model_validate(raw)
        key = (vr.name, vr.severity.value)
        assert key not in out, f"{key} is defined twice in defaults.py"
        labels = {**vr.labels, "alertname": vr.name, "severity": vr.severity.value}
        selector = "{" + ", ".join(vr.selector) + "}" if vr.selector else ""
        out[key] = {"for": vr.for_, "metric": vr.metric + selector, "op": vr.op,
                    "threshold": vr.threshold, "category": vr.labels.get("category"),
                    "priority": mapper.priority(labels).value}
    return out


def vocabulary_differences(prom: dict[tuple[str, str], dict[str, Any]],
                           vigil: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """Every way the two rule sets disagree, one line each."""
    diffs = [f"{name} ({sev}) is only in rules.yml"
             for name, sev in sorted(prom.keys() - vigil.keys())]
    diffs += [f"{name} ({sev}) is only in defaults.py"
              for name, sev in sorted(vigil.keys() - prom.keys())]
    for key in sorted(prom.keys() & vigil.keys()):
        diffs += [f"{key[0]} ({key[1]}) {field}: rules.yml {prom[key][field]!r}, "
                  f"defaults.py {vigil[key][field]!r}"
                  for field in prom[key] if prom[key][field] != vigil[key][field]]
    return diffs


def test_rules_yml_and_the_in_vigil_defaults_are_one_vocabulary() -> None:
    """deploy/prometheus/rules.yml and RULES of src/vigil/alerting/defaults.py define the same
    alerts: every (alertname, severity) on both sides, with the same `for`, metric,
    comparison, threshold, `category` and priority (rules.yml's label, Vigil's mapping); and
    deploy/alertmanager's inhibit_rules are Vigil's INHIBIT_RULES. Silences and inhibitions
    written for one then match the other."""
    from vigil.alerting.defaults import INHIBIT_RULES
    from vigil.alerting.defaults import RULES as VIGIL_RULES

    prom = prometheus_vocabulary(threshold_rules())
    vigil = vigil_vocabulary(VIGIL_RULES)
    assert vocabulary_differences(prom, vigil) == []
    assert ("HighCpuUsage", "critical") in prom and ("ServiceDown", "critical") in prom

    # The comparison sees a drifted `for:` and a renamed alert (it is not vacuous).
    drifted = [dict(rule) for rule in threshold_rules()]
    for rule in drifted:
        if rule["alert"] == "HighCpuUsage":
            if rule["labels"]["severity"] == "warning":
                rule["for"] = "17m"
            else:
                rule["alert"] = "CriticalCPUUsage"
    assert vocabulary_differences(prometheus_vocabulary(drifted), vigil) == [
        "CriticalCPUUsage (critical) is only in rules.yml",
        "HighCpuUsage (critical) is only in defaults.py",
        "HighCpuUsage (warning) for: rules.yml datetime.timedelta(seconds=1020), "
        "defaults.py datetime.timedelta(seconds=300)"]

    alertmanager = yaml.safe_load(
        (DEPLOY / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8"))
    assert alertmanager["inhibit_rules"] == INHIBIT_RULES


def test_vigils_own_counters_and_histogram_are_used_as_exposed() -> None:
    """Vigil exposes vulnerability_scan_failures_total, security_threats_detected_total,
    vigil_security_new_critical_findings_total and a model_inference_time histogram: rules
    on the bare names alone never fire for it."""
    by_name = {rule["alert"]: rule["expr"] for rule in all_rules()}
    assert "increase(vulnerability_scan_failures_total[15m])" in \
        by_name["VulnerabilityScanFailures"]
    assert "increase(security_threats_detected_total[15m])" in \
        by_name["SecurityThreatDetected"]
    assert "model_inference_time_count" in by_name["SlowModelInference"]
    assert 'vigil_security_findings{severity="CRITICAL"}' in \
        by_name["CriticalVulnerabilityFound"]
    assert "increase(vigil_security_new_critical_findings_total[15m])" in \
        by_name["NewCriticalVulnerability"]


def test_every_rule_has_for_priority_and_annotations() -> None:
    names = set()
    for rule in all_rules():  # a warning and a critical may share an alertname
        key = (rule["alert"], rule["labels"]["severity"])
        assert key not in names, key
        names.add(key)
        assert "for" in rule, rule["alert"]
        assert rule["labels"]["priority"] in {"P1", "P2", "P3", "P4"}
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert set(rule["annotations"]) >= {"summary", "description", "runbook_url"}


def test_promtool_checks_the_rules_and_the_example_config() -> None:
    promtool = tool("promtool")
    checked = run(promtool, "check", "rules", "rules.yml", cwd=RULES.parent)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    every = sum(len(group["rules"]) for group in doc["groups"])  # recording rules too
    assert f"SUCCESS: {every} rules found" in checked.stdout
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
    assert "HighCpuUsage" in result.stdout + result.stderr


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
