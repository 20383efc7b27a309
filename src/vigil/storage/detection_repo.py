"""Detector state per series, points to score, and the series the worker may watch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vigil.storage.models import DetectorStateRow, SampleRow, SeriesRow


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """What the worker needs to know about a series."""

    id: int
    name: str
    labels: dict[str, str]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredState:
    """A detector's persisted state."""

    detector: str
    model_version: str
    state: bytes
    last_ts: float


def series_after(session: Session, after_id: int, limit: int) -> list[SeriesInfo]:
    """Series with ids above `after_id`, in id order."""
    rows = session.scalars(select(SeriesRow).where(SeriesRow.id > after_id)
                           .order_by(SeriesRow.id).limit(limit))
    return [SeriesInfo(r.id, r.name, dict(r.labels), r.created_at) for r in rows]


def series_by_ids(session: Session, ids: list[int]) -> list[SeriesInfo]:
    """Series with the given ids."""
    if not ids:
        return []
    rows = session.scalars(select(SeriesRow).where(SeriesRow.id.in_(ids)))
    return [SeriesInfo(r.id, r.name, dict(r.labels), r.created_at) for r in rows]


SERIES_LOCK_NAMESPACE = 0x56494733  # "VIG3"; partitions use "VIG1"/"VIG2" (services.partitions)


def try_lock_series(session: Session, series_id: int) -> bool:
    """Take the series' scoring lock for this transaction; False while another process has it.

    Partition claims say who should score a series, but they live on a connection of
    their own: when that connection is lost (a network blip, a terminated backend) the
    claims go to another replica while this one may still be mid-pass. This lock,
    taken in the scoring transaction itself, is what keeps two processes from scoring
    the same series at once. SQLite has one process by design: always True.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:ns, :k)"),
                                {"ns": SERIES_LOCK_NAMESPACE,
                                 "k": series_id % 2**31}).scalar())


def load_state(session: Session, series_id: int, detector: str) -> StoredState | None:
    """The stored state of a series' detector, if any."""
    row = session.get(DetectorStateRow, (series_id, detector))
    if row is None:
        return None
    return StoredState(row.detector, row.model_version, row.state, row.last_ts)


def save_state(session: Session, series_id: int, detector: str, model_version: str,
               state: bytes, last_ts: float) -> None:
    """Insert or replace the state of a series' detector."""
    row = session.get(DetectorStateRow, (series_id, detector))
    now = datetime.now(UTC)
    if row is None:
        session.add(DetectorStateRow(series_id=series_id, detector=detector,
                                     model_version=model_version, state=state,
                                     last_ts=last_ts, updated_at=now))
    else:
        row.model_version = model_version
        row.state = state
        row.last_ts = last_ts
        row.updated_at = now


def points_after(session: Session, series_id: int, after_ts: float | None, upto_ts: float | None,
                 limit: int) -> tuple[list[float], list[float]]:
    """Points of a series with after_ts < ts <= upto_ts, oldest first (primary-key scan)."""
    stmt = select(SampleRow.ts, SampleRow.value).where(SampleRow.series_id == series_id)
    if after_ts is not None:
        stmt = stmt.where(SampleRow.ts > after_ts)
    if upto_ts is not None:
        stmt = stmt.where(SampleRow.ts <= upto_ts)
    rows = session.execute(stmt.order_by(SampleRow.ts).limit(limit)).all()
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows]


def last_points(session: Session, series_id: int, upto_ts: float,
                limit: int) -> tuple[list[float], list[float]]:
    """The newest `limit` points at or before `upto_ts`, oldest first."""
    stmt = (select(SampleRow.ts, SampleRow.value)
            .where(SampleRow.series_id == series_id, SampleRow.ts <= upto_ts)
            .order_by(SampleRow.ts.desc()).limit(limit))
    rows = session.execute(stmt).all()[::-1]
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows]


def latest_ts(session: Session, series_ids: list[int]) -> dict[int, float]:
    """The newest sample timestamp of each series that has samples."""
    if not series_ids:
        return {}
    stmt = (select(SampleRow.series_id, func.max(SampleRow.ts))
            .where(SampleRow.series_id.in_(series_ids)).group_by(SampleRow.series_id))
    return {int(sid): float(ts) for sid, ts in session.execute(stmt) if ts is not None}


def newest_ts(session: Session, series_id: int) -> float | None:
    """The newest sample timestamp of one series (an index lookup), if it has samples."""
    found = session.scalar(select(func.max(SampleRow.ts)).where(SampleRow.series_id == series_id))
    return None if found is None else float(found)


def load_states(session: Session, series_ids: list[int], detector: str) -> dict[int, StoredState]:
    """The stored states of many series' detectors (one query per 1,000 series)."""
    out: dict[int, StoredState] = {}
    for start in range(0, len(series_ids), 1000):
        chunk = series_ids[start:start + 1000]
        rows = session.scalars(select(DetectorStateRow).where(
            DetectorStateRow.series_id.in_(chunk), DetectorStateRow.detector == detector))
        for r in rows:
            out[r.series_id] = StoredState(r.detector, r.model_version, r.state, r.last_ts)
    return out


def save_states(session: Session, states: list[tuple[int, str, str, bytes, float]]) -> None:
    """Insert or replace many detector states, (series_id, detector, model_version, state,
    last_ts) each, in one executemany (the bulk form of `save_state`)."""
    if not states:
        return
    now = datetime.now(UTC)
    rows = [{"series_id": sid, "detector": det, "model_version": version, "state": state,
             "last_ts": last_ts, "updated_at": now} for sid, det, version, state, last_ts in states]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(DetectorStateRow)
    stmt = stmt.on_conflict_do_update(
        index_elements=["series_id", "detector"],
        set_={c: getattr(stmt.excluded, c)
              for c in ("model_version", "state", "last_ts", "updated_at")})
    session.connection().execute(stmt, rows)
