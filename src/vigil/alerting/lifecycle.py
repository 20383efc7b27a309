"""The alert life cycle: pending → firing → acknowledged → resolved, as pure transitions."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from vigil.core.types import Priority, Severity


class AlertState(str, Enum):
    """Where an alert is in its life."""

    PENDING = "pending"
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        """True until the alert is resolved."""
        return self is not AlertState.RESOLVED


class TransitionError(ValueError):
    """The requested operator action is not valid in the alert's current state."""


@dataclass(frozen=True)
class Escalation:
    """Where an alert is in its escalation policy: level -1 means not started."""

    policy: str | None = None
    level: int = -1
    cycle: int = 0
    next_at: datetime | None = None
    done: bool = False


@dataclass(frozen=True)
class Alert:
    """One alert, identified by the fingerprint of its labels."""

    fingerprint: str
    rule: str
    labels: dict[str, str]
    annotations: dict[str, str]
    severity: Severity
    priority: Priority
    state: AlertState
    value: float
    active_at: datetime
    fired_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    escalation: Escalation = field(default_factory=Escalation)
    muted: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened to an alert, for its timeline."""

    kind: str
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)


def new_alert(fp: str, rule: str, labels: dict[str, str], annotations: dict[str, str],
              severity: Severity, priority: Priority, value: float, for_: timedelta,
              now: datetime) -> tuple[Alert, list[Event]]:
    """A newly observed condition: pending, or firing at once when `for` is zero."""
    alert = Alert(fp, rule, labels, annotations, severity, priority, AlertState.PENDING,
                  value, active_at=now)
    events = [Event("pending", now, {"value": value})]
    if for_ <= timedelta(0):
        alert = replace(alert, state=AlertState.FIRING, fired_at=now)
        events.append(Event("firing", now, {"value": value}))
    return alert, events


def observe(alert: Alert, active: bool, value: float | None, for_: timedelta,
            now: datetime, annotations: dict[str, str] | None = None) -> tuple[Alert, list[Event]]:
    """Advance an open alert by one evaluation: is its condition still true now?"""
    if not alert.state.is_open:
        return alert, []
    if not active:
        if alert.state is AlertState.PENDING:
            return replace(alert, state=AlertState.RESOLVED, resolved_at=now,
                           resolved_by="cleared"), [Event("cleared", now)]
        return replace(alert, state=AlertState.RESOLVED, resolved_at=now,
                       resolved_by="auto"), [Event("resolved", now, {"by": "auto"})]
    upd: dict[str, Any] = {"value": alert.value if value is None else value}
    if annotations is not None:
        upd["annotations"] = annotations
    alert = replace(alert, **upd)
    if alert.state is AlertState.PENDING and now - alert.active_at >= for_:
        return replace(alert, state=AlertState.FIRING, fired_at=now), [
            Event("firing", now, {"value": alert.value})]
    return alert, []


def acknowledge(alert: Alert, who: str, now: datetime) -> tuple[Alert, list[Event]]:
    """An operator takes the alert: escalation stops. Only a firing alert can be acknowledged."""
    if alert.state is AlertState.ACKNOWLEDGED:
        return alert, []
    if alert.state is not AlertState.FIRING:
        raise TransitionError(f"alert {alert.id} is {alert.state.value}: only a firing alert "
                              "can be acknowledged")
    esc = replace(alert.escalation, next_at=None, done=True)
    return replace(alert, state=AlertState.ACKNOWLEDGED, acknowledged_at=now,
                   acknowledged_by=who, escalation=esc), [
        Event("acknowledged", now, {"by": who})]


def resolve(alert: Alert, who: str, now: datetime) -> tuple[Alert, list[Event]]:
    """An operator closes the alert (it fires again if its condition still holds)."""
    if not alert.state.is_open:
        raise TransitionError(f"alert {alert.id} is already resolved")
    esc = replace(alert.escalation, next_at=None, done=True)
    return replace(alert, state=AlertState.RESOLVED, resolved_at=now, resolved_by=who,
                   escalation=esc), [Event("resolved", now, {"by": who})]
