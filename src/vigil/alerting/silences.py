"""Silences (ad-hoc, created by an operator) and maintenance windows (planned, from config)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

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


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class WeeklyInterval:
    """On these weekdays (0 = Monday) from `start` to `end` minutes after midnight UTC."""

    weekdays: frozenset[int]
    start: int
    end: int

    @classmethod
    def parse(cls, weekdays: list[str], start_time: str, end_time: str) -> WeeklyInterval:
        """From day names (mon..sun) and HH:MM times."""
        def minutes(t: str) -> int:
            """Minutes after midnight of an HH:MM time."""
            h, m = t.split(":")
            return int(h) * 60 + int(m)

        return cls(frozenset(_DAYS.index(d[:3].lower()) for d in weekdays),
                   minutes(start_time), minutes(end_time))

    def contains(self, now: datetime) -> bool:
        """True when `now` falls in the interval (an end before the start wraps midnight)."""
        utc = now.astimezone(UTC)
        minute = utc.hour * 60 + utc.minute
        day = utc.weekday()
        if self.start < self.end:
            return day in self.weekdays and self.start <= minute < self.end
        if self.start == self.end:
            return day in self.weekdays
        return ((day in self.weekdays and minute >= self.start)
                or ((day - 1) % 7 in self.weekdays and minute < self.end))


@dataclass(frozen=True)
class MaintenanceWindow:
    """Planned work: a one-off window, a weekly interval, or a weekly interval within a span."""

    name: str
    matchers: tuple[Matcher, ...]
    start: datetime | None
    end: datetime | None
    comment: str = ""
    weekly: WeeklyInterval | None = None

    def is_open(self, now: datetime) -> bool:
        """True while the window is in effect."""
        if self.start is not None and now < self.start:
            return False
        if self.end is not None and now >= self.end:
            return False
        return self.weekly is None or self.weekly.contains(now)

    def mutes(self, labels: Mapping[str, str], now: datetime) -> bool:
        """True when the window is open now and matches (no matchers: everything)."""
        return self.is_open(now) and matches_all(self.matchers, labels)


def silenced_by(silences: Iterable[Silence], labels: Mapping[str, str],
                now: datetime) -> list[int]:
    """Ids of the silences muting an alert with these labels now."""
    return [s.id for s in silences if s.mutes(labels, now)]


def in_maintenance(windows: Iterable[MaintenanceWindow], labels: Mapping[str, str],
                   now: datetime) -> list[str]:
    """Names of the open maintenance windows covering an alert with these labels."""
    return [w.name for w in windows if w.mutes(labels, now)]
