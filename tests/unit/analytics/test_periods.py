"""Report periods and the report options' validation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vigil.services.reports.periods import (
    PeriodError,
    daily_period,
    period_for,
    weekly_period,
)

NOW = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)  # Wednesday of 2026-W49


def test_weekly_defaults_to_the_last_complete_iso_week() -> None:
    p = weekly_period(None, NOW)
    assert p.label == "2026-W48"
    assert (p.start, p.end) == (datetime(2026, 11, 23, tzinfo=UTC),
                                datetime(2026, 11, 30, tzinfo=UTC))
    assert period_for("weekly", at="2026-12-02", now=NOW).label == "2026-W49"
    assert period_for("weekly", week="2026-W01", now=NOW).start == \
        datetime(2025, 12, 29, tzinfo=UTC)


def test_daily_is_24_hours_ending_now_or_a_whole_utc_day() -> None:
    p = daily_period(None, NOW)
    assert (p.end - p.start).total_seconds() == 86400 and p.end == NOW
    day = daily_period(date(2026, 11, 30), NOW)
    assert (day.start, day.label) == (datetime(2026, 11, 30, tzinfo=UTC), "2026-11-30")
    assert period_for("daily", at="2026-12-01T06:00:00Z", now=NOW).end == \
        datetime(2026, 12, 1, 6, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "at", "week", "message"), [
    ("monthly", None, None, "unknown report"),
    ("weekly", None, "2026-48", "ISO week"),
    ("weekly", None, "2026-W60", "invalid week"),
    ("weekly", "2026-12-01", "2026-W48", "either"),
    ("daily", None, "2026-W48", "--week applies"),
    ("daily", "yesterday", None, "YYYY-MM-DD"),
    ("weekly", None, "0001-W01", "between 1972"),
    ("weekly", None, "9999-W52", "between 1972"),
    ("daily", "9999-12-31T23:59:59", None, "between 1972"),
])
def test_bad_options_raise_period_error(kind: str, at: str | None, week: str | None,
                                        message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        period_for(kind, at=at, week=week, now=NOW)
