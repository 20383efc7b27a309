"""Feedback, missed ranges, model versions, active models, data quality and ingest counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vigil.storage.models import AnomalyRow, SeriesRow
from vigil.storage.models_lifecycle import (
    ActiveModelRow,
    AnomalyFeedbackRow,
    DataQualityRow,
    IngestStatsRow,
    MissedAnomalyRow,
    ModelVersionRow,
)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _opt(moment: datetime | None) -> datetime | None:
    return None if moment is None else _aware(moment)


@dataclass(frozen=True, slots=True)
class Feedback:
    """An operator's verdict on an anomaly."""

    anomaly_id: int
    series_id: int
    verdict: bool
    actor: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MissedRange:
    """A range of a series that held an anomaly the detector missed."""

    id: int
    series_id: int
    start: datetime
    end: datetime
    note: str | None
    actor: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One stored model version of a series."""

    id: int
    series_id: int
    version: int
    detector: str
    detector_version: str
    parameters: dict[str, object]
    threshold: float
    trained_from: datetime | None
    trained_to: datetime | None
    quality: dict[str, object]
    state: bytes
    last_ts: float | None
    promoted: bool
    reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ActiveModel:
    """The version a series runs and its firing threshold."""

    series_id: int
    version: int
    threshold: float
    adopted_version: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LabelRow:
    """Label counts of one series and detector version."""

    series_id: int
    series: str
    model_version: str
    true_positives: int
    false_positives: int


def _feedback(row: AnomalyFeedbackRow) -> Feedback:
    return Feedback(row.anomaly_id, row.series_id, row.verdict, row.actor,
                    _aware(row.created_at), _aware(row.updated_at))


def _missed(row: MissedAnomalyRow) -> MissedRange:
    return MissedRange(row.id, row.series_id, _aware(row.start), _aware(row.end), row.note,
                       row.actor, _aware(row.created_at))


def _version(row: ModelVersionRow) -> ModelVersion:
    return ModelVersion(row.id, row.series_id, row.version, row.detector, row.detector_version,
                        dict(row.parameters), row.threshold, _opt(row.trained_from),
                        _opt(row.trained_to), dict(row.quality), bytes(row.state), row.last_ts,
                        row.promoted, row.reason, _aware(row.created_at))


def _active(row: ActiveModelRow) -> ActiveModel:
    return ActiveModel(row.series_id, row.version, row.threshold, row.adopted_version,
                       _aware(row.updated_at))


# --- feedback -------------------------------------------------------------------------

def set_feedback(session: Session, anomaly_id: int, verdict: bool, actor: str,
                 now: datetime) -> tuple[Feedback, bool | None] | None:
    """Store or change the verdict on an anomaly; (feedback, previous verdict) or None."""
    anomaly = session.get(AnomalyRow, anomaly_id)
    if anomaly is None:
        return None
    row = session.get(AnomalyFeedbackRow, anomaly_id)
    previous: bool | None = None
    if row is None:
        row = AnomalyFeedbackRow(anomaly_id=anomaly_id, series_id=anomaly.series_id,
                                 verdict=verdict, actor=actor, created_at=now, updated_at=now)
        session.add(row)
    else:
        previous = row.verdict
        row.verdict, row.actor, row.updated_at = verdict, actor, now
    session.flush()
    return _feedback(row), previous


def feedback_for(session: Session, anomaly_ids: Sequence[int]) -> dict[int, Feedback]:
    """The feedback of each given anomaly that has some."""
    if not anomaly_ids:
        return {}
    rows = session.scalars(select(AnomalyFeedbackRow)
                           .where(AnomalyFeedbackRow.anomaly_id.in_(list(anomaly_ids))))
    return {r.anomaly_id: _feedback(r) for r in rows}


def labelled_anomalies(session: Session, series_id: int, since: datetime | None = None
                       ) -> list[tuple[float, bool, str]]:
    """(timestamp, verdict, model version) of a series' labelled anomalies, oldest first."""
    stmt = (select(AnomalyRow.timestamp, AnomalyFeedbackRow.verdict, AnomalyRow.model_version)
            .join(AnomalyFeedbackRow, AnomalyFeedbackRow.anomaly_id == AnomalyRow.id)
            .where(AnomalyRow.series_id == series_id))
    if since is not None:
        stmt = stmt.where(AnomalyRow.timestamp >= since)
    rows = session.execute(stmt.order_by(AnomalyRow.timestamp)).all()
    return [(_aware(ts).timestamp(), bool(v), str(mv)) for ts, v, mv in rows]


