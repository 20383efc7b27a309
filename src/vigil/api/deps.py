"""FastAPI dependencies: settings, database, runtime, operator config and API-key auth."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import Request

from vigil.api.problems import ProblemError
from vigil.config import OperatorConfig, Settings
from vigil.core.forwarded import ProxyTrust
from vigil.core.types import Role
from vigil.services.console_sessions import SESSION_COOKIE, ConsoleSession, session_of
from vigil.services.keys import AuthError, Principal, authenticate
from vigil.services.runtime import Runtime
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event
from vigil.telemetry.metrics import AUTH_FAILURES, AUTH_WINDOW, RATE_LIMITED

__all__ = ["Principal", "get_config", "get_database", "get_runtime", "get_settings",
           "require_role"]


def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    """The shared database handle."""
    db: Database = request.app.state.db
    return db


def get_runtime(request: Request) -> Runtime:
    """The services of this process (ingest hand-off, background jobs)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_config(request: Request) -> OperatorConfig:
    """The validated operator YAML config."""
    config: OperatorConfig = request.app.state.config
    return config


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _fail(request: Request, reason: str, status: int, detail: str,
          principal: Principal | None = None) -> ProblemError:
    AUTH_FAILURES.labels(reason=reason).inc()
    AUTH_WINDOW.record(True)
    token = _bearer(request)
    context: dict[str, object] = {"client_ip": client_address(request), "reason": reason,
                                  "method": request.method, "path": request.url.path}
    if token and token.startswith("vgl_") and len(token) >= 40:
        context["key_prefix"] = token[:8]  # only of key-sized tokens: never a whole short one
    if principal is not None:
        context["key_name"] = principal.name
        context["role"] = principal.role.value
    log_event("AUTH_FAILED", "WARNING", **context)
    get_runtime(request).auth_failed(context)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    slug = "unauthorized" if status == 401 else "forbidden"
    title = "Unauthorized" if status == 401 else "Forbidden"
    return ProblemError(status, slug, title, detail, headers=headers)


def _console_session(request: Request) -> ConsoleSession | None:
    """A read (GET/HEAD) without a bearer key may use the web console's session cookie.

    So a logged-in browser can open the API links the console and the reports show
    (e.g. `/api/v1/reports/daily?format=html`). Writes always need the bearer key: a
    cookie never authorises a state change on the API, so the API needs no CSRF token.
    """
    if request.method not in ("GET", "HEAD") or "authorization" in request.headers:
        return None
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    return session_of(get_database(request), cookie, datetime.now(UTC))


def client_address(request: Request) -> str:
    """The caller's address, as the limits and `AUTH_FAILED` count it.

    The peer's address, unless the peer is a trusted reverse proxy (`VIGIL_TRUSTED_PROXIES`):
    then the rightmost untrusted hop of the forwarding header those proxies write.
    """
    peer = request.client.host if request.client else None
    trust: ProxyTrust | None = getattr(request.app.state, "proxy_trust", None)
    if trust is None:
        return peer or "unknown"
    return trust.client(peer, request.headers.getlist(trust.header))


def authenticate_request(request: Request) -> Principal:
    """Who sends this request: 401 (logged) on a bad key, 429 while its address is locked out.

    Runs before the body is read (see `AuthMiddleware`), so an unauthenticated caller
    costs one hash lookup whatever it sends. A lockout refuses the failed attempts of
    an address, never a valid key: clients behind the same NAT or proxy as an attacker
    keep working.
    """
    limiter = getattr(request.app.state, "limiter", None)
    session = _console_session(request)
    if session is not None:
        return session.principal
    try:
        return authenticate(get_database(request), _bearer(request))
    except AuthError as exc:
        if limiter is not None:
            address = client_address(request)
            locked = limiter.auth_locked(address)
            if locked is not None:
                AUTH_FAILURES.labels(reason="locked_out").inc()
                AUTH_WINDOW.record(True)
                raise ProblemError(429, "too-many-auth-failures", "Too many requests",
                                   "too many failed authentications from this address; "
                                   f"retry in {math.ceil(locked)} s",
                                   headers={"Retry-After": str(max(1, math.ceil(locked)))}) \
                    from None
            limiter.auth_failed(address)
        messages = {"missing": "send an API key as 'Authorization: Bearer <key>'",
                    "invalid": "the API key is not valid",
                    "revoked": "the API key has been revoked"}
        raise _fail(request, exc.reason, 401, messages.get(exc.reason, "not authorised")) \
            from None


def require_role(role: Role, expensive: str | None = None) -> Callable[[Request], Principal]:
    """A dependency that checks the caller's key allows `role`.

    With `expensive` ("detect", "scan", "remote_write") it also spends one call of the
    key's per-minute budget for that kind of route and answers 429 beyond it.
    """

    def dependency(request: Request) -> Principal:
        principal: Principal | None = getattr(request.state, "principal", None)
        if principal is None:
            principal = authenticate_request(request)
        if not principal.role.allows(role):
            raise _fail(request, "forbidden", 403,
                        f"this action needs the {role.value} role; the key has "
                        f"{principal.role.value}", principal)
        AUTH_WINDOW.record(False)
        request.state.principal = principal
        limiter = getattr(request.app.state, "limiter", None)
        if expensive is not None and limiter is not None:
            wait = limiter.spend(expensive, principal.key_id)
            if wait is not None:
                RATE_LIMITED.labels(kind=expensive).inc()
                log_event("RATE_LIMITED", "INFO", kind=expensive, key_name=principal.name,
                          retry_after=wait)
                raise ProblemError(429, "rate-limited", "Too many requests",
                                   f"this key is over its {expensive} limit of "
                                   f"{limiter.policy.rate(expensive)} calls per minute; "
                                   f"retry in {math.ceil(wait)} s",
                                   headers={"Retry-After": str(math.ceil(wait))})
        return principal

    return dependency
