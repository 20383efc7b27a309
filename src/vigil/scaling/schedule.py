"""The `schedule` policy: cron-like replica minimums (e.g. "0 8 * * 1-5" for 10 h: 6 pods)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))


def _parse_field(text: str, name: str, lo: int, hi: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if body == "*":
            start, end = lo, hi
        elif "-" in body:
            a, b = body.split("-", 1)
            start, end = int(a), int(b)
        else:
            start = end = int(body)
        if step < 1 or start < lo or end > hi or start > end:
            raise ValueError(f"cron {name} field {part!r} is outside {lo}-{hi}")
        values.update(range(start, end + 1, step))
    if name == "day of week" and 7 in values:
        values.add(0)
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class Cron:
    """A five-field cron expression (minute hour day-of-month month day-of-week), UTC."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]

    @classmethod
    def parse(cls, expr: str) -> Cron:
        """Parse `expr`; ValueError names the bad field."""
        parts = expr.split()
        if len(parts) != 5:
            raise ValueError(f"cron {expr!r} needs 5 fields, has {len(parts)}")
        try:
            sets = [_parse_field(p, n, lo, hi) for p, (n, lo, hi) in zip(parts, _FIELDS,
                                                                           strict=True)]
        except ValueError as exc:
            if "outside" in str(exc):
                raise
            raise ValueError(f"cron {expr!r}: {exc}") from None
        return cls(*sets)

    def matches(self, at: datetime) -> bool:
        """True when `at` (to the minute) is one of the expression's times."""
        return (at.minute in self.minutes and at.hour in self.hours and at.day in self.days
                and at.month in self.months and (at.isoweekday() % 7) in self.weekdays)


@dataclass(frozen=True, slots=True)
class ScheduledMinimum:
    """From each time `cron` matches, for `duration_seconds`, keep at least `min_replicas`."""

    cron: Cron
    duration_seconds: float
    min_replicas: int


def schedule_minimum(entries: list[ScheduledMinimum], now: float) -> int | None:
    """The highest minimum of the entries active at `now` (Unix seconds), None if none is."""
    best: int | None = None
    at = datetime.fromtimestamp(now, UTC).replace(second=0, microsecond=0)
    for entry in entries:
        minutes = int(min(entry.duration_seconds, 7 * 86400) // 60)
        for back in range(minutes + 1):
            if entry.cron.matches(at - timedelta(minutes=back)):
                best = entry.min_replicas if best is None else max(best, entry.min_replicas)
                break
    return best
