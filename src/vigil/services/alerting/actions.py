"""What operators do with alerts: list, acknowledge, resolve, inspect, silence, ask who is on
call and test a receiver. Each action is one short transaction."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from vigil.alerting.config import AlertingConfig
from vigil.alerting.escalation import plan
from vigil.alerting.lifecycle import Alert, AlertState, Event, acknowledge, resolve
from vigil.alerting.matchers import matches_all, parse_matchers
from vigil.alerting.pipeline import Context, Notice
from vigil.alerting.retry import RetryOutcome, RetryPolicy, with_retry
from vigil.alerting.schedules import (
    Contact,
    active_layer,
    next_handoff,
    on_call,
    resolve_targets,
)
from vigil.alerting.silences import Silence
from vigil.services.alerting.compiled import compiled_alerting
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event

_CHANGE_TRIES = 5


class AlertNotFound(LookupError):
    """No alert (or silence) with that id."""


class ReceiverNotFound(LookupError):
    """No receiver with that name in the configuration."""


def list_alerts(db: Database, states: Sequence[str] | None = None, limit: int = 100,
                before_id: int | None = None) -> list[Alert]:
    """Alerts newest first, optionally filtered by state."""
    with db.session() as s:
        return repo.list_alerts(s, states, limit, before_id)


def _change(db: Database, alert_id: int, now: datetime,
            action: Callable[[Alert], tuple[Alert, list[Event]]]) -> Alert:
    """Apply an operator action with optimistic retries against the evaluation loop."""
    for _ in range(_CHANGE_TRIES):
        with db.session() as s:
            stored = repo.get_alert(s, alert_id)
            if stored is None:
                raise AlertNotFound(f"no alert with id {alert_id}")
            new, events = action(stored.alert)
            if not events:
                return new
            if repo.update_alert(s, new, stored.version, now):
                repo.add_events(s, alert_id, events)
                return new
    raise RuntimeError(f"alert {alert_id} kept changing; try again")


def acknowledge_alert(db: Database, alert_id: int, who: str, now: datetime) -> Alert:
    """Acknowledge a firing alert: escalation stops (TransitionError if not firing)."""
    alert = _change(db, alert_id, now, lambda a: acknowledge(a, who, now))
    log_event("ALERT_ACKNOWLEDGED", "INFO", alert_id=alert_id, by=who)
    return alert


def resolve_alert(db: Database, alert_id: int, who: str, now: datetime) -> Alert:
    """Resolve an open alert by hand (it fires again if its condition still holds)."""
    alert = _change(db, alert_id, now, lambda a: resolve(a, who, now))
    log_event("ALERT_RESOLVED", "INFO", alert_id=alert_id, by=who)
    return alert


@dataclass
class Upcoming:
    """A page that will be sent if nobody acknowledges: when, which level, to whom."""

    due_at: datetime
    level: int
    cycle: int
    contacts: list[Contact]


@dataclass
class AlertDetail:
    """An alert with its escalation timeline, notification log and upcoming pages."""

    alert: Alert
    events: list[Event]
    notifications: list[repo.NotificationRecord]
    upcoming: list[Upcoming] = field(default_factory=list)


def upcoming_pages(cfg: AlertingConfig, alert: Alert) -> list[Upcoming]:
    """Who will be paged when, if a firing alert stays unacknowledged (on-call at that time)."""
    policy = cfg.escalation_policies.get(alert.escalation.policy or "")
    if alert.state is not AlertState.FIRING or policy is None or alert.muted:
        return []
    return [Upcoming(p.due_at, p.level, p.cycle, resolve_targets(p.targets, cfg, p.due_at))
            for p in plan(policy, alert.escalation)]


def alert_detail(db: Database, alert_id: int, cfg: AlertingConfig | None = None) -> AlertDetail:
    """One alert, its timeline, every notification that included it and the pages to come."""
    with db.session() as s:
        stored = repo.get_alert(s, alert_id)
        if stored is None:
            raise AlertNotFound(f"no alert with id {alert_id}")
        events = repo.events_of(s, alert_id)
        notes = repo.notifications_of(s, alert_id, stored.alert.active_at)
    upcoming = upcoming_pages(cfg, stored.alert) if cfg is not None else []
    return AlertDetail(stored.alert, events, notes, upcoming)


def create_silence(db: Database, matchers: Sequence[str], starts_at: datetime,
                   ends_at: datetime, created_by: str, comment: str, now: datetime) -> Silence:
    """Create a silence (ValueError for bad matchers, an empty list or an empty time range)."""
    parsed = parse_matchers(matchers)
    if not matchers:
        raise ValueError("a silence needs at least one matcher")
    if matches_all(parsed, {}):
        # As Alertmanager: such a silence would mute every alert, a likely typo.
        raise ValueError("at least one matcher must not match an empty or missing label "
                         "(this silence would mute every alert)")
    if ends_at <= starts_at:
        raise ValueError("a silence must end after it starts")
    if ends_at <= now:
        raise ValueError("a silence must end in the future")
    with db.session() as s:
        silence = repo.create_silence(s, matchers, starts_at, ends_at, created_by, comment, now)
    log_event("SILENCE_CREATED", "INFO", silence_id=silence.id, by=created_by,
              matchers=list(matchers), ends_at=ends_at.isoformat())
    return silence


def list_silences(db: Database, now: datetime, include_expired: bool = False) -> list[Silence]:
    """Pending and active silences (plus expired ones when asked)."""
    with db.session() as s:
        return repo.list_silences(s, now, include_expired)


def expire_silence(db: Database, silence_id: int, now: datetime) -> Silence:
    """End a silence now."""
    with db.session() as s:
        silence = repo.expire_silence(s, silence_id, now)
    if silence is None:
        raise AlertNotFound(f"no silence with id {silence_id}")
    return silence


@dataclass
class OnCallEntry:
    """Who is on call for a schedule now, how to reach them, and the next hand-off."""

    schedule: str
    description: str
    contacts: list[Contact]
    next_handoff: datetime | None


def on_call_now(cfg: AlertingConfig, now: datetime) -> list[OnCallEntry]:
    """Every schedule's on-call people right now."""
    out = []
    for name, sched in cfg.schedules.items():
        users = on_call(sched, now)
        contacts = [Contact.of(u, cfg.people[u], f"schedule:{name}") for u in users]
        layer = active_layer(sched, now)
        nxt = next_handoff(layer, now) if layer is not None else None
        out.append(OnCallEntry(name, sched.description, contacts, nxt))
    return out


def test_receiver(cfg: AlertingConfig, name: str, now: datetime,
                  retry: RetryPolicy | None = None,
                  sleep: Callable[[float], None] = time.sleep) -> RetryOutcome:
    """Send a test notification through a configured receiver, retrying with back-off.

    This is `vigil notify test`, run by a person at a terminal, so it may wait between
    attempts; the evaluation cycle never does.
    """
    compiled = compiled_alerting(cfg)
    if name not in compiled.senders:
        raise ReceiverNotFound(f"no receiver named {name!r}; configured: "
                               f"{', '.join(sorted(compiled.senders)) or 'none'}")
    notice = Notice(0, "0000000000000000", "firing",
                    {"alertname": "VigilTestNotification", "severity": "info",
                     "priority": "P4"},
                    {"summary": "Test notification from `vigil notify test`",
                     "description": "If you can read this, the receiver works."},
                    now, None, "P4", cfg.external_url)
    ctx = Context(name, "test", now, kind="test")
    send = compiled.senders[name]
    return with_retry(lambda: send(ctx, [notice]), retry or RetryPolicy(), sleep)
