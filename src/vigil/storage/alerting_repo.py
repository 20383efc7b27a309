"""Alerting persistence: latest samples and anomalies to evaluate, alerts, events, log, silences.

The only module of alerting that knows SQL; identical on SQLite and PostgreSQL. Alert
updates are optimistic (a `version` column): an evaluation never overwrites an operator's
acknowledgement that landed while it was running.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from vigil.alerting.lifecycle import Alert, AlertState, Escalation, Event
from vigil.alerting.matchers import parse_matchers
from vigil.alerting.pipeline import LogEntry
from vigil.alerting.rules import AnomalySignal, LatestSample
from vigil.alerting.silences import Silence
from vigil.core.types import Priority, Severity
from vigil.storage.models import AnomalyRow, SampleRow, SeriesRow
from vigil.storage.models_alerting import AlertEventRow, AlertRow, NotificationRow, SilenceRow


def _aware(ts: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they are UTC."""
    if ts is None or ts.tzinfo is not None:
        return ts
    return ts.replace(tzinfo=UTC)


def _req(ts: datetime | None) -> datetime:
    out = _aware(ts)
    assert out is not None
    return out


# --- what rules read ---------------------------------------------------------------------


class SeriesLabels:
    """Process-local cache of series id → (name, labels); a series' identity never changes."""

    def __init__(self, max_entries: int = 500_000) -> None:
        """An empty cache holding at most `max_entries` series."""
        self._known: dict[int, tuple[str, dict[str, str]]] = {}
        self._max = max_entries

    def get(self, session: Session, ids: Iterable[int]) -> dict[int, tuple[str, dict[str, str]]]:
        """Name and labels of these series, reading only the ones not seen before."""
        wanted = set(ids)
        missing = [i for i in wanted if i not in self._known]
        if len(self._known) + len(missing) > self._max:
            self._known.clear()
            missing = list(wanted)
        for start in range(0, len(missing), 5000):
            chunk = missing[start:start + 5000]
            for sid, name, labels in session.execute(
                    select(SeriesRow.id, SeriesRow.name, SeriesRow.labels)
                    .where(SeriesRow.id.in_(chunk))):
                self._known[int(sid)] = (name, dict(labels or {}))
        return {i: self._known[i] for i in wanted if i in self._known}


def latest_samples(session: Session, metrics: Iterable[str], since_ts: float,
                   cache: SeriesLabels | None = None) -> list[LatestSample]:
    """The newest sample since `since_ts` of every series whose name is in `metrics`."""
    names = sorted(set(metrics))
    if not names:
        return []
    cache = cache or SeriesLabels()
    newest = (
        select(SampleRow.series_id, func.max(SampleRow.ts).label("mts"))
        .join(SeriesRow, SeriesRow.id == SampleRow.series_id)
        .where(SeriesRow.name.in_(names), SampleRow.ts >= since_ts)
        .group_by(SampleRow.series_id)
        .subquery()
    )
    stmt = (
        select(SampleRow.series_id, SampleRow.ts, SampleRow.value)
        .join(newest, and_(SampleRow.series_id == newest.c.series_id,
                           SampleRow.ts == newest.c.mts))
    )
    rows = session.execute(stmt).all()
    known = cache.get(session, (int(r[0]) for r in rows))
    out = []
    for sid, ts, value in rows:
        ident = known.get(int(sid))
        if ident is not None:
            out.append(LatestSample(int(sid), ident[0], ident[1], float(ts), float(value)))
    return out


def anomaly_signals(session: Session, since: datetime) -> list[AnomalySignal]:
    """Per series, the strongest open anomaly detection since `since`."""
    stmt = (
        select(AnomalyRow.series_id, SeriesRow.name, SeriesRow.labels, AnomalyRow.timestamp,
               AnomalyRow.score, AnomalyRow.severity)
        .join(SeriesRow, SeriesRow.id == AnomalyRow.series_id)
        .where(AnomalyRow.timestamp >= since, AnomalyRow.status == "open")
    )
    best: dict[int, AnomalySignal] = {}
    for sid, name, labels, ts, score, sev in session.execute(stmt):
        try:
            severity = Severity(sev)
        except ValueError:
            severity = Severity.WARNING
        sig = AnomalySignal(int(sid), name, dict(labels or {}), _req(ts).timestamp(),
                            float(score), severity)
        cur = best.get(sig.series_id)
        if cur is None or (sig.severity.rank, sig.score) > (cur.severity.rank, cur.score):
            best[sig.series_id] = sig
    return list(best.values())


# --- alerts ------------------------------------------------------------------------------


