"""The alert aggregate: alerts (with their escalation state) and their timeline events.

Updates are optimistic (the `version` column is the mapper's `version_id_col`): an
evaluation never overwrites an operator's acknowledgement that landed while it was running.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from vigil.alerting.lifecycle import Alert, AlertState, Escalation, Event
from vigil.core.types import Priority, Severity
from vigil.storage.alerting_repo._utc import aware, required
from vigil.storage.models_alerting import AlertEventRow, AlertRow


def _to_alert(row: AlertRow) -> Alert:
    esc = Escalation(row.escalation_policy, row.escalation_level, row.escalation_cycle,
                     aware(row.escalation_next_at), row.escalation_done)
    return Alert(
        fingerprint=row.fingerprint, rule=row.rule, labels=dict(row.labels),
        annotations=dict(row.annotations), severity=Severity(row.severity),
        priority=Priority(row.priority), state=AlertState(row.state), value=row.value,
        active_at=required(row.active_at), fired_at=aware(row.fired_at),
        acknowledged_at=aware(row.acknowledged_at), acknowledged_by=row.acknowledged_by,
        resolved_at=aware(row.resolved_at), resolved_by=row.resolved_by, escalation=esc,
        muted=row.muted, id=row.id,
    )


@dataclass(frozen=True)
class StoredAlert:
    """An alert with the row version it was read at (for optimistic updates)."""

    alert: Alert
    version: int


def _values(alert: Alert, now: datetime) -> dict[str, Any]:
    esc = alert.escalation
    return {
        "fingerprint": alert.fingerprint, "rule": alert.rule, "labels": alert.labels,
        "annotations": alert.annotations, "severity": alert.severity.value,
        "priority": alert.priority.value, "state": alert.state.value, "value": alert.value,
        "active_at": alert.active_at, "fired_at": alert.fired_at,
        "acknowledged_at": alert.acknowledged_at, "acknowledged_by": alert.acknowledged_by,
        "resolved_at": alert.resolved_at, "resolved_by": alert.resolved_by,
        "escalation_policy": esc.policy, "escalation_level": esc.level,
        "escalation_cycle": esc.cycle, "escalation_next_at": esc.next_at,
        "escalation_done": esc.done, "muted": alert.muted, "updated_at": now,
    }


def open_alerts(session: Session) -> list[StoredAlert]:
    """Every alert not yet resolved."""
    rows = session.scalars(select(AlertRow).where(AlertRow.state != AlertState.RESOLVED.value))
    return [StoredAlert(_to_alert(r), r.version) for r in rows]


def recently_resolved(session: Session, since: datetime) -> list[Alert]:
    """Alerts that fired and resolved since `since` (their resolution may still be owed)."""
    rows = session.scalars(select(AlertRow).where(
        AlertRow.state == AlertState.RESOLVED.value, AlertRow.resolved_at >= since,
        AlertRow.fired_at.is_not(None)))
    return [_to_alert(r) for r in rows]


def insert_alerts(session: Session, alerts: Sequence[Alert], now: datetime) -> list[Alert]:
    """Store many new alerts in one flush (batched INSERT); returns them with their ids."""
    rows = [AlertRow(**_values(a, now), version=0) for a in alerts]
    session.add_all(rows)
    session.flush()
    return [_to_alert(r) for r in rows]


def add_many_events(session: Session, events: Iterable[tuple[int, Event]]) -> None:
    """Append events of several alerts at once."""
    session.add_all(AlertEventRow(alert_id=alert_id, ts=ev.at, kind=ev.kind,
                                  detail=dict(ev.detail)) for alert_id, ev in events)


def update_alert(session: Session, alert: Alert, version: int, now: datetime) -> bool:
    """Write an alert only if nobody changed it since it was read; False when it was.

    The row is read again under a row lock (PostgreSQL; SQLite has one writer): a newer
    version means someone else wrote it. The UPDATE itself is versioned by the mapper's
    `version_id_col` (`... WHERE version = <as read>`, version + 1).
    """
    assert alert.id is not None
    row = session.get(AlertRow, alert.id, with_for_update=True, populate_existing=True)
    if row is None or row.version != version:
        return False
    for key, value in _values(alert, now).items():
        setattr(row, key, value)
    session.flush()
    return True


def update_observations(session: Session, alerts: Sequence[Alert], now: datetime) -> None:
    """Refresh value and annotations of many alerts in one statement (no version bump).

    These fields belong to the evaluation alone, so an operator's concurrent change is
    never overwritten: this writes nothing else.
    """
    if not alerts:
        return
    table = cast(Table, AlertRow.__table__)
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values(value=bindparam("b_value"), annotations=bindparam("b_annotations"),
                    updated_at=bindparam("b_updated_at")))
    session.connection().execute(stmt, [
        {"b_id": a.id, "b_value": a.value, "b_annotations": a.annotations, "b_updated_at": now}
        for a in alerts])


def get_alert(session: Session, alert_id: int) -> StoredAlert | None:
    """One alert by id."""
    row = session.get(AlertRow, alert_id)
    return None if row is None else StoredAlert(_to_alert(row), row.version)


def list_alerts(session: Session, states: Sequence[str] | None = None, limit: int = 100,
                before_id: int | None = None) -> list[Alert]:
    """Alerts, newest first, optionally only in the given states, paginated by id."""
    stmt = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
    if states:
        stmt = stmt.where(AlertRow.state.in_(list(states)))
    if before_id is not None:
        stmt = stmt.where(AlertRow.id < before_id)
    return [_to_alert(r) for r in session.scalars(stmt)]


def count_open_by_priority(session: Session) -> dict[str, int]:
    """Firing or acknowledged alerts per priority."""
    stmt = (select(AlertRow.priority, func.count())
            .where(AlertRow.state.in_([AlertState.FIRING.value, AlertState.ACKNOWLEDGED.value]))
            .group_by(AlertRow.priority))
    return {Priority(p).value: int(n) for p, n in session.execute(stmt)}


def add_events(session: Session, alert_id: int, events: Iterable[Event]) -> None:
    """Append events to an alert's timeline."""
    for ev in events:
        session.add(AlertEventRow(alert_id=alert_id, ts=ev.at, kind=ev.kind,
                                  detail=dict(ev.detail)))


def last_event(session: Session, alert_id: int, kind: str) -> Event | None:
    """The newest timeline event of one kind for an alert."""
    row = session.scalars(select(AlertEventRow)
                          .where(AlertEventRow.alert_id == alert_id, AlertEventRow.kind == kind)
                          .order_by(AlertEventRow.ts.desc(), AlertEventRow.id.desc())
                          .limit(1)).first()
    return None if row is None else Event(row.kind, required(row.ts), dict(row.detail))


def events_of(session: Session, alert_id: int) -> list[Event]:
    """An alert's timeline, oldest first."""
    rows = session.scalars(select(AlertEventRow).where(AlertEventRow.alert_id == alert_id)
                           .order_by(AlertEventRow.ts, AlertEventRow.id))
    return [Event(r.kind, required(r.ts), dict(r.detail)) for r in rows]
