"""Business-hours arithmetic against hand-computed times, across weekends and DST changes.

Europe/Berlin: CET (UTC+1) until Sunday 2026-03-29 02:00, then CEST (UTC+2) until Sunday
2026-10-25 03:00, then CET again. Opening hours 09:00-17:00 local, Monday to Friday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vigil.analytics.business_hours import BusinessCalendar
from vigil.analytics.config import BusinessHoursConfig

BERLIN = BusinessCalendar.from_config(BusinessHoursConfig(timezone="Europe/Berlin"))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("fired", "due"), [
    # Friday 16:00 CET -> Monday 30 March 17:00 CEST = 15:00 UTC (weekend and spring DST)
    (utc(2026, 3, 27, 15, 0), utc(2026, 3, 30, 15, 0)),
    # Saturday -> the same Monday close
    (utc(2026, 3, 28, 10, 0), utc(2026, 3, 30, 15, 0)),
    # Sunday 22:30 UTC is already Monday 00:30 CEST locally -> Tuesday's close
    (utc(2026, 3, 29, 22, 30), utc(2026, 3, 31, 15, 0)),
    # Friday 16:00 CEST -> Monday 26 October 17:00 CET = 16:00 UTC (autumn DST)
    (utc(2026, 10, 23, 14, 0), utc(2026, 10, 26, 16, 0)),
    # a Wednesday in winter: Thursday 17:00 CET = 16:00 UTC
    (utc(2026, 12, 2, 9, 0), utc(2026, 12, 3, 16, 0)),
])
def test_next_business_day_deadline(fired: datetime, due: datetime) -> None:
    assert BERLIN.next_business_day_deadline(fired) == due


def test_holidays_are_skipped() -> None:
    cal = BusinessCalendar.from_config(BusinessHoursConfig(
        timezone="Europe/Berlin", holidays=[date(2026, 12, 24), date(2026, 12, 25)]))
    # Wednesday 23 Dec -> Thu 24 and Fri 25 are holidays, the weekend follows -> Mon 28
    assert cal.next_business_day_deadline(utc(2026, 12, 23, 12)) == utc(2026, 12, 28, 16)


def test_business_time_follows_the_local_clock_across_dst() -> None:
    # 07:30 UTC is 08:30 CET before the change (closed) and 09:30 CEST after it (open)
    assert not BERLIN.is_business_time(utc(2026, 3, 23, 7, 30))
    assert BERLIN.is_business_time(utc(2026, 3, 30, 7, 30))
    # 16:30 UTC is 18:30 CEST in October (closed) and 17:30 CET in November (closed);
    # 15:30 UTC is 16:30 CET in November (open)
    assert not BERLIN.is_business_time(utc(2026, 10, 22, 16, 30))
    assert BERLIN.is_business_time(utc(2026, 11, 2, 15, 30))
    # weekends are never business time
    assert not BERLIN.is_business_time(utc(2026, 3, 28, 11, 0))


def test_business_seconds_over_a_weekend_and_the_spring_change() -> None:
    # Friday 16:00-17:00 CET (1 h) + Monday 09:00-10:00 CEST (1 h)
    assert BERLIN.business_seconds(utc(2026, 3, 27, 15, 0), utc(2026, 3, 30, 8, 0)) == 7200
    # a whole DST-change weekend alone holds no business time
    assert BERLIN.business_seconds(utc(2026, 10, 24, 0), utc(2026, 10, 26, 0)) == 0
    # Monday after the autumn change: 09:00-17:00 CET = 08:00-16:00 UTC, all of it
    assert BERLIN.business_seconds(utc(2026, 10, 26, 0), utc(2026, 10, 27, 0)) == 8 * 3600
    assert BERLIN.business_seconds(utc(2026, 10, 27, 0), utc(2026, 10, 26, 0)) == 0


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        BusinessHoursConfig(timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="before"):
        BusinessHoursConfig(start="17:00", end="09:00")
    with pytest.raises(ValueError, match="HH:MM"):
        BusinessHoursConfig(start="9am")
    with pytest.raises(ValueError, match="quarter-hour"):
        BusinessHoursConfig(start="09:10")
    assert BusinessHoursConfig(start="08:45", end="17:30").start.minute == 45