def _to_alert(row: AlertRow) -> Alert:
    esc = Escalation(row.escalation_policy, row.escalation_level, row.escalation_cycle,
                     _aware(row.escalation_next_at), row.escalation_done)
    return Alert(
        fingerprint=row.fingerprint, rule=row.rule, labels=dict(row.labels),
        annotations=dict(row.annotations), severity=Severity(row.severity),
        priority=Priority(row.priority), state=AlertState(row.state), value=row.value,
        active_at=_req(row.active_at), fired_at=_aware(row.fired_at),
        acknowledged_at=_aware(row.acknowledged_at), acknowledged_by=row.acknowledged_by,
        resolved_at=_aware(row.resolved_at), resolved_by=row.resolved_by, escalation=esc,
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
    """Write an alert only if nobody changed it since it was read; False when it was."""
    assert alert.id is not None
    table = cast(Table, AlertRow.__table__)
    result = session.connection().execute(
        update(table)
        .where(table.c.id == alert.id, table.c.version == version)
        .values(**_values(alert, now), version=version + 1)
    )
    return bool(result.rowcount == 1)


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
    return {str(p): int(n) for p, n in session.execute(stmt)}


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
    return None if row is None else Event(row.kind, _req(row.ts), dict(row.detail))


def events_of(session: Session, alert_id: int) -> list[Event]:
    """An alert's timeline, oldest first."""
    rows = session.scalars(select(AlertEventRow).where(AlertEventRow.alert_id == alert_id)
                           .order_by(AlertEventRow.ts, AlertEventRow.id))
    return [Event(r.kind, _req(r.ts), dict(r.detail)) for r in rows]


# --- notification log --------------------------------------------------------------------


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
    return None if row is None else LogEntry(_req(row.ts), frozenset(row.firing))


def notifications_of(session: Session, alert_id: int, since: datetime) -> list[NotificationRecord]:
    """Notification log entries that included an alert (searched from `since` on)."""
    rows = session.scalars(select(NotificationRow).where(NotificationRow.ts >= since)
                           .order_by(NotificationRow.ts, NotificationRow.id))
    return [NotificationRecord(r.id, _req(r.ts), r.kind, r.receiver, r.group_key, r.firing,
                               r.resolved, r.alert_ids, r.status, r.attempts, r.error)
            for r in rows if alert_id in (r.alert_ids or [])]


# --- silences ----------------------------------------------------------------------------


def _to_silence(row: SilenceRow) -> Silence:
    # Lenient: a silence stored by an older version must not stop every evaluation cycle.
    return Silence(row.id, parse_matchers(row.matchers, strict=False), _req(row.starts_at),
                   _req(row.ends_at), row.created_by, row.comment)


def create_silence(session: Session, matchers: Sequence[str], starts_at: datetime,
                   ends_at: datetime, created_by: str, comment: str, now: datetime) -> Silence:
    """Store a silence; returns it with its id."""
    row = SilenceRow(matchers=list(matchers), starts_at=starts_at, ends_at=ends_at,
                     created_by=created_by, comment=comment, created_at=now)
    session.add(row)
    session.flush()
    return _to_silence(row)


def list_silences(session: Session, now: datetime, include_expired: bool = False) -> list[Silence]:
    """Silences that are pending or active (and expired ones when asked), newest first."""
    stmt = select(SilenceRow).order_by(SilenceRow.id.desc())
    if not include_expired:
        stmt = stmt.where(SilenceRow.ends_at > now)
    return [_to_silence(r) for r in session.scalars(stmt)]


def active_silences(session: Session, now: datetime) -> list[Silence]:
    """Silences in effect now."""
    rows = session.scalars(select(SilenceRow).where(SilenceRow.starts_at <= now,
                                                    SilenceRow.ends_at > now))
    return [_to_silence(r) for r in rows]


def expire_silence(session: Session, silence_id: int, now: datetime) -> Silence | None:
    """End a silence now (keeping it for the record); None when there is no such silence."""
    row = session.get(SilenceRow, silence_id)
    if row is None:
        return None
    if _req(row.ends_at) > now:
        row.ends_at = now
        if _req(row.starts_at) > now:
            row.starts_at = now
        row.expired_at = now
    session.flush()
    return _to_silence(row)


# --- retention ---------------------------------------------------------------------------


def prune(session: Session, before: datetime) -> dict[str, int]:
    """Delete resolved alerts (with their events), notifications and silences older than this."""
    from sqlalchemy import delete

    old_alerts = select(AlertRow.id).where(AlertRow.state == AlertState.RESOLVED.value,
                                           AlertRow.resolved_at < before)
    events = session.execute(delete(AlertEventRow).where(AlertEventRow.alert_id.in_(old_alerts)))
    alerts = session.execute(delete(AlertRow).where(AlertRow.state == AlertState.RESOLVED.value,
                                                    AlertRow.resolved_at < before))
    notes = session.execute(delete(NotificationRow).where(NotificationRow.ts < before))
    silences = session.execute(delete(SilenceRow).where(SilenceRow.ends_at < before))
    return {"alerts": int(getattr(alerts, "rowcount", 0)),
            "alert_events": int(getattr(events, "rowcount", 0)),
            "notifications": int(getattr(notes, "rowcount", 0)),
            "silences": int(getattr(silences, "rowcount", 0))}
