"""Silences: created by operators, active between their start and end, expired by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerting.matchers import parse_matchers
from vigil.alerting.silences import Silence
from vigil.storage.alerting_repo._utc import required
from vigil.storage.models_alerting import SilenceRow


def _to_silence(row: SilenceRow) -> Silence:
    # Lenient: a silence stored by an older version must not stop every evaluation cycle.
    return Silence(row.id, parse_matchers(row.matchers, strict=False), required(row.starts_at),
                   required(row.ends_at), row.created_by, row.comment)


def create_silence(session: Session, matchers: Sequence[str], starts_at: datetime,
                   ends_at: datetime, created_by: str, comment: str, now: datetime) -> Silence:
    """Store a silence; returns it with its id."""
    row = SilenceRow(matchers=list(matchers), starts_at=starts_at, ends_at=ends_at,
                     created_by=created_by, comment=comment, created_at=now)
    session.add(row)
    session.flush()
    return _to_silence(row)


def list_silences(session: Session, now: datetime, include_expired: bool = False) -> list[Silence]:
    """Silences that are pending or active (and expired ones when asked), newest first."""
    stmt = select(SilenceRow).order_by(SilenceRow.id.desc())
    if not include_expired:
        stmt = stmt.where(SilenceRow.ends_at > now)
    return [_to_silence(r) for r in session.scalars(stmt)]


def active_silences(session: Session, now: datetime) -> list[Silence]:
    """Silences in effect now."""
    rows = session.scalars(select(SilenceRow).where(SilenceRow.starts_at <= now,
                                                    SilenceRow.ends_at > now))
    return [_to_silence(r) for r in rows]


def expire_silence(session: Session, silence_id: int, now: datetime) -> Silence | None:
    """End a silence now (keeping it for the record); None when there is no such silence."""
    row = session.get(SilenceRow, silence_id)
    if row is None:
        return None
    if required(row.ends_at) > now:
        row.ends_at = now
        if required(row.starts_at) > now:
            row.starts_at = now
        row.expired_at = now
    session.flush()
    return _to_silence(row)
