"""The web console's overview: service health, open alerts, the last day's anomalies,
security and capacity headlines, as plain data in one short read.

Every number is a grouped count over an indexed column or a short limited list, so the
page stays fast with millions of anomalies and hundreds of thousands of alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vigil.alerting.lifecycle import Alert
from vigil.config import OperatorConfig, Settings
from vigil.core.types import Priority
from vigil.services.readiness import check_readiness
from vigil.services.vuln_scans.queries import list_scans
from vigil.storage import (
    alerting_repo,
    console_repo,
    jobs_repo,
    predictions_repo,
    scaling_repo,
    security_repo,
)
from vigil.storage.database import Database
from vigil.storage.predictions_repo import StoredPrediction
from vigil.storage.scaling_repo import StoredRecommendation
from vigil.storage.series_repo import SeriesRecord

URGENT_ALERTS = 8
TOP_SERIES = 5
PRIORITIES = [p.value for p in Priority]


@dataclass(frozen=True, slots=True)
class JobStatus:
    """How a scheduled job last ended."""

    name: str
    finished_at: datetime | None
    status: str | None
    detail: str | None


@dataclass
class Overview:
    """Everything the overview page shows."""

    now: datetime
    readiness: dict[str, Any]
    jobs: list[JobStatus]
    open_alerts: dict[str, dict[str, int]]
    urgent_alerts: list[Alert]
    anomalies_24h: dict[str, int]
    top_series: list[tuple[SeriesRecord, int]]
    open_findings: dict[str, int]
    last_scan: dict[str, Any] | None
    threats_24h: dict[str, int]
    predictions: list[StoredPrediction]
    scaling: list[tuple[str, StoredRecommendation | None]] = field(default_factory=list)

    @property
    def open_alert_total(self) -> int:
        """All open alerts (pending, firing and acknowledged)."""
        return sum(sum(states.values()) for states in self.open_alerts.values())

    @property
    def failing_jobs(self) -> list[JobStatus]:
        """Scheduled jobs whose last run did not end well."""
        return [j for j in self.jobs if j.status not in (None, "ok", "running")]


def _open_alerts_by_priority(counts: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    table = {p: {"pending": 0, "firing": 0, "acknowledged": 0} for p in PRIORITIES}
    for (state, priority), n in counts.items():
        table.setdefault(priority, {})[state] = n
    return table


def _urgency(alert: Alert) -> tuple[int, str, float]:
    firing_first = {"firing": 0, "pending": 1, "acknowledged": 2}.get(alert.state.value, 3)
    return (firing_first, alert.priority.value, -(alert.active_at.timestamp()))


def overview(db: Database, settings: Settings, config: OperatorConfig,
             now: datetime) -> Overview:
    """Gather the overview (health, alerts, anomalies, security, capacity) at `now`."""
    since = now - timedelta(hours=24)
    readiness = check_readiness(db, settings)
    jobs = [JobStatus(r.name, r.last_finished_at, r.last_status, r.last_detail)
            for r in jobs_repo.list_runs(db)]
    with db.session() as session:
        open_counts = console_repo.open_alert_counts(session)
        urgent = alerting_repo.list_alerts(session, list(console_repo.OPEN_STATES),
                                           URGENT_ALERTS * 4)
        anomalies = console_repo.anomaly_counts_since(session, since)
        top = console_repo.top_anomalous_series(session, since, TOP_SERIES)
        findings = security_repo.open_counts_by_severity(session)
        threats = console_repo.threat_counts_since(session, since)
        predictions = predictions_repo.active_predictions(session, now.timestamp())
        scaling = [(t.name, next(iter(scaling_repo.history(session, t.name, 1)), None))
                   for t in config.scaling.targets]
    scans = list_scans(db, limit=1)
    predictions.sort(key=lambda p: (p.seconds_to_breach is None, p.seconds_to_breach or 0.0))
    return Overview(now, readiness, jobs, _open_alerts_by_priority(open_counts),
                    sorted(urgent, key=_urgency)[:URGENT_ALERTS], anomalies, top, findings,
                    scans[0] if scans else None, threats, predictions[:5], scaling)
