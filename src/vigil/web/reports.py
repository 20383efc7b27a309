"""The reports page: the daily and weekly reports of the Analytics Engine, embedded.

The report itself is `GET /api/v1/reports/{kind}?format=html` (self-contained HTML with
inline SVG charts); the browser loads it with the console's session cookie, which the
API accepts for reads (see docs/console.md).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from vigil.services.console_sessions import ConsoleSession
from vigil.web.session import page_session
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)
KINDS = ("daily", "weekly")
REPORTS_PATH = "/api/v1/reports"


def _reports_available(request: Request) -> bool:
    """Whether this build serves the reports API (asked of the app's OpenAPI paths)."""
    paths = request.app.openapi().get("paths", {})
    return any(str(path).startswith(REPORTS_PATH + "/") for path in paths)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, kind: str = Query("daily"),
                 session: ConsoleSession = Depends(page_session)) -> HTMLResponse:
    """The daily (or weekly) report embedded, with links to it as HTML, JSON and Markdown."""
    kind = kind if kind in KINDS else "daily"
    return render(request, "reports.html",
                  {"kind": kind, "kinds": KINDS, "base": f"{REPORTS_PATH}/{kind}",
                   "available": _reports_available(request)}, session)
