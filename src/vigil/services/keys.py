"""API keys: create (shown once), authenticate by hash, list, revoke, first-start admin key."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from vigil.config import Settings
from vigil.core.types import Role
from vigil.storage import console_sessions_repo, keys_repo
from vigil.storage.database import Database
from vigil.storage.keys_repo import ApiKeyRecord
from vigil.telemetry.logging import log_event

KEY_PREFIX = "vgl_"
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id, name and role."""

    key_id: int
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly created key: the secret is only ever available here."""

    secret: str
    record: ApiKeyRecord


class AuthError(Exception):
    """Authentication failed; `reason` is safe to log (never contains the key)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def hash_key(secret: str) -> str:
    """SHA-256 of a key (keys are 256-bit random, so a fast hash is the right one)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(db: Database, name: str, role: Role, actor: str,
               bootstrap: bool = False) -> NewKey:
    """Create a key with a role and record who did it; the secret is returned once."""
    if not name.strip():
        raise ValueError("a key needs a non-empty name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValueError("a key name must not contain control characters")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.session() as session:
        record = keys_repo.add_key(session, name.strip(), secret[:12], hash_key(secret),
                                   role.value, bootstrap)
        keys_repo.record_audit(session, actor, "api_key.create", f"api_key:{record.id}",
                               {"name": record.name, "role": role.value})
    return NewKey(secret, record)


def authenticate(db: Database, token: str | None) -> Principal:
    """Find the active key for a bearer token or raise AuthError with a loggable reason."""
    if not token:
        raise AuthError("missing")
    with db.session() as session:
        record = keys_repo.find_by_hash(session, hash_key(token))
        if record is None:
            raise AuthError("invalid")
        if record.revoked_at is not None:
            raise AuthError("revoked")
        keys_repo.touch(session, record.id, datetime.now(UTC), TOUCH_INTERVAL)
    return Principal(record.id, record.name, Role(record.role))


def list_keys(db: Database, include_revoked: bool = False) -> list[ApiKeyRecord]:
    """Keys without their secrets."""
    with db.session() as session:
        return keys_repo.list_keys(session, include_revoked)


class LastAdminError(Exception):
    """Revoking this key would leave no active admin key: nobody could manage keys again."""


def revoke_key(db: Database, key_id: int, actor: str,
               allow_last_admin: bool = False) -> ApiKeyRecord | None:
    """Revoke a key; None when no key has that id; LastAdminError for the last active admin."""
    with db.session() as session:
        admins = keys_repo.active_admin_ids(session)
        if admins == [key_id] and not allow_last_admin:
            raise LastAdminError(f"key {key_id} is the last active admin key; create another "
                                 "admin key before revoking it")
        record = keys_repo.revoke(session, key_id)
        if record is not None:
            console_sessions_repo.delete_sessions_of_key(session, key_id)
            keys_repo.record_audit(session, actor, "api_key.revoke", f"api_key:{key_id}",
                                   {"name": record.name})
    return record


def ensure_bootstrap_admin(db: Database, settings: Settings) -> str | None:
    """On the very first start create an admin key, write it to <data_dir>/admin.key (0600).

    Returns the secret when one was created, None when keys already exist.
    """
    with db.session() as session:
        if keys_repo.count_keys(session) > 0:
            return None
    new = create_key(db, "bootstrap-admin", Role.ADMIN, actor="system", bootstrap=True)
    path = Path(settings.data_dir) / "admin.key"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new.secret + "\n")
        os.chmod(path, 0o600)
    except OSError as exc:  # the key exists now: hand it out (printed once), never lose it
        log_event("ERROR", "ERROR", message=f"could not write the first admin key to {path}: "
                  f"{exc.strerror or exc}")
    return new.secret
