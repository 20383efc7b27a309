"""Business-hours arithmetic in the operator's time zone (zoneinfo, so DST is handled).

All inputs and outputs are aware datetimes; the calendar converts to local wall-clock time
to decide whether an instant is within business hours, and converts local deadlines back.
A local day's opening hours are taken as wall-clock times, so on a DST change day the
business day is still 09:00–17:00 local (eight hours), and the offset of each instant is
the one zoneinfo gives for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from vigil.analytics.config import BusinessHoursConfig

_MAX_SEARCH_DAYS = 366


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours on business weekdays in one time zone, minus holidays."""

    zone: ZoneInfo
    start: time
    end: time
    weekdays: frozenset[int]
    holidays: frozenset[date]

    @classmethod
    def from_config(cls, cfg: BusinessHoursConfig) -> BusinessCalendar:
        """The calendar an operator configured."""
        return cls(ZoneInfo(cfg.timezone), cfg.start, cfg.end, cfg.weekday_numbers,
                   frozenset(cfg.holidays))

    def is_business_day(self, day: date) -> bool:
        """True for a business weekday that is not a holiday."""
        return day.weekday() in self.weekdays and day not in self.holidays

    def local(self, at: datetime) -> datetime:
        """An aware instant as local wall-clock time."""
        return at.astimezone(self.zone)

    def opening(self, day: date) -> tuple[datetime, datetime]:
        """The local day's opening and closing instants (aware, in the calendar's zone)."""
        return (datetime.combine(day, self.start, self.zone),
                datetime.combine(day, self.end, self.zone))

    def is_business_time(self, at: datetime) -> bool:
        """True when `at` falls within opening hours of a business day."""
        local = self.local(at)
        if not self.is_business_day(local.date()):
            return False
        return self.start <= local.time().replace(tzinfo=None) < self.end

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        for offset in range(1, _MAX_SEARCH_DAYS + 1):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise ValueError("no business day within a year: check business_hours")

    def next_business_day_deadline(self, at: datetime) -> datetime:
        """The close of the next business day after the local day of `at` (in UTC).

        This is the runbook's P4 target "next business day": an alert fired on Friday at
        15:00 is due by Monday's close, one fired on Saturday also by Monday's close.
        """
        day = self.next_business_day(self.local(at).date())
        return self.opening(day)[1].astimezone(UTC)

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of business time between two instants (0 when `end` is not after)."""
        if end <= start:
            return 0.0
        total = 0.0
        day = self.local(start).date()
        last = self.local(end).date()
        while day <= last:
            if self.is_business_day(day):
                open_at, close_at = self.opening(day)
                lo = max(open_at, start)
                hi = min(close_at, end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total
