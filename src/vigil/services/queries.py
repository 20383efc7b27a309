"""Read-side application services for series, points and anomalies."""

from __future__ import annotations

from vigil.storage import anomalies_repo, keys_repo, series_repo
from vigil.storage.anomalies_repo import AnomalyFilter, AnomalyRecord
from vigil.storage.database import Database
from vigil.storage.series_repo import SeriesRecord


def series_page(db: Database, name: str | None, labels: dict[str, str], after_id: int,
                limit: int) -> list[SeriesRecord]:
    """One page of series matching the filters."""
    with db.session() as session:
        return series_repo.list_series(session, name, labels, after_id, limit)


def points_page(db: Database, series_id: int, start: float | None, end: float | None,
                after_ts: float | None, limit: int
                ) -> tuple[SeriesRecord, list[tuple[float, float]]] | None:
    """The series and one page of its points, or None when the series does not exist."""
    with db.session() as session:
        record = series_repo.get_series(session, series_id)
        if record is None:
            return None
        return record, series_repo.read_points(session, series_id, start, end, after_ts, limit)


def anomalies_page(db: Database, filt: AnomalyFilter, after_id: int | None,
                   limit: int) -> list[AnomalyRecord]:
    """One page of anomalies matching the filter."""
    with db.session() as session:
        return anomalies_repo.list_anomalies(session, filt, after_id, limit)


def set_anomaly_status(db: Database, anomaly_id: int, status: str,
                       actor: str) -> AnomalyRecord | None:
    """Change an anomaly's status and audit who did it."""
    with db.session() as session:
        record = anomalies_repo.set_status(session, anomaly_id, status)
        if record is not None:
            keys_repo.record_audit(session, actor, f"anomaly.{status}", f"anomaly:{anomaly_id}")
        return record
