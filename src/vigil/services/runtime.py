"""Everything that runs beside the API in one process: the scheduler, its jobs, and the
hand-offs between services (new points to the detection worker, auth failures to the
threat monitor), and the PromQL source poller's thread.

Later services register their jobs in `register_jobs`; adapters call `ingest`,
`remote_write` and `auth_failed` instead of wiring services together themselves.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from vigil.config import OperatorConfig, Settings
from vigil.core.ingest import SeriesInput
from vigil.security.threats import Threat
from vigil.services import alerting, vuln_scans
from vigil.services.detection_worker import DetectionWorker
from vigil.services.ingest import IngestReport, ingest
from vigil.services.lifecycle_jobs import register_lifecycle_jobs
from vigil.services.predictions import forecasting_job
from vigil.services.remote_write import RemoteWriteReport, receive_remote_write
from vigil.services.reports import JOB_INTERVAL_SECONDS, JOB_NAME, reports_job
from vigil.services.retention import apply_retention
from vigil.services.scheduler import Scheduler
from vigil.services.self_metrics import SelfMetrics
from vigil.services.sources.poller import SourcePoller
from vigil.services.threats import AuthFailureMonitor
from vigil.storage.database import Database
from vigil.telemetry.metrics import INGEST_POINTS, RETENTION_DELETED


class Runtime:
    """Owns the scheduler and the background jobs of one Vigil process."""

    def __init__(self, db: Database, settings: Settings, config: OperatorConfig) -> None:
        self.db = db
        self.settings = settings
        self.config = config
        self.scheduler = Scheduler(db)
        self.detection = DetectionWorker(db, config.detection)
        self.sources = SourcePoller(db, config.sources, config.detection.partitions)
        self.self_metrics = SelfMetrics()
        self.auth_monitor = AuthFailureMonitor(db, config.threats)
        self.register_jobs()

    def register_jobs(self) -> None:
        """Register every scheduled job with its interval."""
        self.scheduler.register("retention", 3600.0, self._retention, delay=60.0)
        self.scheduler.register("self_metrics", 15.0, self._self_metrics, delay=5.0,
                                exclusive=False)
        self.scheduler.register(alerting.EVALUATION_JOB,
                                alerting.evaluation_interval_seconds(self.config.alerting),
                                alerting.alerting_job(self.db, self.settings, self.config.alerting),
                                delay=10.0)
        self.scheduler.register("alert_history_prune", 86_400.0,
                                lambda now: alerting.prune_history(self.db, now), delay=300.0)
        register_lifecycle_jobs(self.scheduler, self.db, self.settings, self.config)
        forecasting = self.config.forecasting
        if forecasting.targets or forecasting.slos:
            self.scheduler.register("forecasting", forecasting.interval.total_seconds(),
                                    forecasting_job(self.db, forecasting), delay=20.0)
        reports = self.config.analytics.reports
        if reports.daily or reports.weekly:
            self.scheduler.register(JOB_NAME, JOB_INTERVAL_SECONDS,
                                    reports_job(self.db, self.settings, self.config), delay=90.0)
        scanning = self.config.vulnerability_scanning
        self.scheduler.register("vulnerability_scans", scanning.interval_minutes * 60.0,
                                vuln_scans.scheduled_scan_job(self.db, self.settings, self.config),
                                delay=120.0)
        if scanning.advisories_path:
            self.scheduler.register("advisory_update", scanning.advisories_interval_hours * 3600.0,
                                    self._advisory_update, delay=30.0)

    def ingest(self, batch: list[SeriesInput]) -> IngestReport:
        """Store a batch (valid points; rejected ones reported) and hand it to detection."""
        report = ingest(self.db, self.settings, batch)
        self._ingested(report)
        return report

    def remote_write(self, body: bytes) -> RemoteWriteReport:
        """Store a Prometheus remote_write body and hand its points to detection.

        Raises `RemoteWriteError` (nothing stored) when the body cannot be decoded.
        """
        report = receive_remote_write(self.db, self.settings, self.config.remote_write, body)
        self._ingested(report.ingest)
        return report

    def auth_failed(self, context: dict[str, Any]) -> Threat | None:
        """Feed one AUTH_FAILED event to the live brute-force monitor."""
        return self.auth_monitor(context)

    def _ingested(self, report: IngestReport) -> None:
        """Count an ingest's outcome and tell the detection worker about new points."""
        INGEST_POINTS.labels("accepted").inc(report.accepted)
        INGEST_POINTS.labels("duplicate").inc(report.duplicates)
        INGEST_POINTS.labels("rejected").inc(len(report.rejected))
        if report.accepted:
            self.detection.notify(report)

    def _retention(self, now: datetime) -> str:
        deleted = apply_retention(self.db, self.settings.retention_days,
                                  self.settings.retention_batch_size, now)
        RETENTION_DELETED.inc(deleted)
        return f"deleted {deleted} samples"

    def _advisory_update(self, now: datetime) -> str:
        path = Path(self.config.vulnerability_scanning.advisories_path or "")
        result = vuln_scans.import_advisories(self.db, path, now)
        return (f"advisories from {path}: {result.stored} stored, {result.unchanged} unchanged, "
                f"{result.withdrawn} withdrawn, {len(result.errors)} errors, {result.total} in all")

    def _self_metrics(self, now: datetime) -> str:
        report = self.self_metrics.record(self.db, self.settings, now.timestamp())
        return f"recorded {report.accepted} points"

    def start(self) -> None:
        """Start background work (when enabled in the settings)."""
        if self.settings.scheduler_enabled:
            self.scheduler.start()
        self.detection.start()
        self.sources.start()

    def stop(self) -> None:
        """Stop background work."""
        self.scheduler.stop()
        self.detection.stop()
        self.sources.stop()
