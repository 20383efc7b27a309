"""On-call rotations: hand-off time, layers, overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigil.alerting.config import ScheduleConfig
from vigil.alerting.schedules import next_handoff, on_call

HANDOFF = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def sched(**extra: object) -> ScheduleConfig:
    data = {"layers": [{"users": ["alice", "bob"], "handoff_at": "2026-01-05T09:00:00Z",
                        "rotation": "7d"}], **extra}
    return ScheduleConfig.model_validate(data)


def test_weekly_rotation_hands_off_at_nine() -> None:
    s = sched()
    assert on_call(s, HANDOFF) == ["alice"]
    assert on_call(s, HANDOFF + timedelta(days=7) - timedelta(seconds=1)) == ["alice"]
    assert on_call(s, HANDOFF + timedelta(days=7)) == ["bob"]
    assert on_call(s, HANDOFF + timedelta(days=14)) == ["alice"]
    assert on_call(s, HANDOFF - timedelta(days=1)) == ["bob"]
    assert next_handoff(s.layers[0], HANDOFF + timedelta(days=1)) == HANDOFF + timedelta(days=7)


def test_override_and_higher_layer_win() -> None:
    s = sched(overrides=[{"user": "carol", "start": "2026-01-06T00:00:00Z",
                          "end": "2026-01-07T00:00:00Z"}])
    assert on_call(s, datetime(2026, 1, 6, 12, tzinfo=UTC)) == ["carol"]
    assert on_call(s, datetime(2026, 1, 7, 12, tzinfo=UTC)) == ["alice"]
    layered = ScheduleConfig.model_validate({"layers": [
        {"users": ["alice"], "handoff_at": "2026-01-05T09:00:00Z"},
        {"users": ["dave", "erin"], "handoff_at": "2026-01-05T00:00:00Z", "rotation": "1d"}]})
    assert on_call(layered, datetime(2026, 1, 6, 1, tzinfo=UTC)) == ["erin"]


def test_business_hours_layer_over_a_24x7_layer() -> None:
    s = ScheduleConfig.model_validate({"layers": [
        {"users": ["frank"], "handoff_at": "2026-01-05T09:00:00Z"},
        {"users": ["alice", "bob"], "handoff_at": "2026-01-05T09:00:00Z", "rotation": "1d",
         "restrict": {"weekdays": ["mon", "tue", "wed", "thu", "fri"],
                      "start_time": "09:00", "end_time": "17:00"}}]})
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    assert on_call(s, monday.replace(hour=10)) == ["alice"]
    assert on_call(s, monday.replace(hour=10) + timedelta(days=1)) == ["bob"]
    assert on_call(s, monday.replace(hour=18)) == ["frank"]        # evening: 24/7 layer
    assert on_call(s, monday.replace(hour=10) + timedelta(days=5)) == ["frank"]  # Saturday


def test_no_hand_off_past_the_last_date() -> None:
    """Before: `vigil oncall now --at 9999-12-31T23:59:59Z` crashed with OverflowError."""
    s = sched()
    end = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert on_call(s, end) in (["alice"], ["bob"])
    assert next_handoff(s.layers[0], end) is None
