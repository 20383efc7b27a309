"""Series and samples: resolve identities to ids, bulk-append points, read them back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection, and_, delete, event, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vigil.storage.models import SampleRow, SeriesRow


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    """A stored series as the API shows it."""

    id: int
    name: str
    labels: dict[str, str]
    created_at: datetime


class SeriesIdCache:
    """Process-local map of (name, labels_key) to series id; series ids never change."""

    def __init__(self, max_entries: int = 200_000) -> None:
        self._ids: dict[tuple[str, str], int] = {}
        self._max = max_entries

    def get(self, name: str, key: str) -> int | None:
        """The cached id, if any."""
        return self._ids.get((name, key))

    def put(self, name: str, key: str, series_id: int) -> None:
        """Remember an id, dropping everything when the cache is full."""
        if len(self._ids) >= self._max:
            self._ids.clear()
        self._ids[(name, key)] = series_id

    def clear(self) -> None:
        """Forget every id (after a database reset)."""
        self._ids.clear()


def resolve_series_ids(
    session: Session, wanted: Sequence[tuple[str, str, dict[str, str]]], cache: SeriesIdCache
) -> list[int]:
    """Ids for (name, labels_key, labels) triples, creating missing series idempotently."""
    ids: list[int | None] = [cache.get(name, key) for name, key, _ in wanted]
    missing = [(i, w) for i, w in enumerate(wanted) if ids[i] is None]
    if missing:
        now = datetime.now(UTC)
        unique = {(n, k): lab for _, (n, k, lab) in missing}
        rows = [{"name": n, "labels_key": k, "labels": lab, "created_at": now}
                for (n, k), lab in unique.items()]
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(SeriesRow).values(rows).on_conflict_do_nothing(
            index_elements=["name", "labels_key"]))
        pairs = {(n, k) for _, (n, k, _lab) in missing}
        ordered = sorted(pairs)
        found: dict[tuple[str, str], int] = {}
        for chunk_start in range(0, len(ordered), 500):
            chunk = ordered[chunk_start:chunk_start + 500]
            # Two IN lists use the (name, labels_key) unique index on both databases, where
            # a row-value IN makes SQLite scan it; extra combinations are filtered out here.
            stmt = select(SeriesRow.id, SeriesRow.name, SeriesRow.labels_key).where(
                SeriesRow.name.in_({n for n, _ in chunk}),
                SeriesRow.labels_key.in_({k for _, k in chunk}))
            for sid, name, key in session.execute(stmt):
                if (name, key) in pairs:
                    found[(name, key)] = sid
        for i, (name, key, _lab) in missing:
            ids[i] = found[(name, key)]

        def remember(_session: Session) -> None:
            for (name, key), sid in found.items():
                cache.put(name, key, sid)

        # Only committed ids are shared: a concurrent request that used the id of a series
        # this transaction has not committed yet would fail its foreign key (and an id of a
        # rolled-back series would never become valid).
        event.listen(session, "after_commit", remember, once=True)
    return [i for i in ids if i is not None]


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"
_COPY_ROW = np.dtype([("fields", ">i2"), ("len_id", ">i4"), ("series_id", ">i8"),
                      ("len_ts", ">i4"), ("ts", ">f8"), ("len_value", ">i4"), ("value", ">f8")])


def _copy_payload(series_ids: list[int], ts: list[float], values: list[float]) -> bytes:
    """Rows in PostgreSQL's binary COPY format, built with numpy in one pass."""
    rows = np.empty(len(ts), dtype=_COPY_ROW)
    rows["fields"] = 3
    rows["len_id"] = rows["len_ts"] = rows["len_value"] = 8
    rows["series_id"] = series_ids
    rows["ts"] = ts
    rows["value"] = values
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def append_samples(session: Session, series_ids: list[int], ts: list[float],
                   values: list[float]) -> int:
    """Append points, ignoring ones already stored (idempotent); returns how many were new.

    On PostgreSQL new points go in by binary COPY inside a savepoint; only when that meets
    an already-stored point does the batch take the slower staged INSERT ... ON CONFLICT.
    """
    if not ts:
        return 0
    conn: Connection = session.connection()
    if conn.dialect.name == "postgresql":
        return _append_postgres(conn, _copy_payload(series_ids, ts, values), len(ts))
    result = conn.exec_driver_sql(
        "INSERT OR IGNORE INTO samples (series_id, ts, value) VALUES (?, ?, ?)",
        list(zip(series_ids, ts, values, strict=True)),
    )
    return int(result.rowcount)


