"""Vigil's own runbook metrics become series alert rules can evaluate."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from vigil.config import Settings
from vigil.services.self_metrics import SelfMetrics
from vigil.storage import series_repo
from vigil.storage.database import Database


def test_counters_become_increases_over_the_window(db: Database, settings: Settings) -> None:
    registry = CollectorRegistry()
    threats = Counter("security_threats_detected", "t", ["type"], registry=registry)
    lag = Gauge("data_processing_lag", "l", registry=registry)
    inference = Histogram("model_inference_time", "i", registry=registry)
    findings = Gauge("vigil_security_findings", "f", ["severity"], registry=registry)
    findings.labels("HIGH").set(7)
    findings.labels("CRITICAL").set(2)
    new_critical = Counter("vigil_security_new_critical_findings", "n", registry=registry)
    metrics = SelfMetrics(registry=registry, window=100.0)
    lag.set(3.5)
    first = metrics.points(1000.0)
    assert first["security_threats_detected"] == 0.0 and first["data_processing_lag"] == 3.5
    threats.labels("ssh_brute_force").inc(2)
    threats.labels("web_scan").inc()
    inference.observe(0.2)
    inference.observe(0.4)
    new_critical.inc()  # one new critical while two are open
    second = metrics.points(1050.0)
    assert second["security_threats_detected"] == 3.0
    assert abs(second["model_inference_time"] - 0.3) < 1e-9
    assert second["security_critical_findings"] == 2.0
    assert second["security_new_critical_findings"] == 1.0
    assert first["security_new_critical_findings"] == 0.0
    third = metrics.points(1200.0)  # window passed: no new threat, no new critical
    assert third["security_threats_detected"] == 0.0
    assert third["security_new_critical_findings"] == 0.0
    assert third["security_critical_findings"] == 2.0  # still open

    report = metrics.record(db, settings, now=1_795_000_000.0)
    assert report.accepted == 5
    with db.session() as session:
        names = {s.name for s in series_repo.list_series(session, None, {"job": "vigil"}, 0, 50)}
    assert names == {"security_threats_detected", "vulnerability_scan_failures",
                     "data_processing_lag", "security_critical_findings",
                     "security_new_critical_findings"}
