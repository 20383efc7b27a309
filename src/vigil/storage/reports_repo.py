"""Stored report runs: write one, find one by period, list, read, prune."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.storage.alerting_repo._utc import required
from vigil.storage.models_reports import ReportRunRow


@dataclass(frozen=True)
class ReportRun:
    """A stored report (the HTML and the JSON document are read on demand)."""

    id: int
    kind: str
    period_label: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    receiver: str | None
    delivery: str
    delivery_error: str | None
    delivery_attempts: int = 0
    delivery_next_at: datetime | None = None


def _run(row: ReportRunRow) -> ReportRun:
    return ReportRun(row.id, row.kind, row.period_label, required(row.period_start),
                     required(row.period_end), required(row.generated_at), row.receiver,
                     row.delivery, row.delivery_error, int(row.delivery_attempts or 0),
                     row.delivery_next_at)


def add_run(session: Session, *, kind: str, period_label: str, period_start: datetime,
            period_end: datetime, generated_at: datetime, document: str, html: str) -> int:
    """Store a report run (delivery `none` until `set_delivery`); returns its id."""
    row = ReportRunRow(kind=kind, period_label=period_label, period_start=period_start,
                       period_end=period_end, generated_at=generated_at, document=document,
                       html=html, delivery="none")
    session.add(row)
    session.flush()
    return int(row.id)


def set_delivery(session: Session, run_id: int, receiver: str, status: str,
                 error: str | None, attempts: int = 1,
                 next_at: datetime | None = None) -> None:
    """Record how sending a run to its receiver went (`sent`, `retrying` at `next_at`,
    or `failed`) after `attempts` attempts."""
    row = session.get(ReportRunRow, run_id)
    if row is not None:
        row.receiver, row.delivery, row.delivery_error = receiver, status, error
        row.delivery_attempts, row.delivery_next_at = attempts, next_at


def due_retries(session: Session, now: datetime) -> list[int]:
    """Ids of the runs whose delivery is `retrying` and due by `now`, oldest first."""
    return list(session.scalars(select(ReportRunRow.id).where(
        ReportRunRow.delivery == "retrying", ReportRunRow.delivery_next_at <= now)
        .order_by(ReportRunRow.id)))


def find_run(session: Session, kind: str, period_start: datetime) -> ReportRun | None:
    """The stored run of a kind and period start, if any."""
    row = session.scalars(select(ReportRunRow).where(
        ReportRunRow.kind == kind, ReportRunRow.period_start == period_start)
        .order_by(ReportRunRow.id.desc()).limit(1)).first()
    return None if row is None else _run(row)


def list_runs(session: Session, kind: str | None, limit: int) -> list[ReportRun]:
    """The newest runs first (of one kind, or all)."""
    stmt = select(ReportRunRow).order_by(ReportRunRow.id.desc()).limit(limit)
    if kind is not None:
        stmt = stmt.where(ReportRunRow.kind == kind)
    return [_run(r) for r in session.scalars(stmt)]


def run_content(session: Session, run_id: int) -> tuple[ReportRun, str, str] | None:
    """A run with its JSON document and HTML, or None."""
    row = session.get(ReportRunRow, run_id)
    return None if row is None else (_run(row), row.document, row.html)


def prune_runs(session: Session, kind: str, keep: int) -> int:
    """Delete all but the newest `keep` runs of a kind; returns how many went."""
    ids = list(session.scalars(select(ReportRunRow.id).where(ReportRunRow.kind == kind)
                               .order_by(ReportRunRow.id.desc()).offset(keep)))
    if not ids:
        return 0
    session.execute(delete(ReportRunRow).where(ReportRunRow.id.in_(ids)))
    return len(ids)
