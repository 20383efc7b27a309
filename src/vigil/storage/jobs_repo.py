"""Last-run bookkeeping of scheduled jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from vigil.storage.database import Database
from vigil.storage.models import JobRunRow


def record_start(db: Database, name: str, when: datetime) -> None:
    """Note that a job started."""
    with db.session() as session:
        row = session.get(JobRunRow, name) or JobRunRow(name=name)
        row.last_started_at = when
        session.add(row)


def last_started(db: Database, name: str) -> datetime | None:
    """When the job last started on any replica (timezone-aware), or None."""
    with db.session() as session:
        row = session.get(JobRunRow, name)
        when = row.last_started_at if row is not None else None
    if when is not None and when.tzinfo is None:  # SQLite keeps no offset; we store UTC
        when = when.replace(tzinfo=UTC)
    return when


def record_finish(db: Database, name: str, when: datetime, status: str,
                  detail: str | None) -> None:
    """Note how a job ended."""
    with db.session() as session:
        row = session.get(JobRunRow, name) or JobRunRow(name=name)
        row.last_finished_at = when
        row.last_status = status
        row.last_detail = (detail or "")[:2000]
        session.add(row)


def list_runs(db: Database) -> list[JobRunRow]:
    """Every job's last run."""
    with db.session() as session:
        return list(session.scalars(select(JobRunRow).order_by(JobRunRow.name)))
