"""Web console sessions: log in with an API key, find the session of a cookie, log out.

A session stands for one API key. Only the SHA-256 of its cookie value is stored, with
the key's id and a CSRF token; every request looks the key up again, so a revoked key
(or an expired session) logs the browser out at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from vigil.services.keys import AuthError, Principal, authenticate
from vigil.storage import console_sessions_repo as repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event

SESSION_COOKIE = "vigil_session"
"""The name of the console's session cookie (Secure, HttpOnly, SameSite=Strict)."""


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A live session: who it is (the key's principal), its CSRF token, when it ends."""

    principal: Principal
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, api_key: str | None, lifetime: timedelta,
                  now: datetime) -> tuple[str, ConsoleSession]:
    """Check the key and open a session: (cookie value, session); AuthError on a bad key."""
    principal = authenticate(db, (api_key or "").strip() or None)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires_at = now + lifetime
    with db.session() as session:
        repo.delete_expired(session, now)
        repo.add_session(session, _hash(token), principal.key_id, csrf, now, expires_at)
    log_event("console_login", "INFO", key_name=principal.name, role=principal.role.value)
    return token, ConsoleSession(principal, csrf, expires_at)


def session_of(db: Database, token: str | None, now: datetime) -> ConsoleSession | None:
    """The live session of a cookie value; None when unknown, expired or its key revoked."""
    if not token or len(token) > 256:
        return None
    token_hash = _hash(token)
    with db.session() as session:
        record = repo.find_session(session, token_hash)
        if record is None:
            return None
        if record.key_revoked_at is not None or record.expires_at <= now:
            repo.delete_session(session, token_hash)
            return None
    return ConsoleSession(Principal(record.key_id, record.key_name, record.role),
                          record.csrf_token, record.expires_at)


def end_session(db: Database, token: str | None) -> bool:
    """Log out: forget the session of this cookie value (False when there was none)."""
    if not token or len(token) > 256:
        return False
    with db.session() as session:
        return repo.delete_session(session, _hash(token))


def csrf_matches(session: ConsoleSession, submitted: str | None) -> bool:
    """Whether a form's CSRF token is this session's (constant-time comparison)."""
    return bool(submitted) and hmac.compare_digest(session.csrf_token.encode(),
                                                   (submitted or "").encode())


__all__ = ["SESSION_COOKIE", "AuthError", "ConsoleSession", "csrf_matches", "end_session",
           "session_of", "start_session"]
