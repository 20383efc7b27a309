"""Data quality per watched series, computed by the detection worker (docs/model-lifecycle.md).

The worker calls `DataQualityMonitor.maybe_assess` for each series it owns; at most once
per `data_quality_interval_seconds` it scores the newest `data_quality_window_points`
points and the last day's ingest counts, stores the score with its components, and sets
`data_quality_score` and `vigil_data_quality_cost{component}` on /metrics.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from vigil.detection.lifecycle_config import ModelLifecycleConfig
from vigil.detection.quality import QualityReport, assess
from vigil.storage import detection_repo, lifecycle_repo
from vigil.storage.database import Database
from vigil.storage.detection_repo import SeriesInfo
from vigil.telemetry import lifecycle_metrics as m

COUNTS_WINDOW = 86_400.0


class DataQualityMonitor:
    """Scores the data quality of the series a worker owns, on its own interval."""

    def __init__(self, db: Database, cfg: ModelLifecycleConfig) -> None:
        self._db = db
        self._cfg = cfg
        self._last: dict[int, float] = {}

    def maybe_assess(self, info: SeriesInfo, now: float | None = None) -> QualityReport | None:
        """Assess a series unless it was assessed less than an interval ago."""
        now = time.time() if now is None else now
        last = self._last.get(info.id)
        if last is not None and now - last < self._cfg.data_quality_interval_seconds:
            return None
        self._last[info.id] = now
        return self.assess(info, now)

    def assess(self, info: SeriesInfo, now: float) -> QualityReport | None:
        """Score a series now, store the result and export it; None when it has no points."""
        with self._db.session() as session:
            ts, values = detection_repo.last_points(session, info.id, now + 86_400.0 * 365,
                                                    self._cfg.data_quality_window_points)
            if not ts:
                return None
            received, late, rejected = lifecycle_repo.ingest_totals(
                session, info.id, now - COUNTS_WINDOW)
            report = assess(ts, values, received, late, rejected, now)
            lifecycle_repo.save_quality(session, info.id, report.score, report.as_dict(),
                                        datetime.fromtimestamp(now, UTC))
        sid = str(info.id)
        m.DATA_QUALITY.labels(sid, info.name).set(report.score)
        for name, cost in report.components.items():
            m.DATA_QUALITY_COST.labels(sid, info.name, name).set(cost.cost)
        return report
