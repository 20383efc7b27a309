"""Queries of the Analytics Engine: aggregate reads over alerts, pages, anomalies, threats.

Only the columns the analytics need are read (as tuples, no ORM objects), and counts are
grouped in SQL, so a week of a large deployment (10,000 series, 100,000 alerts, a million
anomalies) is read in well under a second on PostgreSQL. The same SQL runs on SQLite.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, String, and_, case, cast, func, select
from sqlalchemy.orm import Session

from vigil.alerting.lifecycle import AlertState
from vigil.storage.alerting_repo._utc import required
from vigil.storage.models import AnomalyRow, SeriesRow
from vigil.storage.models_alerting import AlertEventRow, AlertRow
from vigil.storage.models_lifecycle import AnomalyFeedbackRow, DataQualityRow, ModelVersionRow
from vigil.storage.models_scaling import ScalingRecommendationRow
from vigil.storage.models_threats import ThreatRow


@dataclass(frozen=True)
class FiredAlert:
    """The columns of an alert the incident metrics need."""

    id: int
    rule: str
    priority: str
    labels: dict[str, str]
    fired_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


def _labels(value: Any) -> dict[str, str]:
    if isinstance(value, str):  # some drivers hand JSON back as text
        value = json.loads(value)
    return dict(value or {})


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value) if isinstance(value, dict) else {}


def fired_alerts(session: Session, start: datetime, end: datetime) -> list[FiredAlert]:
    """Alerts that fired in [start, end), oldest first."""
    stmt = (select(AlertRow.id, AlertRow.rule, AlertRow.priority, AlertRow.labels,
                   AlertRow.fired_at, AlertRow.acknowledged_at, AlertRow.resolved_at)
            .where(AlertRow.fired_at >= start, AlertRow.fired_at < end)
            .order_by(AlertRow.fired_at))
    out = []
    for aid, rule, priority, labels, fired, acked, resolved in session.execute(stmt).tuples():
        out.append(FiredAlert(aid, rule, getattr(priority, "value", str(priority)),
                              _labels(labels), required(fired), acked, resolved))
    return out


def _epoch(session: Session, column: Any) -> Any:
    """A timestamp column as epoch seconds (float), computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2440587.5) * 86400.0


def alert_timings(session: Session, start: datetime, end: datetime
                  ) -> list[tuple[float, float | None, float | None, str]]:
    """(fired, acknowledged, resolved, priority) of alerts that fired in [start, end), as
    epoch seconds: the incident metrics without labels, for trends over many weeks."""
    stmt = (select(_epoch(session, AlertRow.fired_at),
                   _epoch(session, AlertRow.acknowledged_at),
                   _epoch(session, AlertRow.resolved_at),
                   cast(AlertRow.priority, String))
            .where(AlertRow.fired_at >= start, AlertRow.fired_at < end))
    return [(float(f), a, r, p) for f, a, r, p in session.execute(stmt).tuples()]


PAGE_BUCKET_SECONDS = 900
"""Pages are counted per quarter-hour: business hours start and end on quarter-hours and
every UTC offset in use is a multiple of 15 minutes, so a bucket is wholly in or out."""


@dataclass(frozen=True)
class PageCount:
    """`count` pages of one level to the same people in the quarter-hour from `bucket`."""

    bucket: datetime
    level: int
    people: tuple[str, ...]
    count: int