def label_counts(session: Session, since: datetime, until: datetime) -> list[LabelRow]:
    """Per series and detector version: true and false positives among anomalies in a window."""
    tp = func.sum(case((AnomalyFeedbackRow.verdict.is_(True), 1), else_=0))
    stmt = (select(AnomalyRow.series_id, SeriesRow.name, AnomalyRow.model_version,
                   func.count(), tp)
            .join(AnomalyFeedbackRow, AnomalyFeedbackRow.anomaly_id == AnomalyRow.id)
            .join(SeriesRow, SeriesRow.id == AnomalyRow.series_id)
            .where(AnomalyRow.timestamp >= since, AnomalyRow.timestamp <= until)
            .group_by(AnomalyRow.series_id, SeriesRow.name, AnomalyRow.model_version))
    out = []
    for sid, name, version, total, trues in session.execute(stmt).all():
        t = int(trues or 0)
        out.append(LabelRow(int(sid), str(name), str(version), t, int(total) - t))
    return out


# --- missed ranges --------------------------------------------------------------------

def add_missed(session: Session, series_id: int, start: datetime, end: datetime,
               note: str | None, actor: str, now: datetime) -> MissedRange:
    """Record a missed-anomaly range."""
    row = MissedAnomalyRow(series_id=series_id, start=start, end=end, note=note, actor=actor,
                           created_at=now)
    session.add(row)
    session.flush()
    return _missed(row)


def list_missed(session: Session, series_id: int | None = None,
                overlapping: tuple[datetime, datetime] | None = None) -> list[MissedRange]:
    """Missed ranges of a series (or all), optionally only those overlapping a window."""
    stmt = select(MissedAnomalyRow)
    if series_id is not None:
        stmt = stmt.where(MissedAnomalyRow.series_id == series_id)
    if overlapping is not None:
        stmt = stmt.where(and_(MissedAnomalyRow.end >= overlapping[0],
                               MissedAnomalyRow.start <= overlapping[1]))
    return [_missed(r) for r in session.scalars(stmt.order_by(MissedAnomalyRow.start))]


def missed_counts(session: Session, since: datetime, until: datetime) -> dict[int, int]:
    """Missed ranges overlapping a window, per series."""
    stmt = (select(MissedAnomalyRow.series_id, func.count())
            .where(MissedAnomalyRow.end >= since, MissedAnomalyRow.start <= until)
            .group_by(MissedAnomalyRow.series_id))
    return {int(s): int(n) for s, n in session.execute(stmt).all()}


def series_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Names of the given series."""
    if not ids:
        return {}
    rows = session.execute(select(SeriesRow.id, SeriesRow.name).where(SeriesRow.id.in_(list(ids))))
    return {int(i): str(n) for i, n in rows}


# --- model versions -------------------------------------------------------------------

def add_version(session: Session, series_id: int, *, detector: str, detector_version: str,
                parameters: dict[str, object], threshold: float, trained_from: datetime | None,
                trained_to: datetime | None, quality: dict[str, object], state: bytes,
                last_ts: float | None, promoted: bool, reason: str | None,
                now: datetime) -> ModelVersion:
    """Store the next model version of a series (numbered 1, 2, ... per series)."""
    latest = session.scalar(select(func.max(ModelVersionRow.version))
                            .where(ModelVersionRow.series_id == series_id))
    row = ModelVersionRow(series_id=series_id, version=int(latest or 0) + 1, detector=detector,
                          detector_version=detector_version, parameters=parameters,
                          threshold=threshold, trained_from=trained_from, trained_to=trained_to,
                          quality=quality, state=state, last_ts=last_ts, promoted=promoted,
                          reason=reason, created_at=now)
    session.add(row)
    session.flush()
    return _version(row)


def list_versions(session: Session, series_id: int) -> list[ModelVersion]:
    """A series' model versions, newest first."""
    rows = session.scalars(select(ModelVersionRow).where(ModelVersionRow.series_id == series_id)
                           .order_by(ModelVersionRow.version.desc()))
    return [_version(r) for r in rows]


def get_version(session: Session, series_id: int, version: int) -> ModelVersion | None:
    """One model version of a series."""
    row = session.scalar(select(ModelVersionRow).where(ModelVersionRow.series_id == series_id,
                                                       ModelVersionRow.version == version))
    return None if row is None else _version(row)


