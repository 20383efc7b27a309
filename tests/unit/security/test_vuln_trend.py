"""The day-by-day findings trend: new, fixed and present counts per UTC day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from vigil.security.trend import finding_trend

D0 = date(2026, 11, 1)


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, 1, hour, tzinfo=UTC) + timedelta(days=day)


def test_a_finding_is_present_from_its_first_sighting_until_its_fix() -> None:
    trend = finding_trend([("HIGH", at(1), at(3))], D0, 5)
    assert [(d.new, d.fixed, d.present) for d in trend] == [
        (0, 0, {}), (1, 0, {"HIGH": 1}), (0, 0, {"HIGH": 1}), (0, 1, {}), (0, 0, {})]


def test_findings_from_before_the_window_count_as_present_not_new() -> None:
    trend = finding_trend([("CRITICAL", at(-10), None), ("LOW", at(-5), at(0, 1))], D0, 2)
    assert [(d.new, d.fixed, d.present) for d in trend] == [
        (0, 1, {"CRITICAL": 1}), (0, 0, {"CRITICAL": 1})]
    assert trend[0].as_dict()["present_total"] == 1


def test_day_boundaries_are_utc_and_severities_ordered_from_critical() -> None:
    plus_two = timezone(timedelta(hours=2))
    # 01:00 at UTC+2 on Nov 3 is 23:00 UTC on Nov 2
    late = datetime(2026, 11, 3, 1, tzinfo=plus_two)
    trend = finding_trend([("LOW", late, None), ("CRITICAL", at(2), None),
                           ("nonsense", at(2), None)], D0, 3)
    assert trend[1].new == 1 and trend[2].new == 2
    assert list(trend[2].present) == ["CRITICAL", "LOW", "UNKNOWN"]
    assert [d.day for d in trend] == [D0, date(2026, 11, 2), date(2026, 11, 3)]


def test_a_finding_fixed_the_day_it_appeared_is_new_and_fixed_but_never_present() -> None:
    [day] = finding_trend([("MEDIUM", at(0, 3), at(0, 20))], D0, 1)
    assert (day.new, day.fixed, day.present) == (1, 1, {})


def test_naive_timestamps_are_read_as_utc() -> None:
    naive = datetime(2026, 11, 1, 23, 30)
    [day] = finding_trend([("HIGH", naive, None)], D0, 1)
    assert day.new == 1 and day.present == {"HIGH": 1}
