"""Report periods: the daily report's 24 hours and the weekly report's ISO week."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

KINDS = ("daily", "weekly")
EARLIEST = datetime(1972, 1, 1, tzinfo=UTC)  # weekly trends reach up to two years back
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class PeriodError(ValueError):
    """A report kind, date or week that cannot be used; the message says what is accepted."""


@dataclass(frozen=True)
class Period:
    """The half-open interval [start, end) a report covers, and its label."""

    kind: str
    start: datetime
    end: datetime
    label: str

    @property
    def days(self) -> float:
        """Length in days."""
        return (self.end - self.start).total_seconds() / 86_400


def check_range(start: datetime, end: datetime) -> None:
    """Periods lie between 1972 and the year 9000 (PeriodError otherwise), so trends that
    reach weeks back and epoch arithmetic stay within the calendar."""
    if start < EARLIEST or end > LATEST:
        raise PeriodError("times must lie between 1972-01-01 and 9000-01-01")


def check_kind(kind: str) -> str:
    """`daily` or `weekly`; anything else raises PeriodError."""
    if kind not in KINDS:
        raise PeriodError(f"unknown report {kind!r}: use daily or weekly")
    return kind


def daily_period(at: datetime | date | None = None, now: datetime | None = None) -> Period:
    """The 24 hours ending at `at` (default now); a date means that whole UTC day."""
    now = now or datetime.now(UTC)
    if isinstance(at, datetime):
        end = at if at.tzinfo else at.replace(tzinfo=UTC)
        end = end.astimezone(UTC)
        check_range(end, end)
        return Period("daily", end - timedelta(days=1), end,
                      f"24 h to {end.strftime('%Y-%m-%d %H:%M')} UTC")
    if isinstance(at, date):
        start = datetime(at.year, at.month, at.day, tzinfo=UTC)
        check_range(start, start)
        return Period("daily", start, start + timedelta(days=1), at.isoformat())
    return daily_period(now, now)


def weekly_period(week: str | None = None, now: datetime | None = None) -> Period:
    """An ISO week (`2026-W48`, Monday 00:00 UTC to the next Monday); default: the last
    complete week before `now`."""
    if week is None:
        now = now or datetime.now(UTC)
        last = now.astimezone(UTC).date() - timedelta(days=7)
        year, number, _ = last.isocalendar()
        week = f"{year}-W{number:02d}"
    match = _WEEK.match(week.strip())
    if match is None:
        raise PeriodError(f"invalid week {week!r}: use an ISO week such as 2026-W48")
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError as exc:
        raise PeriodError(f"invalid week {week!r}: {exc}") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    check_range(start, start)
    return Period("weekly", start, start + timedelta(days=7), week.strip())


def parse_at(value: str) -> datetime | date:
    """A `--at` value: a date (YYYY-MM-DD) or an ISO 8601 date-time (UTC if no offset)."""
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(f"invalid time {value!r}: use YYYY-MM-DD or an ISO 8601 date-time"
                          ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def period_for(kind: str, at: str | None = None, week: str | None = None,
               now: datetime | None = None) -> Period:
    """The period of a report from the CLI/API options (PeriodError on bad input)."""
    check_kind(kind)
    if kind == "daily":
        if week is not None:
            raise PeriodError("--week applies to the weekly report; use --at for daily")
        period = daily_period(parse_at(at) if at else None, now)
        check_range(period.start, period.end)
        return period
    if at is not None:
        point = parse_at(at)
        day = point.date() if isinstance(point, datetime) else point
        year, number, _ = day.isocalendar()
        if week is not None:
            raise PeriodError("give either --week or --at, not both")
        week = f"{year}-W{number:02d}"
    period = weekly_period(week, now)
    check_range(period.start, period.end)
    return period
