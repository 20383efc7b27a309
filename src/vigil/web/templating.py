"""Jinja2 templates of the console and the page response with its security headers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from vigil.services.console_sessions import ConsoleSession

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'"
)
"""Only this server's own files: no CDN, no inline script (chart data travels as JSON)."""

PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

NAV = [("/", "Overview"), ("/series", "Series"), ("/alerts", "Alerts"), ("/oncall", "On call"),
       ("/security", "Security"), ("/reports", "Reports")]


def _when(value: datetime | float | None) -> str:
    """A timestamp as `YYYY-MM-DD HH:MM:SS UTC` (empty for None)."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _ago(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, roughly (`5 min ago`, `3 h ago`, `2 d ago`)."""
    if value is None:
        return "never"
    seconds = ((now or datetime.now(UTC)) - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 90:
        text = f"{int(seconds)} s"
    elif seconds < 5400:
        text = f"{int(seconds // 60)} min"
    elif seconds < 172_800:
        text = f"{int(seconds // 3600)} h"
    else:
        text = f"{int(seconds // 86_400)} d"
    return f"in {text}" if future else f"{text} ago"


def _duration(seconds: float | None) -> str:
    """A duration in the largest sensible unit."""
    if seconds is None:
        return ""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86_400:.1f} d"


def _labels(labels: dict[str, str]) -> str:
    """Labels as `{a="1", b="2"}` (empty braces for none)."""
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


_ENV = Environment(loader=PackageLoader("vigil.web", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters.update(when=_when, ago=_ago, duration=_duration, labels=_labels)


def render(request: Request, template: str, context: dict[str, Any],
           session: ConsoleSession | None, status: int = 200) -> HTMLResponse:
    """Render a page with the layout's context (who is logged in, CSRF token, navigation)."""
    can_write = session is not None and session.principal.role.value in ("operator", "admin")
    page = _ENV.get_template(template).render(
        request_path=request.url.path, nav=NAV, session=session,
        user=session.principal if session else None,
        csrf_token=session.csrf_token if session else "", can_write=can_write, **context)
    return HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