def active_model(session: Session, series_id: int) -> ActiveModel | None:
    """The version a series runs, if any was ever promoted."""
    row = session.get(ActiveModelRow, series_id)
    return None if row is None else _active(row)


def set_active(session: Session, series_id: int, version: int, threshold: float,
               now: datetime) -> ActiveModel:
    """Make `version` the series' model; the worker adopts its state at its next pass."""
    row = session.get(ActiveModelRow, series_id)
    if row is None:
        row = ActiveModelRow(series_id=series_id, version=version, threshold=threshold,
                             adopted_version=None, updated_at=now)
        session.add(row)
    else:
        row.version, row.threshold, row.adopted_version, row.updated_at = \
            version, threshold, None, now
    session.flush()
    return _active(row)


def mark_adopted(session: Session, series_id: int, version: int) -> None:
    """Record that the worker now runs `version`'s state."""
    row = session.get(ActiveModelRow, series_id)
    if row is not None and row.version == version:
        row.adopted_version = version


# --- data quality ---------------------------------------------------------------------

def save_quality(session: Session, series_id: int, score: float,
                 components: dict[str, object], now: datetime) -> None:
    """Insert or replace a series' latest data-quality score."""
    row = session.get(DataQualityRow, series_id)
    if row is None:
        session.add(DataQualityRow(series_id=series_id, score=score, components=components,
                                   computed_at=now))
    else:
        row.score, row.components, row.computed_at = score, components, now


def get_quality(session: Session, series_id: int) -> tuple[float, dict[str, object],
                                                           datetime] | None:
    """A series' latest data-quality score, its components and when it was computed."""
    row = session.get(DataQualityRow, series_id)
    if row is None:
        return None
    return row.score, dict(row.components), _aware(row.computed_at)


def add_ingest_stats(session: Session, rows: Sequence[tuple[int, float, int, int, int]]) -> None:
    """Add (series_id, hour, received, late, rejected) to the per-hour ingest counts."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = [{"series_id": s, "hour": h, "received": r, "late": la, "rejected": j}
              for s, h, r, la, j in sorted(rows)]
    stmt = insert(IngestStatsRow)  # one cached statement, executed for many rows
    stmt = stmt.on_conflict_do_update(
        index_elements=["series_id", "hour"],
        set_={"received": IngestStatsRow.received + stmt.excluded.received,
              "late": IngestStatsRow.late + stmt.excluded.late,
              "rejected": IngestStatsRow.rejected + stmt.excluded.rejected})
    session.connection().execute(stmt, values)


def ingest_totals(session: Session, series_id: int, since: float) -> tuple[int, int, int]:
    """(received, late, rejected) of a series in the hours from `since`."""
    row = session.execute(
        select(func.sum(IngestStatsRow.received), func.sum(IngestStatsRow.late),
               func.sum(IngestStatsRow.rejected))
        .where(IngestStatsRow.series_id == series_id, IngestStatsRow.hour >= since)).one()
    return int(row[0] or 0), int(row[1] or 0), int(row[2] or 0)


def prune_ingest_stats(session: Session, before: float) -> int:
    """Drop ingest counts of hours before `before`."""
    from sqlalchemy import delete

    result = session.execute(delete(IngestStatsRow).where(IngestStatsRow.hour < before))
    return int(getattr(result, "rowcount", 0) or 0)


def recent_quality(session: Session, since: datetime) -> list[tuple[int, str, float]]:
    """(series id, name, score) of data-quality scores computed since `since`."""
    rows = session.execute(
        select(DataQualityRow.series_id, SeriesRow.name, DataQualityRow.score)
        .join(SeriesRow, SeriesRow.id == DataQualityRow.series_id)
        .where(DataQualityRow.computed_at >= since))
    return [(int(s), str(n), float(v)) for s, n, v in rows]


def series_with_active_model(session: Session, series_ids: list[int]) -> set[int]:
    """Which of these series run a promoted model (one query per 1,000 series)."""
    found: set[int] = set()
    for start in range(0, len(series_ids), 1000):
        chunk = series_ids[start:start + 1000]
        found.update(session.scalars(select(ActiveModelRow.series_id)
                                     .where(ActiveModelRow.series_id.in_(chunk))))
    return found
