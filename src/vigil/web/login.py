"""Log in with an API key (a session cookie) and log out.

The login form is protected against login CSRF by a double-submit token (a cookie and
a hidden field that must match). A wrong key is an AUTH_FAILED like on the API: logged,
counted, fed to the brute-force monitor and to the per-address lockout.
"""

from __future__ import annotations

import hmac
import math
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vigil.config import Settings
from vigil.services.console_sessions import (
    SESSION_COOKIE,
    AuthError,
    end_session,
    start_session,
)
from vigil.services.limits import Limiter
from vigil.services.runtime import Runtime
from vigil.telemetry.logging import log_event
from vigil.telemetry.metrics import AUTH_FAILURES, AUTH_WINDOW
from vigil.web.session import Forbidden, csrf_session, current_session, database, safe_next
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "vigil_login_csrf"
LOGIN_CSRF_SECONDS = 3600
MESSAGES = {"missing": "Enter an API key.",
            "invalid": "That API key is not valid.",
            "revoked": "That API key has been revoked."}


def _cookie_flags() -> dict[str, object]:
    """Every console cookie: Secure, HttpOnly, SameSite=Strict (see docs/console.md)."""
    return {"secure": True, "httponly": True, "samesite": "strict"}


def _login_form(request: Request, next_path: str, error: str | None = None,
                status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"next_path": next_path, "error": error,
                                              "login_csrf": token}, None, status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=LOGIN_CSRF_SECONDS, path="/login",
                        **_cookie_flags())  # type: ignore[arg-type]
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    """The login form (straight to `next` when already logged in)."""
    if current_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, safe_next(next))


def _auth_failed(request: Request, reason: str) -> None:
    AUTH_FAILURES.labels(reason=reason).inc()
    AUTH_WINDOW.record(True)
    context: dict[str, object] = {"client_ip": request.client.host if request.client else None,
                                  "reason": reason, "method": request.method,
                                  "path": request.url.path}
    log_event("AUTH_FAILED", "WARNING", **context)
    runtime: Runtime = request.app.state.runtime
    runtime.auth_failed(context)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, api_key: str = Form(""), login_csrf: str = Form(""),
          next: str = Form("/")) -> Response:
    """Check the key and set the session cookie; the form again (401) on a bad key."""
    next_path = safe_next(next)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), login_csrf.encode()):
        raise Forbidden("the login form expired or did not come from this site; "
                        "reload it and try again")
    limiter: Limiter | None = getattr(request.app.state, "limiter", None)
    address = request.client.host if request.client else "unknown"
    settings: Settings = request.app.state.settings
    try:
        token, session = start_session(database(request), api_key,
                                       timedelta(hours=settings.console_session_hours),
                                       datetime.now(UTC))
    except AuthError as exc:
        # As on the API: a lockout refuses an address's failed attempts, never a valid key.
        locked = limiter.auth_locked(address) if limiter is not None else None
        if locked is not None:
            AUTH_FAILURES.labels(reason="locked_out").inc()
            AUTH_WINDOW.record(True)
            return _login_form(request, next_path, "Too many failed logins from this "
                               f"address; try again in {math.ceil(locked)} s.", 429)
        if limiter is not None:
            limiter.auth_failed(address)
        _auth_failed(request, exc.reason)
        status = 422 if exc.reason == "missing" else 401
        return _login_form(request, next_path, MESSAGES.get(exc.reason, "Not authorised."),
                           status)
    AUTH_WINDOW.record(False)
    response = RedirectResponse(next_path, status_code=303)
    max_age = int((session.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/",
                        **_cookie_flags())  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login", **_cookie_flags())  # type: ignore[arg-type]
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form("")) -> Response:
    """End the session (CSRF-checked like every form) and forget the cookie."""
    session = csrf_session(request, csrf_token)
    end_session(database(request), request.cookies.get(SESSION_COOKIE))
    log_event("console_logout", "INFO", key_name=session.principal.name)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", **_cookie_flags())  # type: ignore[arg-type]
    return response
