"""The `respond_by` shown with every alert follows the runbook's response targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigil.analytics.business_hours import BusinessCalendar
from vigil.analytics.config import BusinessHoursConfig
from vigil.core.types import Priority
from vigil.services.alerting import respond_by

THU = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(("fired", "due"), [
    (THU, THU + timedelta(days=1)),                     # Thursday -> Friday
    (THU + timedelta(days=1), THU + timedelta(days=4)),  # Friday evening -> Monday, not Saturday
    (THU + timedelta(days=2), THU + timedelta(days=4)),  # Saturday -> Monday
    (THU + timedelta(days=3), THU + timedelta(days=4)),  # Sunday -> Monday
])
def test_p4_is_due_the_next_business_day(fired: datetime, due: datetime) -> None:
    assert respond_by(Priority.P4, fired) == due


def test_p1_to_p3_use_their_targets() -> None:
    assert respond_by(Priority.P1, THU) == THU
    assert respond_by(Priority.P2, THU) == THU + timedelta(minutes=30)
    assert respond_by(Priority.P3, THU + timedelta(days=1)) == THU + timedelta(days=1, hours=2)


def test_p4_follows_the_configured_calendar_across_a_weekend_and_dst() -> None:
    berlin = BusinessCalendar.from_config(BusinessHoursConfig(
        timezone="Europe/Berlin", start="08:00", end="16:30"))
    # Friday 2026-10-23 22:30 UTC is already Saturday 00:30 in Berlin (CEST, UTC+2);
    # the clocks go back on Sunday 2026-10-25, so Monday's 16:30 CET is 15:30 UTC.
    fired = datetime(2026, 10, 23, 22, 30, tzinfo=UTC)
    assert respond_by(Priority.P4, fired, berlin) == datetime(2026, 10, 26, 15, 30, tzinfo=UTC)
    # the same instant with the default calendar (UTC, 09:00-17:00): Monday 17:00 UTC
    assert respond_by(Priority.P4, fired) == datetime(2026, 10, 26, 17, 0, tzinfo=UTC)
    # P1-P3 are fixed durations whatever the calendar
    assert respond_by(Priority.P2, fired, berlin) == fired + timedelta(minutes=30)
