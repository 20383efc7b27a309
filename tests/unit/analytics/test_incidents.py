"""Incident metrics against a hand-computed timeline of alerts and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from vigil.analytics.business_hours import BusinessCalendar
from vigil.analytics.config import BusinessHoursConfig, ResponseTargetsConfig
from vigil.analytics.incidents import (
    Incident,
    PageRecord,
    after_hours_pages,
    deadline,
    pages_per_person,
    stats_of,
    target_outcome,
)
from vigil.analytics.noise import is_flapping, noisiest, over_budget
from vigil.analytics.stats import percentile
from vigil.analytics.trends import Timings, weekly_stats

UTC_CAL = BusinessCalendar.from_config(BusinessHoursConfig())
BERLIN = BusinessCalendar.from_config(BusinessHoursConfig(timezone="Europe/Berlin"))
TARGETS = ResponseTargetsConfig()
DAY = datetime(2026, 11, 24, tzinfo=UTC)  # a Tuesday


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, seconds=second)


def incident(i: int, priority: str, fired: datetime, acked: datetime | None,
             resolved: datetime | None, rule: str = "HighCpu") -> Incident:
    return Incident(i, rule, priority, "api", f"{rule}{{host=a}}", fired, acked, resolved)


# P1 timeline (target 5 min):
#  1: ack after 3 min, resolved after 20 min  -> met
#  2: ack after 6 min, resolved after 30 min  -> missed
#  3: ack after 1 min, resolved after 10 min  -> met
#  4: never acked, resolved after 2 min        -> met (responded by resolving), flapping
#  5: ack after 10 min, resolved after 60 min -> missed
P1 = [
    incident(1, "P1", at(10), at(10, 3), at(10, 20)),
    incident(2, "P1", at(11), at(11, 6), at(11, 30)),
    incident(3, "P1", at(12), at(12, 1), at(12, 10)),
    incident(4, "P1", at(13), None, at(13, 2)),
    incident(5, "P1", at(14), at(14, 10), at(15)),
]
NOW = at(20)


def test_mtta_mttr_percentiles_and_targets_of_p1() -> None:
    s = stats_of(P1, TARGETS, UTC_CAL, NOW)
    assert (s.alerts, s.acknowledged, s.resolved) == (5, 4, 5)
    # TTA sorted 60, 180, 360, 600: p50 = (180 + 360) / 2; p90 at rank 2.7 = 360 + 0.7 * 240
    assert s.mtta_p50 == 270.0
    assert s.mtta_p90 == pytest.approx(528.0)
    # TTR sorted 120, 600, 1200, 1800, 3600: p50 = 1200; p90 at rank 3.6 = 1800 + 0.6 * 1800
    assert s.mttr_p50 == 1200.0
    assert s.mttr_p90 == pytest.approx(2880.0)
    assert (s.targets_met, s.targets_missed, s.targets_pending) == (3, 2, 0)
    assert s.target_share == pytest.approx(0.6)


def test_open_alerts_are_pending_until_their_deadline_then_missed() -> None:
    waiting = incident(6, "P3", NOW - timedelta(hours=1), None, None)
    late = incident(7, "P3", NOW - timedelta(hours=3), None, None)
    assert target_outcome(waiting, TARGETS, UTC_CAL, NOW) == "pending"
    assert target_outcome(late, TARGETS, UTC_CAL, NOW) == "missed"
    s = stats_of([waiting, late], TARGETS, UTC_CAL, NOW)
    assert (s.targets_met, s.targets_missed, s.targets_pending) == (0, 1, 1)
    assert s.mtta_p50 is None and s.target_share == 0.0


def test_p4_next_business_day_across_a_weekend_and_the_dst_change() -> None:
    # fired Friday 27 March 16:00 CET; due Monday 30 March 17:00 CEST = 15:00 UTC
    fired = datetime(2026, 3, 27, 15, tzinfo=UTC)
    on_time = incident(8, "P4", fired, datetime(2026, 3, 30, 14, 59, tzinfo=UTC), None)
    too_late = incident(9, "P4", fired, datetime(2026, 3, 30, 15, 1, tzinfo=UTC), None)
    assert deadline(on_time, TARGETS, BERLIN) == datetime(2026, 3, 30, 15, tzinfo=UTC)
    assert target_outcome(on_time, TARGETS, BERLIN, NOW) == "met"
    assert target_outcome(too_late, TARGETS, BERLIN, NOW) == "missed"
    # a plain 24 h reading would have called both late (due Saturday 15:00 UTC)
    assert deadline(on_time, ResponseTargetsConfig(P4="24h"), BERLIN) == \
        datetime(2026, 3, 28, 15, tzinfo=UTC)


def test_flapping_is_resolved_within_the_window_without_ack() -> None:
    window = timedelta(minutes=5)
    assert [is_flapping(i, window) for i in P1] == [False, False, False, True, False]
    rows = noisiest([*P1, incident(10, "P2", at(16), None, at(16, 1), rule="Disk")],
                    lambda i: i.rule, weeks=0.5, window=window, top=5)
    assert [(r.name, r.alerts, r.per_week, r.flapping) for r in rows] == \
        [("HighCpu", 5, 10.0, 1), ("Disk", 1, 2.0, 1)]
    assert rows[0].flapping_share == pytest.approx(0.2)


def test_pages_per_person_and_after_hours() -> None:
    # Berlin: Tuesday 24 Nov 08:30 UTC = 09:30 CET (in hours); 18:00 UTC = 19:00 (after);
    # Saturday 28 Nov noon (weekend)
    pages = [
        PageRecord(1, datetime(2026, 11, 24, 8, 30, tzinfo=UTC), 0, ("alice",)),
        PageRecord(1, datetime(2026, 11, 24, 8, 35, tzinfo=UTC), 1, ("bob",)),
        PageRecord(2, datetime(2026, 11, 24, 18, 0, tzinfo=UTC), 0, ("alice",)),
        PageRecord(2, datetime(2026, 11, 24, 18, 5, tzinfo=UTC), 0, ("alice",)),  # repeat
        PageRecord(3, datetime(2026, 11, 28, 12, 0, tzinfo=UTC), 0, ("carol", "bob")),
    ]
    assert pages_per_person(pages) == {"alice": 3, "bob": 2, "carol": 1}
    late = after_hours_pages(pages, BERLIN)
    assert (late.pages, late.total) == (3, 5)
    assert late.per_person == {"alice": 2, "bob": 1, "carol": 1}
    # pages counted per quarter-hour weigh as many pages
    counted = [PageRecord(0, datetime(2026, 11, 24, 8, 30, tzinfo=UTC), 0, ("alice",), 4),
               PageRecord(0, datetime(2026, 11, 24, 18, 0, tzinfo=UTC), 0, ("alice",), 3)]
    assert pages_per_person(counted) == {"alice": 7}
    weighted = after_hours_pages(counted, BERLIN)
    assert (weighted.pages, weighted.total, weighted.per_person) == (3, 7, {"alice": 3})


def test_over_budget_keeps_series_above_their_budget_worst_first() -> None:
    rows = over_budget([(1, "a", "2026-W48", 3, 3.0), (2, "b", "2026-W48", 12, 3.0),
                        (3, "c", "2026-W48", 7, 3.0), (4, "d", "2026-W48", 20, 30.0)], top=10)
    assert [(r.series_id, r.anomalies, r.ratio) for r in rows] == \
        [(2, 12, 4.0), (3, 7, pytest.approx(7 / 3))]


def test_percentile_matches_numpy_linear() -> None:
    values = [60.0, 120.0, 180.0, 240.0, 600.0]
    assert percentile(values, 90) == pytest.approx(456.0)
    rng = np.random.default_rng(3)
    sample = list(rng.exponential(100, 37))
    for q in (0, 10, 50, 90, 100):
        assert percentile(sample, q) == pytest.approx(float(np.percentile(sample, q)))
    assert percentile([], 50) is None


def test_vectorised_weekly_stats_equal_the_per_incident_definitions() -> None:
    rng = np.random.default_rng(14)
    start = datetime(2026, 3, 16, tzinfo=UTC)  # two weeks around the spring DST change
    incidents = []
    for i in range(400):
        fired = start + timedelta(seconds=float(rng.uniform(0, 14 * 86400)))
        prio = ("P1", "P2", "P3", "P4")[i % 4]
        acked = None if rng.random() < 0.2 else fired + timedelta(seconds=float(
            rng.exponential(4000)))
        resolved = None if rng.random() < 0.2 else fired + timedelta(seconds=float(
            rng.exponential(9000)))
        incidents.append(incident(i, prio, fired, acked, resolved))
    now = start + timedelta(days=14, hours=1)
    weeks = [("w12", start, start + timedelta(days=7)),
             ("w13", start + timedelta(days=7), start + timedelta(days=14))]
    timings = Timings.from_rows([(i.fired_at.timestamp(),
                                  i.acknowledged_at.timestamp() if i.acknowledged_at else None,
                                  i.resolved_at.timestamp() if i.resolved_at else None,
                                  i.priority) for i in incidents])
    fast = weekly_stats(timings, [(n, a.timestamp(), b.timestamp()) for n, a, b in weeks],
                        TARGETS, BERLIN, now.timestamp())
    for name, a, b in weeks:
        slow = stats_of([i for i in incidents if a <= i.fired_at < b], TARGETS, BERLIN, now)
        got = fast[name]
        assert (got.alerts, got.acknowledged, got.resolved) == \
            (slow.alerts, slow.acknowledged, slow.resolved)
        assert (got.targets_met, got.targets_missed, got.targets_pending) == \
            (slow.targets_met, slow.targets_missed, slow.targets_pending)
        for key in ("mtta_p50", "mtta_p90", "mttr_p50", "mttr_p90"):
            assert getattr(got, key) == pytest.approx(getattr(slow, key), abs=1e-3)


def test_grouped_vectorised_stats_equal_grouped_stats() -> None:
    from vigil.analytics.incidents import grouped_stats
    from vigil.analytics.trends import grouped_window_stats

    extra = [incident(20, "P4", datetime(2026, 3, 27, 15, tzinfo=UTC),
                      datetime(2026, 3, 30, 14, 59, tzinfo=UTC), None),
             incident(21, "P3", NOW - timedelta(hours=1), None, None)]
    everything = [*P1, *extra]
    total, groups = grouped_window_stats(everything, lambda i: i.priority, TARGETS, BERLIN,
                                         NOW.timestamp())
    slow = grouped_stats(everything, lambda i: i.priority, TARGETS, BERLIN, NOW)
    assert list(groups) == list(slow) == ["P1", "P3", "P4"]
    for name, got in groups.items():
        assert (got.alerts, got.targets_met, got.targets_missed, got.targets_pending) == \
            (slow[name].alerts, slow[name].targets_met, slow[name].targets_missed,
             slow[name].targets_pending)
        assert got.mtta_p90 == pytest.approx(slow[name].mtta_p90)
    assert (total.alerts, total.targets_met, total.targets_missed, total.targets_pending) == \
        (7, 4, 2, 1)
