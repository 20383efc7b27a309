"""RFC 9457 problem details: one exception type and the handlers that render it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from vigil.services.cpu_pool import PoolSaturated
from vigil.storage.database import is_connection_error
from vigil.telemetry.logging import log_event

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://vigil.dev/problems/"
RETRY_AFTER_SECONDS = 5


class ProblemError(Exception):
    """Raise to answer with a problem+json response."""

    def __init__(self, status: int, type: str, title: str, detail: str = "",
                 errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or title)
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers


def problem_response(status: int, type: str, title: str, detail: str = "",
                     errors: list[dict[str, Any]] | None = None,
                     headers: dict[str, str] | None = None,
                     instance: str | None = None) -> JSONResponse:
    """Build a problem+json response."""
    return JSONResponse(problem_body(status, type, title, detail, errors, instance),
                        status_code=status, headers=headers, media_type=PROBLEM_JSON)


def problem_body(status: int, type: str, title: str, detail: str = "",
                 errors: list[dict[str, Any]] | None = None,
                 instance: str | None = None) -> dict[str, Any]:
    """The JSON members of a problem response."""
    body: dict[str, Any] = {"type": TYPE_BASE + type, "title": title, "status": status,
                            "detail": detail or title}
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return body


def field_errors(raw: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors as {path, message} with dotted field paths."""
    out = []
    for err in raw[:50]:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path"}:
            where, loc = loc[0], loc[1:]
        else:
            where = "body"
        out.append({"in": where, "path": ".".join(loc) or "$", "message": err.get("msg", "")})
    return out


def database_problem(path: str, exc: SQLAlchemyError) -> JSONResponse:
    """503 when the database is unreachable, 422 for a value it cannot hold, else 500."""
    if is_connection_error(exc) or "locked" in str(exc):
        log_event("database_unavailable", "ERROR", path=path,
                  error=str(getattr(exc, "orig", exc)).splitlines()[0][:200])
        return problem_response(503, "database-unavailable", "Service unavailable",
                                "the database is unreachable; nothing was written, retry later",
                                headers={"Retry-After": str(RETRY_AFTER_SECONDS)}, instance=path)
    if isinstance(exc, DataError):  # a value of the request the database cannot hold
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        log_event("database_rejected_value", "WARNING", path=path,
                  error=(reason[0] if reason else "")[:200])
        return problem_response(422, "invalid-input", "Invalid input",
                                "the database cannot store a value of the request: "
                                + (reason[0] if reason else "invalid value")[:200],
                                instance=path)
    log_event("ERROR", "ERROR", path=path, message=f"database error: {exc}")
    return problem_response(500, "internal", "Internal error", "unexpected database error",
                            instance=path)


_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 413: "Payload too large",
           415: "Unsupported media type", 422: "Invalid input", 429: "Too many requests",
           503: "Service unavailable"}


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error of the app as problem+json."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc.status, exc.type, exc.title, exc.detail, exc.errors,
                                exc.headers, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(422, "invalid-input", "Invalid input",
                                "the request does not have the expected shape",
                                field_errors(list(exc.errors())), instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _TITLES.get(exc.status_code, "Error")
        slug = title.lower().replace(" ", "-")
        return problem_response(exc.status_code, slug, title, str(exc.detail),
                                headers=getattr(exc, "headers", None), instance=request.url.path)

    @app.exception_handler(SQLAlchemyError)
    async def _db(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        return database_problem(request.url.path, exc)

    @app.exception_handler(PoolSaturated)
    async def _busy(request: Request, exc: PoolSaturated) -> JSONResponse:
        return problem_response(503, "busy", "Service unavailable",
                                f"every {exc.pool} worker is busy; retry in {exc.retry_after} s",
                                headers={"Retry-After": str(exc.retry_after)},
                                instance=request.url.path)

    @app.exception_handler(Exception)
    async def _any(request: Request, exc: Exception) -> JSONResponse:
        log_event("ERROR", "ERROR", path=request.url.path,
                  message=f"unhandled {type(exc).__name__}: {exc}")
        return problem_response(500, "internal", "Internal error", "unexpected error",
                                instance=request.url.path)
