"""Who is looking: the session of the request's cookie, and the checks every write passes.

Pages need a live session (else a redirect to the login form). A write (every POST)
needs a live session, the session's CSRF token in the form, and the operator role;
anything less is refused with 403 before any service runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from fastapi import Request

from vigil.core.types import Role
from vigil.services.console_sessions import (
    SESSION_COOKIE,
    ConsoleSession,
    csrf_matches,
    session_of,
)
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event
from vigil.telemetry.metrics import AUTH_FAILURES


class LoginRequired(Exception):
    """No live session: the browser is sent to the login form (then back to `next_path`)."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Forbidden(Exception):
    """A write refused: no session, a missing or wrong CSRF token, or a viewer's key."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PageNotFound(Exception):
    """A console page about something that does not exist (404 page)."""


def database(request: Request) -> Database:
    """The app's database handle."""
    db: Database = request.app.state.db
    return db


def current_session(request: Request) -> ConsoleSession | None:
    """The live session of this request's cookie, looked up once per request."""
    if hasattr(request.state, "console_session"):
        cached: ConsoleSession | None = request.state.console_session
        return cached
    found = session_of(database(request), request.cookies.get(SESSION_COOKIE),
                       datetime.now(UTC))
    request.state.console_session = found
    return found


def login_url(next_path: str) -> str:
    """The login form's address, returning to `next_path` afterwards."""
    return "/login?next=" + quote(next_path, safe="/")


def page_session(request: Request) -> ConsoleSession:
    """A dependency of every page: the live session, or LoginRequired."""
    session = current_session(request)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return session


def csrf_session(request: Request, csrf_token: str | None) -> ConsoleSession:
    """The live session of a form post whose CSRF token is right (else Forbidden)."""
    session = current_session(request)
    if session is None:
        raise Forbidden("you are not logged in (or your session ended); log in again")
    if not csrf_matches(session, csrf_token):
        log_event("CONSOLE_CSRF_REJECTED", "WARNING", path=request.url.path,
                  key_name=session.principal.name)
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page and "
                        "try again")
    return session


def write_session(request: Request, csrf_token: str | None) -> ConsoleSession:
    """The session allowed to make this write: live, CSRF token right, operator role or more."""
    session = csrf_session(request, csrf_token)
    if not session.principal.role.allows(Role.OPERATOR):
        AUTH_FAILURES.labels(reason="forbidden").inc()
        log_event("AUTH_FAILED", "WARNING", reason="forbidden", path=request.url.path,
                  method=request.method, key_name=session.principal.name,
                  role=session.principal.role.value)
        raise Forbidden(f"this action needs the operator role; your key has "
                        f"{session.principal.role.value}")
    return session


def safe_next(target: str | None) -> str:
    """A local path to return to after login (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
