"""API keys (hashed) and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vigil.core.types import Role
from vigil.storage.models import ApiKeyRow, AuditRow


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A stored key without its secret."""

    id: int
    name: str
    prefix: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    bootstrap: bool


@dataclass(frozen=True, slots=True)
class BootstrapKeyState:
    """What the config audit needs to know about the bootstrap admin key."""

    bootstrap_exists: bool
    bootstrap_revoked: bool
    other_active_admins: int


def _record(row: ApiKeyRow) -> ApiKeyRecord:
    return ApiKeyRecord(row.id, row.name, row.prefix, Role(row.role).value, row.created_at,
                        row.last_used_at, row.revoked_at, row.bootstrap)


def add_key(session: Session, name: str, prefix: str, key_hash: str, role: str,
            bootstrap: bool = False) -> ApiKeyRecord:
    """Store a new key hash."""
    row = ApiKeyRow(name=name, prefix=prefix, key_hash=key_hash, role=role,
                    created_at=datetime.now(UTC), bootstrap=bootstrap)
    session.add(row)
    session.flush()
    return _record(row)


def find_by_hash(session: Session, key_hash: str) -> ApiKeyRecord | None:
    """The key with this hash, revoked or not."""
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash))
    return _record(row) if row is not None else None


def touch(session: Session, key_id: int, now: datetime, min_interval: timedelta) -> None:
    """Record use of a key, at most once per `min_interval` (keeps reads write-free)."""
    session.execute(update(ApiKeyRow).where(
        ApiKeyRow.id == key_id,
        (ApiKeyRow.last_used_at.is_(None)) | (ApiKeyRow.last_used_at < now - min_interval),
    ).values(last_used_at=now))


def list_keys(session: Session, include_revoked: bool = False) -> list[ApiKeyRecord]:
    """Every key, oldest first."""
    stmt = select(ApiKeyRow).order_by(ApiKeyRow.id)
    if not include_revoked:
        stmt = stmt.where(ApiKeyRow.revoked_at.is_(None))
    return [_record(r) for r in session.scalars(stmt)]


def revoke(session: Session, key_id: int) -> ApiKeyRecord | None:
    """Revoke a key by id; None when there is no such key."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    session.flush()
    return _record(row)


def active_admin_ids(session: Session) -> list[int]:
    """Ids of the admin keys not revoked, locked for update so concurrent revokes queue."""
    stmt = (select(ApiKeyRow.id).where(ApiKeyRow.role == "admin", ApiKeyRow.revoked_at.is_(None))
            .order_by(ApiKeyRow.id).with_for_update())
    return list(session.scalars(stmt).all())


def count_keys(session: Session) -> int:
    """How many keys were ever created."""
    return int(session.scalar(select(func.count()).select_from(ApiKeyRow)) or 0)


def record_audit(session: Session, actor: str, action: str, target: str,
                 details: dict[str, object] | None = None) -> None:
    """Append one entry to the audit log."""
    session.add(AuditRow(ts=datetime.now(UTC), actor=actor, action=action, target=target,
                         details=details or {}))


def list_audit(session: Session, limit: int = 100) -> list[AuditRow]:
    """The newest audit entries first."""
    return list(session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)))


def bootstrap_key_state(session: Session) -> BootstrapKeyState:
    """Whether the bootstrap admin key exists, is revoked, and how many other admins are active."""
    boot = session.scalars(select(ApiKeyRow).where(ApiKeyRow.bootstrap.is_(True))).all()
    others = session.scalar(select(func.count()).select_from(ApiKeyRow).where(
        ApiKeyRow.role == "admin", ApiKeyRow.bootstrap.is_(False),
        ApiKeyRow.revoked_at.is_(None)))
    return BootstrapKeyState(bool(boot), bool(boot) and all(r.revoked_at for r in boot),
                             int(others or 0))