def page_counts(session: Session, start: datetime, end: datetime
                ) -> tuple[list[PageCount], dict[int, int]]:
    """Pages recorded in [start, end) (failed deliveries excluded), counted per quarter-hour,
    level and paged person; and how many alerts were paged at each escalation level.

    One pass over the page events: level, status and the first contact are read by JSON
    path in SQL (the quarter-hour as an integer, not a timestamp); the detail of the rare
    page to several people (or none) is then read whole by id.
    """
    detail = AlertEventRow.detail
    # epochs after 1970 are positive: truncating is flooring, on every SQLite build too
    bucket = cast(_epoch(session, AlertEventRow.ts) / PAGE_BUCKET_SECONDS, Integer)
    stmt = (select(AlertEventRow.id, AlertEventRow.alert_id, bucket,
                   detail["level"].as_integer(), detail["status"].as_string(),
                   detail[("contacts", 0, "user")].as_string(),
                   func.json_array_length(detail["contacts"]))
            .where(AlertEventRow.kind == "page", AlertEventRow.ts >= start,
                   AlertEventRow.ts < end))
    counts: dict[tuple[int, int, tuple[str, ...]], int] = defaultdict(int)
    reached: dict[int, set[int]] = defaultdict(set)
    several: dict[int, tuple[int, int]] = {}
    for eid, alert_id, b, level, status, first, n in session.execute(stmt).tuples():
        if status == "failed":
            continue
        lv = int(level or 0)
        reached[lv].add(int(alert_id))
        if n is not None and int(n) == 1 and first:
            counts[(int(b), lv, (str(first),))] += 1
        else:
            several[int(eid)] = (int(b), lv)
    if several:
        rows = session.execute(select(AlertEventRow.id, AlertEventRow.detail)
                               .where(AlertEventRow.id.in_(list(several)))).tuples()
        for eid, raw in rows:
            d = _json_object(raw)
            people = tuple(str(c.get("user") or c.get("name")) for c in d.get("contacts") or []
                           if isinstance(c, dict) and (c.get("user") or c.get("name")))
            b, lv = several[int(eid)]
            counts[(b, lv, people or tuple(str(t) for t in d.get("targets") or []))] += 1
    pages = [PageCount(datetime.fromtimestamp(b * PAGE_BUCKET_SECONDS, UTC), lv, people, n)
             for (b, lv, people), n in counts.items()]
    return pages, {lv: len(ids) for lv, ids in sorted(reached.items())}


def firing_by_priority(session: Session) -> dict[str, int]:
    """Alerts firing now (not acknowledged, not resolved) per priority."""
    stmt = (select(AlertRow.priority, func.count())
            .where(AlertRow.state == AlertState.FIRING)
            .group_by(AlertRow.priority))
    return {getattr(p, "value", str(p)): int(n) for p, n in session.execute(stmt).tuples()}


def count_anomalies(session: Session, start: datetime, end: datetime) -> int:
    """Anomalies with a timestamp in [start, end)."""
    stmt = select(func.count()).select_from(AnomalyRow).where(
        AnomalyRow.timestamp >= start, AnomalyRow.timestamp < end)
    return int(session.execute(stmt).scalar_one())


