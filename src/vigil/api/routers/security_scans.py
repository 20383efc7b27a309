"""Vulnerability scans over HTTP: upload a lockfile or SBOM (operator); list scans, findings
and their day-by-day trend (viewer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from vigil.api.deps import Principal, get_config, get_database, require_role
from vigil.api.pagination import decode_cursor, encode_cursor, iso
from vigil.api.problems import ProblemError
from vigil.config import OperatorConfig
from vigil.core.types import Role
from vigil.security.model import ExtractError
from vigil.security.reporters.json_report import as_dict
from vigil.services import vuln_scans
from vigil.storage.database import Database

router = APIRouter(prefix="/api/v1/security", tags=["security"])

Severity = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"]


class SuppressionOut(BaseModel):
    """The `.vigilignore.yaml` entry that suppresses a finding: why, and until which day."""

    reason: str
    expires: str | None


class FindingOut(BaseModel):
    """A stored finding with its history (and its suppression, when one hides it)."""

    id: int
    target: str
    package: str
    version: str
    ecosystem: str
    vuln_id: str
    aliases: list[str]
    severity: str
    score: float | None
    summary: str
    fixed: list[str]
    location: str
    first_seen: str
    last_seen: str
    fixed_at: str | None
    suppressed: SuppressionOut | None


class ScanOut(BaseModel):
    """One recorded scan: what, when, how it ended and what it counted."""

    id: int
    target: str
    trigger: str
    started_at: str
    finished_at: str | None
    status: str
    packages: int
    findings: int
    unchecked: int
    error: str | None


class ScanPage(BaseModel):
    """One page of scans (newest first) and the cursor of the next one."""

    items: list[ScanOut]
    next_cursor: str | None


class TrendDayOut(BaseModel):
    """One UTC day of a target's findings."""

    day: str
    new: int
    fixed: int
    present: dict[str, int]
    present_total: int


class FindingTrend(BaseModel):
    """The findings of a target (or of all targets) day by day, oldest first."""

    target: str | None
    days: list[TrendDayOut]


class FindingPage(BaseModel):
    """One page of findings and the cursor of the next one."""

    items: list[FindingOut]
    next_cursor: str | None


def _suppression(raw: dict[str, Any] | None) -> SuppressionOut | None:
    if raw is None:
        return None
    expires = raw["expires"]
    return SuppressionOut(reason=raw["reason"],
                          expires=expires.isoformat() if expires is not None else None)


@router.post(
    "/scans", status_code=201,
    responses={201: {"description": "The scan report: findings, unchecked entries, counters"},
               409: {"description": "No advisories imported yet"},
               422: {"description": "Unreadable or unrecognised lockfile/SBOM"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def create_scan(
    request: Request,
    filename: Annotated[str, Query(min_length=1, max_length=255,
                                   description="File name that tells the kind, e.g. poetry.lock")],
    kind: Annotated[str | None, Query(max_length=64, description="Force the kind")] = None,
    target: Annotated[str | None, Query(min_length=1, max_length=512, description=(
        "Name the findings are kept under (default upload:<filename>), e.g. the service"
    ))] = None,
    db: Database = Depends(get_database),
    config: OperatorConfig = Depends(get_config),
    _p: Principal = Depends(require_role(Role.OPERATOR, "scan")),
) -> dict[str, Any]:
    """Scan the request body (a lockfile or SBOM) and record its findings under `upload:<name>`."""
    content = await request.body()
    if not content:
        raise ProblemError(422, "invalid-input", "Invalid input", "the request body is empty",
                           [{"in": "body", "path": "", "message": "send the file as the body"}])
    try:
        report = await request.app.state.cpu_pools["scan"].run(
            vuln_scans.scan_upload, db, filename, content, kind, "api", target,
            config.vulnerability_scanning.unknown_as)
    except ExtractError as exc:
        raise ProblemError(422, "invalid-inventory", "Unreadable inventory", str(exc),
                           [{"in": "body", "path": f"line {exc.line}" if exc.line else "",
                             "message": exc.reason}]) from None
    except vuln_scans.ScanInputError as exc:
        field = "kind" if kind and str(exc) == vuln_scans.unknown_kind(kind) else "filename"
        raise ProblemError(422, "invalid-inventory", "Unreadable inventory", str(exc),
                           [{"in": "query", "path": field, "message": str(exc)}]) from None
    except vuln_scans.NoAdvisories as exc:
        raise ProblemError(409, "no-advisories", "No advisories", str(exc)) from None
    return as_dict(report)


def _cursor_id(cursor: str | None) -> int | None:
    """The id a list cursor holds; 422 when it is not one."""
    after = decode_cursor(cursor)
    if after is not None and (not isinstance(after, int) or isinstance(after, bool) or after < 0):
        raise ProblemError(422, "invalid-cursor", "Invalid input", "the cursor is not valid")
    return after


@router.get("/scans", response_model=ScanPage)
def list_scans(
    target: str | None = None,
    status: Literal["running", "ok", "failed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
    db: Database = Depends(get_database),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> ScanPage:
    """Recorded scans (scheduled, uploaded), newest first: did they run, and what they found."""
    rows = vuln_scans.list_scans(db, target=target, status=status,
                                 before_id=_cursor_id(cursor), limit=limit)
    items = [ScanOut(**{**r, "started_at": iso(r["started_at"]) or "",
                        "finished_at": iso(r["finished_at"])}) for r in rows]
    nxt = encode_cursor(rows[-1]["id"]) if len(rows) == limit else None
    return ScanPage(items=items, next_cursor=nxt)


@router.get("/findings/trend", response_model=FindingTrend)
def findings_trend(
    target: str | None = None,
    days: Annotated[int, Query(ge=1, le=366, description="Days up to today (UTC)")] = 30,
    db: Database = Depends(get_database),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> FindingTrend:
    """Per day: findings first seen, fixed, and present at the day's end by severity."""
    trend = vuln_scans.findings_trend(db, target=target, days=days)
    return FindingTrend(target=target,
                        days=[TrendDayOut.model_validate(d.as_dict()) for d in trend])


@router.get("/findings", response_model=FindingPage)
def list_findings(
    target: str | None = None,
    severity: Severity | None = None,
    include_fixed: bool = False,
    include_suppressed: Annotated[bool, Query(description=(
        "Also list findings an ignore entry suppresses (they are present, not fixed)"
    ))] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
    db: Database = Depends(get_database),
    _p: Principal = Depends(require_role(Role.VIEWER)),
) -> FindingPage:
    """Findings (open, unsuppressed unless asked), oldest first, with first-seen and fixed-at."""
    after = _cursor_id(cursor)
    rows = vuln_scans.list_findings(db, target=target, severity=severity,
                                    include_fixed=include_fixed,
                                    include_suppressed=include_suppressed,
                                    after_id=after or 0, limit=limit)
    items = [FindingOut(**{**r, "first_seen": iso(r["first_seen"]) or "",
                           "last_seen": iso(r["last_seen"]) or "",
                           "fixed_at": iso(r["fixed_at"]),
                           "suppressed": _suppression(r["suppressed"])}) for r in rows]
    nxt = encode_cursor(rows[-1]["id"]) if len(rows) == limit else None
    return FindingPage(items=items, next_cursor=nxt)
