"""The notification log: every group notification and page sent, failed or logged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerting.pipeline import Failure, LogEntry
from vigil.storage.alerting_repo._utc import required
from vigil.storage.models_alerting import NotificationRow


@dataclass(frozen=True)
class NotificationRecord:
    """One notification log entry."""

    id: int
    ts: datetime
    kind: str
    receiver: str
    group_key: str
    firing: list[str]
    resolved: list[str]
    alert_ids: list[int]
    status: str
    attempts: int
    error: str | None


def record_notification(session: Session, ts: datetime, kind: str, receiver: str,
                        group_key: str, firing: Sequence[str], resolved: Sequence[str],
                        alert_ids: Sequence[int], status: str, attempts: int,
                        error: str | None) -> None:
    """Append to the notification log."""
    session.add(NotificationRow(ts=ts, kind=kind, receiver=receiver, group_key=group_key,
                                firing=list(firing), resolved=list(resolved),
                                alert_ids=list(alert_ids), status=status, attempts=attempts,
                                error=error))


def last_sent(session: Session, receiver: str, group_key: str) -> LogEntry | None:
    """The last successful notification of a group to a receiver."""
    row = session.scalars(
        select(NotificationRow)
        .where(NotificationRow.receiver == receiver, NotificationRow.group_key == group_key,
               NotificationRow.status == "sent")
        .order_by(NotificationRow.ts.desc(), NotificationRow.id.desc()).limit(1)
    ).first()
    return None if row is None else LogEntry(required(row.ts), frozenset(row.firing))


def last_delivery(session: Session, receiver: str,
                  group_key: str) -> tuple[LogEntry | None, Failure | None]:
    """A group's (or page's) last successful notification to a receiver, and the failure
    that came after it, if its newest attempt failed (the back-off counts from it)."""
    newest = session.scalars(
        select(NotificationRow)
        .where(NotificationRow.receiver == receiver, NotificationRow.group_key == group_key)
        .order_by(NotificationRow.ts.desc(), NotificationRow.id.desc()).limit(1)
    ).first()
    if newest is None:
        return None, None
    if newest.status == "sent":
        return LogEntry(required(newest.ts), frozenset(newest.firing)), None
    failure = (Failure(required(newest.ts), newest.attempts) if newest.status == "failed"
               else None)
    return last_sent(session, receiver, group_key), failure


def notifications_of(session: Session, alert_id: int, since: datetime) -> list[NotificationRecord]:
    """Notification log entries that included an alert (searched from `since` on)."""
    rows = session.scalars(select(NotificationRow).where(NotificationRow.ts >= since)
                           .order_by(NotificationRow.ts, NotificationRow.id))
    return [NotificationRecord(r.id, required(r.ts), r.kind, r.receiver, r.group_key, r.firing,
                               r.resolved, r.alert_ids, r.status, r.attempts, r.error)
            for r in rows if alert_id in (r.alert_ids or [])]