def anomalies_by_severity(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Anomalies in [start, end) per severity."""
    stmt = (select(AnomalyRow.severity, func.count()).where(
        AnomalyRow.timestamp >= start, AnomalyRow.timestamp < end)
        .group_by(AnomalyRow.severity))
    return {getattr(sev, "value", str(sev)): int(n) for sev, n in session.execute(stmt).tuples()}


def anomalies_per_series(session: Session, start: datetime, end: datetime,
                         more_than: int) -> list[tuple[int, str, dict[str, str], int]]:
    """(series id, name, labels, anomalies) of series with more than `more_than` anomalies
    in [start, end), most first."""
    counts = (select(AnomalyRow.series_id.label("sid"), func.count().label("n"))
              .where(AnomalyRow.timestamp >= start, AnomalyRow.timestamp < end)
              .group_by(AnomalyRow.series_id)
              .having(func.count() > more_than)
              .subquery())
    stmt = (select(SeriesRow.id, SeriesRow.name, SeriesRow.labels, counts.c.n)
            .join(counts, counts.c.sid == SeriesRow.id)
            .order_by(counts.c.n.desc(), SeriesRow.id))
    return [(int(sid), name, _labels(labels), int(n))
            for sid, name, labels, n in session.execute(stmt).tuples()]


def anomalies_per_window(session: Session, start: datetime, width_seconds: float,
                         windows: int) -> list[int]:
    """Anomalies in each of `windows` consecutive windows of `width_seconds` from `start`
    (one index range count per window: cheaper than grouping a computed bucket)."""
    out = []
    for i in range(windows):
        lo = start + timedelta(seconds=width_seconds * i)
        out.append(count_anomalies(session, lo, lo + timedelta(seconds=width_seconds)))
    return out


def feedback_per_window(session: Session, start: datetime, width_seconds: float,
                        windows: int) -> list[tuple[int, int]]:
    """(true, false) verdicts on the anomalies of each window (see `anomalies_per_window`)."""
    end = start.timestamp() + width_seconds * windows
    stmt = (select(_epoch(session, AnomalyRow.timestamp), AnomalyFeedbackRow.verdict)
            .join(AnomalyRow, AnomalyRow.id == AnomalyFeedbackRow.anomaly_id)
            .where(AnomalyRow.timestamp >= start,
                   AnomalyRow.timestamp < datetime.fromtimestamp(end, start.tzinfo)))
    out = [[0, 0] for _ in range(windows)]
    for ts, verdict in session.execute(stmt).tuples():
        b = int((float(ts) - start.timestamp()) // width_seconds)
        if 0 <= b < windows:
            out[b][0 if verdict else 1] += 1
    return [(t, f) for t, f in out]


def model_versions_per_window(session: Session, start: datetime, width_seconds: float,
                              windows: int) -> list[tuple[int, int]]:
    """(versions trained, versions promoted) in each window (see `anomalies_per_window`)."""
    end = start + timedelta(seconds=width_seconds * windows)
    stmt = (select(ModelVersionRow.created_at, ModelVersionRow.promoted)
            .where(ModelVersionRow.created_at >= start, ModelVersionRow.created_at < end))
    out = [[0, 0] for _ in range(windows)]
    for created, promoted in session.execute(stmt).tuples():
        b = int((required(created) - start).total_seconds() // width_seconds)
        if 0 <= b < windows:
            out[b][0] += 1
            out[b][1] += 1 if promoted else 0
    return [(t, p) for t, p in out]


def data_quality_summary(session: Session, below: float) -> tuple[int, float | None, int]:
    """(series scored, mean score, series scoring below `below`) from the latest scores."""
    stmt = select(func.count(), func.avg(DataQualityRow.score),
                  func.sum(case((DataQualityRow.score < below, 1), else_=0)))
    n, avg, low = session.execute(stmt).one()
    return int(n or 0), None if avg is None else float(avg), int(low or 0)


def threat_counts(session: Session, start: datetime, end: datetime,
                  column: str) -> dict[str, int]:
    """Threats detected in [start, end) per `type`, `source` (log source) or `source_ip`."""
    col = {"type": ThreatRow.type, "source": ThreatRow.source,
           "source_ip": ThreatRow.source_ip}[column]
    stmt = (select(col, func.count()).where(ThreatRow.detected_at >= start,
                                           ThreatRow.detected_at < end)
            .group_by(col).order_by(func.count().desc(), col))
    return {str(k): int(n) for k, n in session.execute(stmt).tuples()}


def scaling_summary(session: Session, start: float, end: float
                    ) -> list[tuple[str, int, int, int, int, int]]:
    """Per target in [start, end): (target, recommendations, min, max, last replicas,
    fallbacks)."""
    stmt = (select(ScalingRecommendationRow.target, func.count(),
                   func.min(ScalingRecommendationRow.replicas),
                   func.max(ScalingRecommendationRow.replicas),
                   func.max(ScalingRecommendationRow.computed_at),
                   func.count(ScalingRecommendationRow.fallback))
            .where(ScalingRecommendationRow.computed_at >= start,
                   ScalingRecommendationRow.computed_at < end)
            .group_by(ScalingRecommendationRow.target)
            .order_by(ScalingRecommendationRow.target))
    out = []
    for target, n, lo, hi, last_at, fallbacks in session.execute(stmt).tuples():
        last = session.execute(select(ScalingRecommendationRow.replicas).where(
            and_(ScalingRecommendationRow.target == target,
                 ScalingRecommendationRow.computed_at == last_at)).limit(1)).scalar_one()
        out.append((str(target), int(n), int(lo), int(hi), int(last), int(fallbacks)))
    return out
