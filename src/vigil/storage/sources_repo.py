"""Cursors and health of source queries, and the per-series state of source series."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vigil.storage.models_sources import SourceCursorRow, SourceSeriesRow


@dataclass(frozen=True, slots=True)
class CursorRecord:
    """One partition of a source query: how far it is scored, and how it last went."""

    source: str
    query_key: str
    partition: int
    cursor_ts: int | None
    series: int
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True, slots=True)
class SourceSeriesRecord:
    """A source series' scoring count, newest scored timestamp and ring buffer."""

    series_id: int
    source: str
    query_key: str
    points_scored: int
    last_ts: float | None
    ring: bytes


def cursors(session: Session, source: str | None = None) -> list[CursorRecord]:
    """Every stored cursor (of one source), by source, query and partition."""
    stmt = select(SourceCursorRow).order_by(SourceCursorRow.source, SourceCursorRow.query_key,
                                            SourceCursorRow.partition)
    if source is not None:
        stmt = stmt.where(SourceCursorRow.source == source)
    return [_cursor(r) for r in session.scalars(stmt)]


def query_cursors(session: Session, source: str, query_key: str,
                  partitions: Iterable[int]) -> dict[int, int | None]:
    """The cursor of each of these partitions of a query (None: never fetched)."""
    wanted = list(partitions)
    rows = session.scalars(select(SourceCursorRow).where(
        SourceCursorRow.source == source, SourceCursorRow.query_key == query_key,
        SourceCursorRow.partition.in_(wanted)))
    found = {r.partition: r.cursor_ts for r in rows}
    return {p: found.get(p) for p in wanted}


def _row(session: Session, source: str, query_key: str, partition: int) -> SourceCursorRow:
    row = session.get(SourceCursorRow, (source, query_key, partition))
    if row is None:
        row = SourceCursorRow(source=source, query_key=query_key, partition=partition,
                              cursor_ts=None, series=0, updated_at=datetime.now(UTC))
        session.add(row)
    return row


def advance(session: Session, source: str, query_key: str, partitions: Iterable[int],
            cursor_ts: int, series: dict[int, int], now: datetime) -> None:
    """Move these partitions' cursors to `cursor_ts` (never backwards) and mark success."""
    for partition in partitions:
        row = _row(session, source, query_key, partition)
        if row.cursor_ts is None or cursor_ts > row.cursor_ts:
            row.cursor_ts = cursor_ts
        row.series = series.get(partition, 0)
        row.last_success_at = now
        row.last_error = None
        row.updated_at = now


def record_error(session: Session, source: str, query_key: str, partitions: Iterable[int],
                 error: str, now: datetime) -> None:
    """Remember why the last attempt at these partitions failed (cursors stay)."""
    for partition in partitions:
        row = _row(session, source, query_key, partition)
        row.last_error = error[:2000]
        row.last_error_at = now
        row.updated_at = now


def source_series(session: Session, series_ids: list[int]) -> dict[int, SourceSeriesRecord]:
    """The source state of these series, by id."""
    out: dict[int, SourceSeriesRecord] = {}
    for start in range(0, len(series_ids), 1000):
        chunk = series_ids[start:start + 1000]
        for r in session.scalars(select(SourceSeriesRow)
                                 .where(SourceSeriesRow.series_id.in_(chunk))):
            out[r.series_id] = SourceSeriesRecord(r.series_id, r.source, r.query_key,
                                                  r.points_scored, r.last_ts, r.ring)
    return out


def save_source_series(session: Session, record: SourceSeriesRecord, now: datetime) -> None:
    """Insert or replace a source series' state."""
    row = session.get(SourceSeriesRow, record.series_id)
    if row is None:
        session.add(SourceSeriesRow(series_id=record.series_id, source=record.source,
                                    query_key=record.query_key,
                                    points_scored=record.points_scored, last_ts=record.last_ts,
                                    ring=record.ring, updated_at=now))
        return
    row.points_scored = record.points_scored
    row.last_ts = record.last_ts
    row.ring = record.ring
    row.updated_at = now


def save_source_series_many(session: Session, records: list[SourceSeriesRecord],
                            now: datetime) -> None:
    """Insert or replace many source series' states (one executemany)."""
    if not records:
        return
    rows = [{"series_id": r.series_id, "source": r.source, "query_key": r.query_key,
             "points_scored": r.points_scored, "last_ts": r.last_ts, "ring": r.ring,
             "updated_at": now} for r in records]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SourceSeriesRow)
    stmt = stmt.on_conflict_do_update(
        index_elements=["series_id"],
        set_={c: getattr(stmt.excluded, c)
              for c in ("points_scored", "last_ts", "ring", "updated_at")})
    session.connection().execute(stmt, rows)


def series_of_source(session: Session, source: str, query_key: str | None = None,
                     limit: int = 1000) -> list[SourceSeriesRecord]:
    """Source series of a source (and query), by series id."""
    stmt = select(SourceSeriesRow).where(SourceSeriesRow.source == source)
    if query_key is not None:
        stmt = stmt.where(SourceSeriesRow.query_key == query_key)
    rows = session.scalars(stmt.order_by(SourceSeriesRow.series_id).limit(limit))
    return [SourceSeriesRecord(r.series_id, r.source, r.query_key, r.points_scored, r.last_ts,
                               r.ring) for r in rows]


def _cursor(r: SourceCursorRow) -> CursorRecord:
    return CursorRecord(r.source, r.query_key, r.partition, r.cursor_ts, r.series,
                        r.last_success_at, r.last_error, r.last_error_at)
