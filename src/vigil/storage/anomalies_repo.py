"""Stored anomalies: write detections, list them with filters, change their status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vigil.core.types import Severity
from vigil.storage.models import AnomalyRow


@dataclass(frozen=True, slots=True)
class AnomalyRecord:
    """One stored anomaly."""

    id: int
    series_id: int
    timestamp: datetime
    value: float
    score: float
    expected_value: float | None
    expected_lower: float | None
    expected_upper: float | None
    severity: str
    detector: str
    model_version: str
    explanation: str | None
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AnomalyFilter:
    """Filters of the anomaly listing; None means any."""

    series_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
    severity: str | None = None
    status: str | None = None


def _record(row: AnomalyRow) -> AnomalyRecord:
    return AnomalyRecord(row.id, row.series_id, row.timestamp, row.value, row.score,
                         row.expected_value, row.expected_lower, row.expected_upper,
                         Severity(row.severity).value, row.detector, row.model_version,
                         row.explanation, row.status, row.created_at)


def insert_anomalies(session: Session, rows: Sequence[dict[str, object]]) -> int:
    """Store anomalies, ignoring ones already stored for (series, timestamp, detector)."""
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(AnomalyRow).values(list(rows)).on_conflict_do_nothing(
        index_elements=["series_id", "timestamp", "detector"]).returning(AnomalyRow.id)
    return len(session.execute(stmt).all())


def list_anomalies(session: Session, filt: AnomalyFilter, after_id: int | None,
                   limit: int) -> list[AnomalyRecord]:
    """Anomalies matching the filter, newest first, before a cursor id."""
    stmt = select(AnomalyRow)
    if filt.series_id is not None:
        stmt = stmt.where(AnomalyRow.series_id == filt.series_id)
    if filt.start is not None:
        stmt = stmt.where(AnomalyRow.timestamp >= filt.start)
    if filt.end is not None:
        stmt = stmt.where(AnomalyRow.timestamp <= filt.end)
    if filt.severity is not None:
        stmt = stmt.where(AnomalyRow.severity == filt.severity)
    if filt.status is not None:
        stmt = stmt.where(AnomalyRow.status == filt.status)
    if after_id is not None:
        stmt = stmt.where(AnomalyRow.id < after_id)
    rows = session.scalars(stmt.order_by(AnomalyRow.id.desc()).limit(limit))
    return [_record(r) for r in rows]


def set_status(session: Session, anomaly_id: int, status: str) -> AnomalyRecord | None:
    """Change an anomaly's status; None when it does not exist."""
    row = session.get(AnomalyRow, anomaly_id)
    if row is None:
        return None
    row.status = status
    session.flush()
    return _record(row)
