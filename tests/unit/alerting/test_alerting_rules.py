"""Threshold and anomaly rules over latest values; runbook defaults; config validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from vigil.alerting.config import AlertingConfig
from vigil.alerting.fingerprint import fingerprint
from vigil.alerting.matchers import Matcher
from vigil.alerting.priority import PriorityMapper
from vigil.alerting.rules import AnomalySignal, LatestSample, RuleSet, SeriesTable
from vigil.core.types import Priority, Severity

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CFG = AlertingConfig.model_validate({})
FRESH = NOW.timestamp() - 5


def evaluate(samples: list[LatestSample], cfg: AlertingConfig = CFG,
             signals: list[AnomalySignal] | None = None) -> dict[str, tuple[str, str]]:
    rules = RuleSet(cfg.rules, cfg.anomaly_rules)
    obs = rules.evaluate(SeriesTable(samples), signals or [], NOW, timedelta(minutes=10))
    return {o.labels["series"] + "/" + o.severity.value: (o.rule, o.annotations["summary"])
            for o in obs.values()}


def s(i: int, name: str, value: float, ts: float = FRESH, **labels: str) -> LatestSample:
    return LatestSample(i, name, labels, ts, value)


def test_runbook_thresholds() -> None:
    got = evaluate([
        s(1, "cpu_usage_percent", 85, host="a"), s(2, "cpu_usage_percent", 95, host="b"),
        s(3, "cpu_usage_percent", 80, host="c"), s(4, "error_rate", 0.07),
        s(5, "response_time_p95", 5.5), s(6, "anomaly_detection_accuracy", 0.80),
        s(7, "security_threats_detected", 1), s(8, "data_processing_lag", 301),
        s(9, "memory_usage_percent", 90), s(10, "data_quality_score", 0.95),
    ])
    assert set(got) == {
        'cpu_usage_percent{host="a"}/warning', 'cpu_usage_percent{host="b"}/warning',
        'cpu_usage_percent{host="b"}/critical', "error_rate/warning",
        "response_time_p95/warning", "response_time_p95/critical",
        "anomaly_detection_accuracy/warning", "security_threats_detected/critical",
        "data_processing_lag/warning", "memory_usage_percent/warning"}


def test_stale_series_do_not_fire_and_selector_filters() -> None:
    cfg = AlertingConfig.model_validate({"use_defaults": False, "rules": [
        {"name": "Hot", "metric": "temp", "selector": ['zone=~"eu-.*"'], "threshold": 50,
         "annotations": {"summary": "{series} at {value}"}}]})
    got = evaluate([s(1, "temp", 60, zone="eu-1"), s(2, "temp", 60, zone="us-1"),
                    s(3, "temp", 60, ts=NOW.timestamp() - 3600, zone="eu-2")], cfg)
    assert got == {'temp{zone="eu-1"}/warning': ("Hot", 'temp{zone="eu-1"} at 60')}


def test_anomaly_rule_reads_detections() -> None:
    sig = [AnomalySignal(1, "latency", {"svc": "api"}, NOW.timestamp() - 60, 0.97,
                         Severity.CRITICAL),
           AnomalySignal(2, "latency", {"svc": "db"}, NOW.timestamp() - 60, 0.6,
                         Severity.WARNING),
           AnomalySignal(3, "latency", {"svc": "old"}, NOW.timestamp() - 7200, 0.99,
                         Severity.CRITICAL)]
    got = evaluate([], signals=sig)
    assert list(got) == ['latency{svc="api"}/warning']


def test_fingerprint_is_label_order_independent() -> None:
    assert fingerprint({"a": "1", "b": "2"}) == fingerprint({"b": "2", "a": "1"})
    assert fingerprint({"a": "1"}) != fingerprint({"a": "2"})


def test_priority_mapping() -> None:
    pm = PriorityMapper(CFG.priorities)  # type: ignore[arg-type]
    assert pm.priority({"severity": "critical", "category": "security"}) is Priority.P1
    assert pm.priority({"severity": "critical", "category": "availability"}) is Priority.P1
    assert pm.priority({"severity": "critical", "category": "resource"}) is Priority.P2
    assert pm.priority({"severity": "warning"}) is Priority.P3
    assert pm.priority({"severity": "info"}) is Priority.P4


def test_unbalanced_quotes_in_a_matcher_are_refused() -> None:
    """Before: `a="b` was read as the unquoted value `"b` and silently matched nothing."""
    for text in ('a="b', 'a=b"', 'a=~"x'):
        with pytest.raises(ValueError, match="unbalanced quotes"):
            Matcher.parse(text)
    assert Matcher.parse("a=b").value == "b"


def test_matchers() -> None:
    assert Matcher.parse('a!~"x|y"').matches({"a": "z"})
    assert not Matcher.parse('a!~"x|y"').matches({"a": "x"})
    assert Matcher.parse('a=""').matches({})
    with pytest.raises(ValueError):
        Matcher.parse("a~b")


@pytest.mark.parametrize("bad, fragment", [
    ({"rules": [{"name": "x", "metric": "m", "threshold": 1, "for": "5 minutes"}]}, "duration"),
    ({"escalation_policies": {"p": {"levels": [{"targets": ["user:nobody"],
                                                 "timeout": "5m"}]}}}, "unknown user"),
    ({"routes": [{"receiver": "missing"}]}, "unknown receiver"),
    ({"receivers": {"w": {"type": "webhook"}}}, "needs a url"),
    ({"rules": [{"name": "x", "metric": "m", "threshold": 1, "bogus": 1}]}, "Extra inputs"),
])
def test_invalid_config_is_refused(bad: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        AlertingConfig.model_validate(bad)


def test_rule_cache_follows_series_labels_and_selector() -> None:
    cfg = AlertingConfig.model_validate({"use_defaults": False, "rules": [
        {"name": "Hot", "metric": "temp", "selector": ['zone="eu"'], "threshold": 50}]})
    rules = RuleSet(cfg.rules)

    def run(**labels: str) -> list[str]:
        obs = rules.evaluate(SeriesTable([s(1, "temp", 60, **labels)]), [], NOW,
                             timedelta(minutes=10))
        return [o.labels["series"] for o in obs.values()]

    assert run(zone="eu") == ['temp{zone="eu"}']
    assert run(zone="eu") == ['temp{zone="eu"}']  # from the cache
    assert run(zone="us") == []                    # same id, new labels: recomputed
