"""Data the console tests look at: a series with a spike stored as an anomaly, a firing alert."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from vigil.alerting.config import AlertingConfig
from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.services import alerting as alerting_svc
from vigil.services.ingest import ingest
from vigil.storage.anomalies_repo import insert_anomalies
from vigil.storage.database import Database
from vigil.storage.models import AnomalyRow

STEP = 60.0


@dataclass(frozen=True)
class SeededSeries:
    """A series of `points` minutes ending now, with one stored anomaly at the spike."""

    series_id: int
    anomaly_id: int
    spike_ts: float
    spike_value: float


def seed_series(db: Database, settings: Settings, name: str = "cpu_usage_percent",
                labels: dict[str, str] | None = None, points: int = 240,
                spike_index: int = 200, step: float = STEP) -> SeededSeries:
    """Ingest a smooth wave (one point a `step` s, ending now) with one spike, and store the
    spike as an anomaly."""
    end = math.floor(datetime.now(UTC).timestamp() / step) * step
    start = end - (points - 1) * step
    values = [50.0 + 5.0 * math.sin(i / 15.0) for i in range(points)]
    values[spike_index] = 97.0
    stamps = [start + i * step for i in range(points)]
    report = ingest(db, settings, [SeriesInput(name, labels or {"host": "web-1"},
                                               list(zip(stamps, values, strict=True)))])
    sid = report.series_ids[0]
    spike_ts = stamps[spike_index]
    when = datetime.fromtimestamp(spike_ts, UTC)
    with db.session() as session:
        insert_anomalies(session, [{
            "series_id": sid, "timestamp": when, "value": values[spike_index], "score": 0.99,
            "expected_value": 50.0, "expected_lower": 42.0, "expected_upper": 58.0,
            "severity": "critical", "detector": "vigil", "model_version": "console-test",
            "explanation": "far above the expected band", "status": "open",
            "created_at": datetime.now(UTC)}])
        anomaly_id = session.scalar(select(AnomalyRow.id).where(AnomalyRow.series_id == sid))
    assert anomaly_id is not None
    return SeededSeries(sid, int(anomaly_id), spike_ts, values[spike_index])


def fire_alert(db: Database, settings: Settings, labels: dict[str, str] | None = None) -> int:
    """A firing P1 alert (security_threats_detected > 0 with the default rules); its id."""
    now = datetime.now(UTC)
    labels = labels or {}
    ingest(db, settings, [SeriesInput("security_threats_detected", labels,
                                      [(now.timestamp(), 2.0)])])
    alerting_svc.evaluate_alerts(db, Settings(), AlertingConfig(), now)
    [alert] = [a for a in alerting_svc.list_alerts(db, ["firing"])
               if all(a.labels.get(k) == v for k, v in labels.items())
               and set(labels) <= set(a.labels)][:1] or [None]
    assert alert is not None and alert.id is not None
    return alert.id


def seed_security(db: Database) -> None:
    """Two findings (CRITICAL django, LOW jinja2) from one scan of `shop`, and two threats."""
    from vigil.storage import security_repo, threats_repo
    from vigil.storage.security_repo import FindingRecord

    now = datetime.now(UTC)
    with db.session() as session:
        scan = security_repo.start_scan(session, "shop", "scheduled", now)
        security_repo.sync_findings(session, "shop", [
            FindingRecord("django", "2.2.5", "PyPI", "PYSEC-2099-1", [], "CRITICAL", 9.8,
                          "SQL injection in QuerySet", ["2.2.28"], "requirements.txt:1"),
            FindingRecord("jinja2", "3.0.0", "PyPI", "PYSEC-2099-2", [], "LOW", 3.1,
                          "Attribute injection", ["3.1.3"], "requirements.txt:2")], scan, now)
        security_repo.finish_scan(session, scan, now, "ok", packages=12, findings=2)
        for ip, priority in (("203.0.113.7", "P1"), ("198.51.100.9", "P3")):
            threats_repo.upsert_threats(session, [{
                "type": "ssh_brute_force", "source_ip": ip, "first_seen": now.isoformat(),
                "last_seen": now.isoformat(), "count": 40, "technique": "T1110",
                "priority": priority, "rule": "ssh_bruteforce", "targets": ["root"],
                "evidence": ["Failed password for root"], "details": {}}], "api", now)
