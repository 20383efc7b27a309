"""Stored console sessions: add, find with their key, delete one, delete the expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.core.types import Role
from vigil.storage.models import ApiKeyRow
from vigil.storage.models_console import ConsoleSessionRow


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored session joined with its API key."""

    key_id: int
    key_name: str
    role: Role
    key_revoked_at: datetime | None
    csrf_token: str
    expires_at: datetime


def add_session(session: Session, token_hash: str, key_id: int, csrf_token: str,
                created_at: datetime, expires_at: datetime) -> None:
    """Store a new session."""
    session.add(ConsoleSessionRow(token_hash=token_hash, key_id=key_id, csrf_token=csrf_token,
                                  created_at=created_at, expires_at=expires_at))


def find_session(session: Session, token_hash: str) -> SessionRecord | None:
    """The session with this token hash and its key, or None."""
    row = session.execute(
        select(ConsoleSessionRow.key_id, ApiKeyRow.name, ApiKeyRow.role, ApiKeyRow.revoked_at,
               ConsoleSessionRow.csrf_token, ConsoleSessionRow.expires_at)
        .join(ApiKeyRow, ApiKeyRow.id == ConsoleSessionRow.key_id)
        .where(ConsoleSessionRow.token_hash == token_hash)).first()
    if row is None:
        return None
    key_id, name, role, revoked_at, csrf, expires_at = row
    return SessionRecord(int(key_id), name, Role(role), revoked_at, csrf, expires_at)


def delete_session(session: Session, token_hash: str) -> bool:
    """Forget one session; False when there was none."""
    result = session.execute(delete(ConsoleSessionRow)
                             .where(ConsoleSessionRow.token_hash == token_hash))
    return bool(getattr(result, "rowcount", 0))


def delete_expired(session: Session, now: datetime) -> int:
    """Forget sessions past their expiry; returns how many."""
    result = session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.expires_at < now))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_sessions_of_key(session: Session, key_id: int) -> int:
    """Forget every session of one API key (the key was revoked)."""
    result = session.execute(delete(ConsoleSessionRow).where(ConsoleSessionRow.key_id == key_id))
    return int(getattr(result, "rowcount", 0) or 0)
