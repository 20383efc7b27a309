"""Read queries of the web console: cheap aggregates (counts over indexed columns, LIMITs).

The overview must answer in a few hundred milliseconds over millions of anomalies, so
every query here is a grouped count over an indexed range or a short, limited list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.types import Priority, Severity
from vigil.storage.models import AnomalyRow, SampleRow, SeriesRow
from vigil.storage.models_alerting import AlertRow
from vigil.storage.models_threats import ThreatRow
from vigil.storage.series_repo import SeriesRecord
from vigil.storage.series_repo import _label_clause as label_clause

OPEN_STATES = ("pending", "firing", "acknowledged")


def open_alert_counts(session: Session) -> dict[tuple[str, str], int]:
    """Open alerts per (state, priority)."""
    stmt = (select(AlertRow.state, AlertRow.priority, func.count())
            .where(AlertRow.state.in_(OPEN_STATES))
            .group_by(AlertRow.state, AlertRow.priority))
    return {(str(getattr(state, "value", state)), Priority(priority).value): int(n)
            for state, priority, n in session.execute(stmt)}


def anomaly_counts_since(session: Session, since: datetime) -> dict[str, int]:
    """Anomalies detected at or after `since`, per severity."""
    stmt = (select(AnomalyRow.severity, func.count())
            .where(AnomalyRow.timestamp >= since).group_by(AnomalyRow.severity))
    return {Severity(sev).value: int(n) for sev, n in session.execute(stmt)}


def top_anomalous_series(session: Session, since: datetime,
                         limit: int) -> list[tuple[SeriesRecord, int]]:
    """The series with the most anomalies since `since`, most first, with their counts."""
    counts = (select(AnomalyRow.series_id.label("series_id"), func.count().label("n"))
              .where(AnomalyRow.timestamp >= since).group_by(AnomalyRow.series_id)
              .order_by(func.count().desc(), AnomalyRow.series_id).limit(limit).subquery())
    stmt = (select(SeriesRow, counts.c.n).join(counts, counts.c.series_id == SeriesRow.id)
            .order_by(counts.c.n.desc(), SeriesRow.id))
    return [(SeriesRecord(row.id, row.name, dict(row.labels), row.created_at), int(n))
            for row, n in session.execute(stmt)]


def threat_counts_since(session: Session, since: datetime) -> dict[str, int]:
    """Threats detected at or after `since`, per priority."""
    stmt = (select(ThreatRow.priority, func.count()).where(ThreatRow.detected_at >= since)
            .group_by(ThreatRow.priority))
    return {Priority(p).value: int(n) for p, n in session.execute(stmt)}


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_series(session: Session, name_contains: str, label_filters: dict[str, str],
                  limit: int) -> list[SeriesRecord]:
    """Series whose name contains the text (any case) and that carry every label pair."""
    stmt = select(SeriesRow)
    text = name_contains.strip().replace("\x00", "")
    if text:
        stmt = stmt.where(func.lower(SeriesRow.name).like(
            f"%{_like_escape(text.lower())}%", escape="\\"))
    for key, value in label_filters.items():
        stmt = stmt.where(label_clause(key, value))
    rows = session.scalars(stmt.order_by(SeriesRow.name, SeriesRow.id).limit(limit))
    return [SeriesRecord(r.id, r.name, dict(r.labels), r.created_at) for r in rows]


def latest_point_ts(session: Session, series_id: int) -> float | None:
    """The timestamp of a series' newest point (None without points)."""
    value = session.scalar(select(func.max(SampleRow.ts)).where(SampleRow.series_id == series_id))
    return None if value is None else float(value)


def newest_points(session: Session, series_id: int, start: float,
                  limit: int) -> list[tuple[float, float]]:
    """The newest `limit` points of a series at or after `start`, oldest first."""
    stmt = (select(SampleRow.ts, SampleRow.value)
            .where(SampleRow.series_id == series_id, SampleRow.ts >= start)
            .order_by(SampleRow.ts.desc()).limit(limit))
    rows = [(float(t), float(v)) for t, v in session.execute(stmt)]
    rows.reverse()
    return rows
