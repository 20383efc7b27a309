"""On-call schedules: rotations with a hand-off time, layers and overrides."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from vigil.alerting.config import AlertingConfig, LayerConfig, PersonConfig, ScheduleConfig
from vigil.alerting.silences import WeeklyInterval


def layer_on_call(layer: LayerConfig, now: datetime) -> str:
    """Who the rotation puts on call at `now` (rotations extend before their first hand-off)."""
    turns = int((now - layer.handoff_at) // layer.rotation)
    return layer.users[turns % len(layer.users)]


def next_handoff(layer: LayerConfig, now: datetime) -> datetime | None:
    """The first hand-off strictly after `now` (None past the last representable date)."""
    turns = (now - layer.handoff_at) // layer.rotation
    try:
        return layer.handoff_at + (turns + 1) * layer.rotation
    except OverflowError:
        return None


def layer_covers(layer: LayerConfig, now: datetime) -> bool:
    """True when the layer's restriction (if any) includes `now`."""
    if layer.restrict is None:
        return True
    r = layer.restrict
    return WeeklyInterval.parse(r.weekdays, r.start_time, r.end_time).contains(now)


def active_layer(schedule: ScheduleConfig, now: datetime) -> LayerConfig | None:
    """The highest layer covering `now` (later layers take precedence)."""
    for layer in reversed(schedule.layers):
        if layer_covers(layer, now):
            return layer
    return None


def on_call(schedule: ScheduleConfig, now: datetime) -> list[str]:
    """Users on call now: active overrides win, else the highest layer covering now."""
    overrides = [o.user for o in schedule.overrides if o.start <= now < o.end]
    if overrides:
        return list(dict.fromkeys(overrides))
    layer = active_layer(schedule, now)
    return [] if layer is None else [layer_on_call(layer, now)]


@dataclass(frozen=True)
class Contact:
    """A person to page, with how to reach them and why they were chosen."""

    user: str
    name: str
    role: str
    email: str
    phone: str
    slack: str
    via: str

    @classmethod
    def of(cls, user: str, person: PersonConfig, via: str) -> Contact:
        """Contact from a configured person."""
        return cls(user, person.name, person.role, person.email, person.phone, person.slack, via)


def resolve_targets(targets: Iterable[str], cfg: AlertingConfig, now: datetime) -> list[Contact]:
    """Expand `user:ID` and `schedule:ID` targets into the people to page now (no duplicates)."""
    out: dict[str, Contact] = {}
    for target in targets:
        kind, _, ident = target.partition(":")
        users = [ident] if kind == "user" else on_call(cfg.schedules[ident], now)
        for user in users:
            if user not in out and user in cfg.people:
                out[user] = Contact.of(user, cfg.people[user], target)
    return list(out.values())
