"""Threat detection over HTTP: submit log lines or JSON events, list stored threats."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vigil.api.deps import Principal, get_config, get_database, require_role
from vigil.api.pagination import decode_cursor, encode_cursor
from vigil.api.problems import PROBLEM_JSON, ProblemError, problem_body
from vigil.config import OperatorConfig
from vigil.core.types import Priority, Role
from vigil.security.threats import SigmaRuleError
from vigil.services import threats as service
from vigil.storage.database import Database

router = APIRouter(prefix="/api/v1/security", tags=["security-threats"])
MAX_LINES = 100_000
MAX_EVENTS = 100_000


class LogBatch(BaseModel):
    """Raw log lines (sshd/PAM syslog, access logs, JSON lines) and/or JSON event objects."""

    model_config = ConfigDict(extra="forbid")

    lines: list[str] = Field(default_factory=list, max_length=MAX_LINES)
    events: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_EVENTS)


@router.post("/logs", response_model=None, responses={
                 413: {"description": "Body too large"},
                 422: {"description": "Invalid batch, or events dated in the future (the "
                                      "valid ones are still analysed and stored)"}},
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": LogBatch.model_json_schema()},
                 "text/plain": {"schema": {"type": "string"}}}}})
async def submit_logs(request: Request, db: Database = Depends(get_database),
                      config: OperatorConfig = Depends(get_config),
                      _p: Principal = Depends(require_role(Role.OPERATOR, "scan"))
                      ) -> dict[str, Any] | JSONResponse:
    """Analyse a batch: JSON `{"lines": [...], "events": [...]}` or `text/plain` lines.

    The whole batch is analysed; unparseable lines and unrecognised events are counted
    and reported (`stats.unparseable`, `rejected_events`), never fatal. Events dated more
    than a day in the future are invalid: the answer is then a 422 problem naming them
    (`errors[].path` = `events.N`), while the valid events are still analysed and stored.
    Threats found are stored (merged with earlier ones of the same type, source and
    start) and returned.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if ctype == "text/plain":
        lines = raw.decode("utf-8", "replace").splitlines()
        if len(lines) > MAX_LINES:
            raise ProblemError(413, "too-many-lines", "Payload too large",
                               f"at most {MAX_LINES} lines per request")
        batch = LogBatch(lines=lines)
    else:
        try:
            batch = LogBatch.model_validate_json(raw or b"{}")
        except ValidationError as exc:
            errors = exc.errors()
            raise ProblemError(422, "invalid-input", "Invalid input",
                               "expected {\"lines\": [...], \"events\": [...]}",
                               [{"path": ".".join(str(p) for p in e.get("loc", ())),
                                 "message": e.get("msg", "")} for e in errors]) from None
    try:
        sigma = service.load_sigma_paths(config.threats.sigma_rules) \
            if config.threats.sigma_rules else None
    except (SigmaRuleError, service.InputError) as exc:
        raise ProblemError(500, "sigma-rules", "Sigma rules unavailable", str(exc)) from None
    result: dict[str, Any] = await request.app.state.cpu_pools["scan"].run(
        service.ingest_lines, db, batch.lines, config.threats, batch.events, sigma)
    invalid = [r for r in result["rejected_events"] if r.get("invalid")]
    if invalid:
        # The good events were analysed and their threats stored; the bad ones are named.
        body = problem_body(422, "invalid-events", "Invalid events",
                            f"{len(invalid)} event(s) rejected; the others were analysed and "
                            "their threats stored",
                            [{"path": r["path"], "message": r["reason"]} for r in invalid],
                            request.url.path)
        return JSONResponse({**result, **body}, status_code=422, media_type=PROBLEM_JSON)
    return result


@router.get("/threats")
def list_threats(db: Database = Depends(get_database),
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 cursor: str | None = None, priority: Priority | None = None,
                 source_ip: str | None = None, type: str | None = None,
                 _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """Stored threats, newest first; `next_cursor` pages on."""
    after = decode_cursor(cursor)
    if after is not None and not isinstance(after, int):
        raise ProblemError(422, "invalid-cursor", "Invalid input", "the cursor is not valid")
    rows = service.list_threats(db, limit, after, priority.value if priority else None,
                                source_ip, type)
    items = [{"id": r.id, "detected_at": r.detected_at.isoformat(), "origin": r.source, **r.data}
             for r in rows]
    next_cursor = encode_cursor(rows[-1].id) if len(rows) == limit else None
    return {"items": items, "next_cursor": next_cursor}
