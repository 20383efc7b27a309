"""Shared helpers of the model-lifecycle tests: series with stored anomalies."""

from __future__ import annotations

from datetime import UTC, datetime

from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.services.ingest import ingest
from vigil.storage.anomalies_repo import insert_anomalies
from vigil.storage.database import Database


def series_with_anomalies(db: Database, settings: Settings, name: str, timestamps: list[float],
                          model_version: str = "vigil-test") -> tuple[int, list[int]]:
    """A series holding one point per timestamp, each stored as an anomaly; (series, ids)."""
    report = ingest(db, settings, [SeriesInput(name, {"env": "prod"},
                                               [(t, 100.0) for t in timestamps])])
    sid = report.series_ids[0]
    return sid, store_anomalies(db, sid, timestamps, model_version)


def store_anomalies(db: Database, sid: int, timestamps: list[float],
                    model_version: str = "vigil-test") -> list[int]:
    """Store an anomaly of series `sid` at each timestamp; their ids, oldest first."""
    rows: list[dict[str, object]] = [
        {"series_id": sid, "timestamp": datetime.fromtimestamp(t, UTC), "value": 100.0,
         "score": 0.95, "expected_value": 50.0, "expected_lower": 40.0, "expected_upper": 60.0,
         "severity": "critical", "detector": "vigil", "model_version": model_version,
         "explanation": "test", "status": "open", "created_at": datetime.now(UTC)}
        for t in timestamps]
    with db.session() as session:
        insert_anomalies(session, rows)
        from sqlalchemy import select

        from vigil.storage.models import AnomalyRow

        stamps = [datetime.fromtimestamp(t, UTC) for t in timestamps]
        return list(session.scalars(select(AnomalyRow.id).where(
            AnomalyRow.series_id == sid, AnomalyRow.timestamp.in_(stamps))
            .order_by(AnomalyRow.timestamp)))
