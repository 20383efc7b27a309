"""The model lifecycle's scheduled jobs: feedback quality metrics and retraining."""

from __future__ import annotations

from vigil.config import OperatorConfig, Settings
from vigil.services import model_quality
from vigil.services.scheduler import Scheduler
from vigil.storage.database import Database

QUALITY_JOB = "model_quality"
RETRAIN_JOB = "ml-training-pipeline"


def register_lifecycle_jobs(scheduler: Scheduler, db: Database, settings: Settings,
                            config: OperatorConfig) -> None:
    """Register the quality-metrics job and (when an interval is set) scheduled retraining."""
    cfg = config.detection.lifecycle
    scheduler.register(QUALITY_JOB, cfg.metrics_interval_seconds,
                       lambda now: model_quality.quality_job(db, settings, cfg, now), delay=20.0)
    if cfg.retrain_interval_hours > 0 and config.detection.watch:
        from vigil.services import retraining

        scheduler.register(RETRAIN_JOB, cfg.retrain_interval_hours * 3600.0,
                           lambda now: retraining.retrain_job(db, settings, config, now),
                           delay=600.0)