def _append_postgres(conn: Connection, payload: bytes, count: int) -> int:
    import psycopg

    raw: Any = conn.connection.driver_connection
    try:
        with conn.begin_nested(), raw.cursor() as cur, \
                cur.copy("COPY samples (series_id, ts, value) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(payload)
        return count
    except psycopg.errors.UniqueViolation:
        pass
    with raw.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS samples_stage "
                    "(series_id bigint, ts float8, value float8) ON COMMIT DELETE ROWS")
        with cur.copy("COPY samples_stage (series_id, ts, value) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(payload)
        cur.execute("INSERT INTO samples (series_id, ts, value) SELECT * FROM samples_stage "
                    "ON CONFLICT DO NOTHING")
        inserted = int(cur.rowcount)
        cur.execute("TRUNCATE samples_stage")
    return inserted


def _label_clause(key: str, value: str) -> Any:
    import orjson

    if value == "":  # an empty value means "no such label" (stored series never have one)
        name = orjson.dumps(key).decode().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_")
        return ~or_(SeriesRow.labels_key.like(f"{{{name}:%", escape="\\"),
                    SeriesRow.labels_key.like(f"%,{name}:%", escape="\\"))
    pair = orjson.dumps({key: value}).decode()[1:-1]
    escaped = pair.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(SeriesRow.labels_key.like(f"%{escaped},%", escape="\\"),
               SeriesRow.labels_key.like(f"%{escaped}}}", escape="\\"))


def list_series(session: Session, name: str | None, labels: dict[str, str],
                after_id: int, limit: int) -> list[SeriesRecord]:
    """Series filtered by exact name and label pairs, ordered by id, after a cursor id."""
    if name and "\x00" in name:
        return []  # stored names never hold NUL, and PostgreSQL text cannot compare with one
    stmt = select(SeriesRow).where(SeriesRow.id > after_id)
    if name:
        stmt = stmt.where(SeriesRow.name == name)
    for key, value in labels.items():
        stmt = stmt.where(_label_clause(key, value))
    rows = session.scalars(stmt.order_by(SeriesRow.id).limit(limit)).all()
    return [_record(r) for r in rows]


def get_series(session: Session, series_id: int) -> SeriesRecord | None:
    """One series by id."""
    row = session.get(SeriesRow, series_id)
    return _record(row) if row is not None else None


def read_points(session: Session, series_id: int, start: float | None, end: float | None,
                after_ts: float | None, limit: int) -> list[tuple[float, float]]:
    """Points of a series in [start, end], ordered by time, after a cursor timestamp."""
    conds = [SampleRow.series_id == series_id]
    if start is not None:
        conds.append(SampleRow.ts >= start)
    if end is not None:
        conds.append(SampleRow.ts <= end)
    if after_ts is not None:
        conds.append(SampleRow.ts > after_ts)
    stmt = select(SampleRow.ts, SampleRow.value).where(and_(*conds)).order_by(SampleRow.ts)
    return [(float(t), float(v)) for t, v in session.execute(stmt.limit(limit))]


def count_samples(session: Session) -> int:
    """How many samples are stored in all."""
    return int(session.scalar(select(func.count()).select_from(SampleRow)) or 0)


def series_ids_with_samples_before(session: Session, cutoff: float) -> list[int]:
    """Ids of every series (cheap: one row per series from the series table)."""
    del cutoff  # every series may hold old points; the per-series delete uses the index
    return list(session.scalars(select(SeriesRow.id).order_by(SeriesRow.id)))


def delete_samples_before(session: Session, series_id: int, cutoff: float,
                          batch_size: int) -> int:
    """Delete at most `batch_size` samples of one series older than `cutoff` (primary key)."""
    victims = (select(SampleRow.ts).where(SampleRow.series_id == series_id,
                                          SampleRow.ts < cutoff)
               .order_by(SampleRow.ts).limit(batch_size))
    result = session.execute(
        delete(SampleRow).where(SampleRow.series_id == series_id, SampleRow.ts.in_(victims)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _record(row: SeriesRow) -> SeriesRecord:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return SeriesRecord(row.id, row.name, dict(row.labels), created)
