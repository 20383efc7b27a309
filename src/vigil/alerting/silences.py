"""Silences (ad-hoc, created by an operator) and maintenance windows (planned, from config)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from vigil.alerting.matchers import Matcher, matches_all


@dataclass(frozen=True)
class Silence:
    """Mute alerts whose labels match every matcher between `starts_at` and `ends_at`."""

    id: int
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str

    def is_active(self, now: datetime) -> bool:
        """True while the silence is in effect."""
        return self.starts_at <= now < self.ends_at

    def state(self, now: datetime) -> str:
        """`pending`, `active` or `expired`."""
        if now < self.starts_at:
            return "pending"
        return "active" if now < self.ends_at else "expired"

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        """True when this silence mutes an alert with these labels now."""
        return self.is_active(now) and bool(self.matchers) and matches_all(self.matchers, labels)


@dataclass(frozen=True)
class MaintenanceWindow:
    """Planned work: same semantics as a silence, declared in the operator file."""

    name: str
    matchers: tuple[Matcher, ...]
    start: datetime
    end: datetime
    comment: str = ""

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        """True when the window is open now and matches (no matchers: everything)."""
        return self.start <= now < self.end and matches_all(self.matchers, labels)


def silenced_by(silences: Iterable[Silence], labels: Mapping[str, str],
                now: datetime) -> list[int]:
    """Ids of the silences muting an alert with these labels now."""
    return [s.id for s in silences if s.mutes(labels, now)]


def in_maintenance(windows: Iterable[MaintenanceWindow], labels: Mapping[str, str],
                   now: datetime) -> list[str]:
    """Names of the open maintenance windows covering an alert with these labels."""
    return [w.name for w in windows if w.mutes(labels, now)]
