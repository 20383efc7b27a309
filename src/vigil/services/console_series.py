"""The series explorer of the web console: search series, and one series as chart data.

The chart shows the points of a recent window, the expected band of the series'
detector recomputed causally over that window (the band the detector draws when it
scores those points), and the anomalies stored for the window, with their feedback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from vigil.detection.config import DetectionConfig
from vigil.services.detect import score_series
from vigil.services.feedback import feedback_of
from vigil.storage import anomalies_repo, console_repo, series_repo
from vigil.storage.anomalies_repo import AnomalyFilter, AnomalyRecord
from vigil.storage.database import Database
from vigil.storage.lifecycle_repo import Feedback
from vigil.storage.series_repo import SeriesRecord

MAX_CHART_POINTS = 5_000
"""The most points one chart draws (the newest ones of the window)."""
MAX_CHART_ANOMALIES = 1_000
DEFAULT_DETECTOR = "vigil"


@dataclass(frozen=True, slots=True)
class SeriesChart:
    """One series over a window: points, expected band, stored anomalies and their feedback."""

    series: SeriesRecord
    detector: str
    start: datetime | None
    end: datetime | None
    timestamps: list[float]
    values: list[float]
    lower: list[float | None]
    upper: list[float | None]
    anomalies: list[AnomalyRecord]
    feedback: dict[int, Feedback]


def parse_label_filters(text: str) -> dict[str, str]:
    """`key=value` pairs separated by commas or spaces; ValueError names a bad one."""
    labels: dict[str, str] = {}
    for item in text.replace(",", " ").split():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"label filter {item[:60]!r} must look like key=value")
        labels[key] = value.strip('"')
    return labels


def search(db: Database, name_contains: str, labels: dict[str, str],
           limit: int = 100) -> list[SeriesRecord]:
    """Series whose name contains the text and that carry every label pair."""
    with db.session() as session:
        return console_repo.search_series(session, name_contains, labels, limit)


def series_chart(db: Database, series_id: int, window: timedelta,
                 detection: DetectionConfig) -> SeriesChart | None:
    """The chart data of one series' newest `window` of points (None: no such series)."""
    with db.session() as session:
        record = series_repo.get_series(session, series_id)
        if record is None:
            return None
        newest = console_repo.latest_point_ts(session, series_id)
        points: list[tuple[float, float]] = []
        if newest is not None:
            start_ts = newest - window.total_seconds()
            points = console_repo.newest_points(session, series_id, start_ts,
                                                MAX_CHART_POINTS)
    rule = detection.rule_for(record.name, record.labels)
    detector = rule.detector if rule is not None else DEFAULT_DETECTOR
    if not points:
        return SeriesChart(record, detector, None, None, [], [], [], [], [], {})
    timestamps = [t for t, _ in points]
    values = [v for _, v in points]
    scored = score_series(timestamps, values, detector)
    lower = [None if r["warming_up"] else _num(r["lower"]) for r in scored.records]
    upper = [None if r["warming_up"] else _num(r["upper"]) for r in scored.records]
    start = datetime.fromtimestamp(timestamps[0], UTC)
    end = datetime.fromtimestamp(timestamps[-1], UTC)
    with db.session() as session:
        anomalies = anomalies_repo.list_anomalies(
            session, AnomalyFilter(series_id=series_id, start=start, end=end), None,
            MAX_CHART_ANOMALIES)
    anomalies.sort(key=lambda a: a.timestamp)
    feedback = feedback_of(db, [a.id for a in anomalies])
    return SeriesChart(record, detector, start, end, timestamps, values, lower, upper,
                       anomalies, feedback)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
