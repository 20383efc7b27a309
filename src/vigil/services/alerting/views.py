"""Alerts, silences, alert details and on-call entries as JSON-ready data (API and CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from vigil.alerting.lifecycle import Alert
from vigil.alerting.silences import Silence
from vigil.analytics.business_hours import BusinessCalendar
from vigil.analytics.config import BusinessHoursConfig
from vigil.config import OperatorConfig
from vigil.core.types import Priority
from vigil.services.alerting.actions import AlertDetail, OnCallEntry


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


_DEFAULT_CALENDAR = BusinessCalendar.from_config(BusinessHoursConfig())


def business_calendar(config: OperatorConfig) -> BusinessCalendar:
    """The operator's business calendar (`analytics.business_hours`), shared with analytics."""
    return BusinessCalendar.from_config(config.analytics.business_hours)


def respond_by(priority: Priority, fired_at: datetime,
               calendar: BusinessCalendar | None = None) -> datetime:
    """When a person must respond: the runbook's target, P4 by the next business day's close.

    P4 is "next business day": the close of the first business day after the local day the
    alert fired, in the configured time zone and opening hours (the same calendar the
    analytics use to count targets met), so one raised on Friday evening is due on Monday.
    """
    if priority is not Priority.P4:
        return fired_at + priority.response_target
    return (calendar or _DEFAULT_CALENDAR).next_business_day_deadline(fired_at)


def alert_json(a: Alert, calendar: BusinessCalendar | None = None) -> dict[str, Any]:
    """An alert as JSON-ready data (the API uses the same shape)."""
    iso = _iso
    return {
        "id": a.id, "fingerprint": a.fingerprint, "rule": a.rule, "state": a.state.value,
        "severity": a.severity.value, "priority": a.priority.value,
        "response_target_seconds": int(a.priority.response_target.total_seconds()),
        "respond_by": iso(respond_by(a.priority, a.fired_at, calendar)) if a.fired_at else None,
        "value": a.value, "labels": a.labels, "annotations": a.annotations,
        "active_at": iso(a.active_at), "fired_at": iso(a.fired_at),
        "acknowledged_at": iso(a.acknowledged_at), "acknowledged_by": a.acknowledged_by,
        "resolved_at": iso(a.resolved_at), "resolved_by": a.resolved_by,
        "escalation": {"policy": a.escalation.policy, "level": a.escalation.level,
                       "cycle": a.escalation.cycle, "next_at": iso(a.escalation.next_at),
                       "done": a.escalation.done},
    }


def silence_json(s: Silence, now: datetime) -> dict[str, Any]:
    """A silence as JSON-ready data."""
    return {"id": s.id, "matchers": [str(m) for m in s.matchers], "state": s.state(now),
            "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
            "created_by": s.created_by, "comment": s.comment}


def detail_json(detail: AlertDetail,
                calendar: BusinessCalendar | None = None) -> dict[str, Any]:
    """An alert with its timeline and notification log as JSON-ready data."""
    return {
        "alert": alert_json(detail.alert, calendar),
        "timeline": [{"ts": e.at.isoformat(), "kind": e.kind, "detail": e.detail}
                     for e in detail.events],
        "notifications": [{"ts": n.ts.isoformat(), "kind": n.kind, "receiver": n.receiver,
                           "group_key": n.group_key, "status": n.status,
                           "attempts": n.attempts, "error": n.error}
                          for n in detail.notifications],
        "upcoming_pages": [{"due_at": u.due_at.isoformat(), "level": u.level, "cycle": u.cycle,
                            "contacts": [{"user": c.user, "name": c.name, "role": c.role,
                                          "phone": c.phone, "email": c.email}
                                         for c in u.contacts]} for u in detail.upcoming],
    }


def oncall_json(entries: Sequence[OnCallEntry]) -> list[dict[str, Any]]:
    """On-call entries as JSON-ready data."""
    return [{"schedule": e.schedule, "description": e.description,
             "on_call": [{"user": c.user, "name": c.name, "role": c.role, "email": c.email,
                          "phone": c.phone, "slack": c.slack} for c in e.contacts],
             "next_handoff": _iso(e.next_handoff)} for e in entries]
