"""Reports and analytics over HTTP: daily/weekly reports, stored runs, analytics sections."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from vigil.api.deps import Principal, get_config, get_database, get_settings, require_role
from vigil.api.problems import ProblemError
from vigil.core.types import MAX_ID, Role

router = APIRouter(prefix="/api/v1", tags=["analytics"])

_FORMATS = ("html", "json", "md")


def _bad(detail: str) -> ProblemError:
    return ProblemError(422, "invalid-report-request", "Invalid report request", detail)


def _rendered(text: str, fmt: str) -> Response:
    if fmt == "html":
        return HTMLResponse(text)
    if fmt == "md":
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
    return Response(text, media_type="application/json")


def _check_format(fmt: str) -> str:
    if fmt not in _FORMATS:
        raise _bad(f"unknown format {fmt!r}: use html, json or md")
    return fmt


@router.get("/reports/runs")
async def report_runs(request: Request, kind: str | None = None,
                      limit: Annotated[int, Query(ge=1, le=500)] = 50,
                      _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """Reports the scheduled job stored, newest first, with their delivery outcome."""
    from vigil.services.reports import KINDS
    from vigil.services.reports.queries import list_report_runs

    if kind is not None and kind not in KINDS:
        raise ProblemError(404, "not-found", "Not found", f"there is no report {kind!r}: "
                           "use daily or weekly")
    items = await run_in_threadpool(list_report_runs, get_database(request), kind, limit)
    return {"items": items}


@router.get("/reports/runs/{run_id}", responses={404: {"description": "No such report run"}})
async def report_run(request: Request, run_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                     format: str = "html",
                     _p: Principal = Depends(require_role(Role.VIEWER))) -> Response:
    """One stored report as html (as it was sent), json or md."""
    from vigil.services.reports import render
    from vigil.services.reports.queries import stored_report

    fmt = _check_format(format)
    found = await run_in_threadpool(stored_report, get_database(request), run_id)
    if found is None:
        raise ProblemError(404, "not-found", "Not found", f"there is no report run {run_id}")
    document, html = found
    return _rendered(html if fmt == "html" else render(document, fmt), fmt)


@router.get("/reports/{kind}", responses={404: {"description": "No such report"},
                                          422: {"description": "Bad format, week or time"}})
async def report(request: Request, kind: str, format: str = "html", at: str | None = None,
                 week: str | None = None,
                 _p: Principal = Depends(require_role(Role.VIEWER))) -> Response:
    """The daily or weekly report, computed now: `format=html` (self-contained, inline SVG
    charts; the web console embeds it), `json` or `md`. `at` and `week` choose the period
    as in `vigil report`."""
    from vigil.services.reports import KINDS, PeriodError, generate, render

    if kind not in KINDS:
        raise ProblemError(404, "not-found", "Not found",
                           f"there is no report {kind!r}: use daily or weekly")
    fmt = _check_format(format)
    db, settings, config = get_database(request), get_settings(request), get_config(request)

    def work() -> str:
        return render(generate(db, settings, config, kind, at=at, week=week), fmt)

    try:
        text = await run_in_threadpool(work)
    except PeriodError as exc:
        raise _bad(str(exc)) from None
    return _rendered(text, fmt)


def _time(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{name}: {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@router.get("/analytics/{section}", responses={404: {"description": "No such section"},
                                               422: {"description": "Bad time range"}})
async def analytics(request: Request, section: str, start: str | None = None,
                    end: str | None = None,
                    _p: Principal = Depends(require_role(Role.VIEWER))) -> JSONResponse:
    """One analytics family over [start, end) (default: the last 7 days): `incidents`,
    `noise`, `quality`, `security`, `capacity`, or `health` (the daily checks, now).
    Report numbers link here."""
    from datetime import timedelta

    from vigil.services.reports import SECTIONS, Period, PeriodError, build_section
    from vigil.services.reports.periods import check_range

    if section not in (*SECTIONS, "health"):
        raise ProblemError(404, "not-found", "Not found", f"there is no analytics section "
                           f"{section!r}: use {', '.join((*SECTIONS, 'health'))}")
    now = datetime.now(UTC)
    stop = _time(end, "end") or now
    try:
        check_range(stop, stop)
        begin = _time(start, "start") or stop - timedelta(days=7)
    except PeriodError as exc:
        raise _bad(str(exc)) from None
    if stop <= begin:
        raise _bad("end must be after start")
    if stop - begin > timedelta(days=366):
        raise _bad("the range may span at most 366 days")
    try:
        check_range(begin, stop)
    except PeriodError as exc:
        raise _bad(str(exc)) from None
    period = Period("custom", begin, stop, f"{begin.isoformat()} to {stop.isoformat()}")
    db, settings, config = get_database(request), get_settings(request), get_config(request)
    try:
        body = await run_in_threadpool(build_section, db, settings, config, section, period, now)
    except PeriodError as exc:
        raise _bad(str(exc)) from None
    return JSONResponse(body)
