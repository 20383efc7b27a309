"""Day-by-day history of a target's findings: how many appeared, were fixed, were present.

Pure: callers pass (severity, first_seen, fixed_at) of each stored finding and the days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from vigil.core.severity import VULN_LEVELS


@dataclass(frozen=True, slots=True)
class TrendDay:
    """One UTC day: findings first seen, fixed, and present at its end by severity."""

    day: date
    new: int
    fixed: int
    present: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {"day": self.day.isoformat(), "new": self.new, "fixed": self.fixed,
                "present": self.present, "present_total": sum(self.present.values())}


def _day_index(ts: datetime, origin: datetime) -> int:
    """Which day after `origin` (0-based, negative before it) a time falls on, in UTC."""
    ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts
    return (ts - origin) // timedelta(days=1)


def finding_trend(findings: Iterable[tuple[str, datetime, datetime | None]],
                  first_day: date, days: int) -> list[TrendDay]:
    """Per UTC day from `first_day`: new (first seen), fixed, present at the day's end.

    A finding is present from its first sighting until the scan that no longer saw it
    (`fixed_at`); severities are listed from CRITICAL down, zeros left out. Linear in
    findings plus days (a difference array per severity).
    """
    origin = datetime.combine(first_day, time(), UTC)
    new = [0] * days
    fixed = [0] * days
    delta = {level: [0] * (days + 1) for level in reversed(VULN_LEVELS)}
    for severity, first_seen, fixed_at in findings:
        seen = _day_index(first_seen, origin)
        gone = _day_index(fixed_at, origin) if fixed_at is not None else days
        if 0 <= seen < days:
            new[seen] += 1
        if fixed_at is not None and 0 <= gone < days:
            fixed[gone] += 1
        # present at the end of day i when seen <= i < gone
        lo, hi = max(seen, 0), min(gone, days)
        if lo < hi:
            changes = delta.get(severity, delta["UNKNOWN"])
            changes[lo] += 1
            changes[hi] -= 1
    running = dict.fromkeys(delta, 0)
    out = []
    for i in range(days):
        for level, steps in delta.items():
            running[level] += steps[i]
        out.append(TrendDay(first_day + timedelta(days=i), new[i], fixed[i],
                            {k: v for k, v in running.items() if v}))
    return out
