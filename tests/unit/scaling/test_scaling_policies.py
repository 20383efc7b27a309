"""The scaling policy algebra: the HPA as Kubernetes documents it, predictive, schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vigil.scaling.hpa import (
    HPAController,
    HPASpec,
    RatePolicy,
    ScalingRules,
    calculate_replicas,
)
from vigil.scaling.predictive import LoadForecast, predictive_proposal, replicas_for, with_schedule
from vigil.scaling.schedule import Cron, ScheduledMinimum, schedule_minimum


def test_docs_ratio_doubles_and_halves() -> None:
    # "if the current metric value is 200m, and the desired value is 100m, the number of
    # replicas will be doubled ... If the current value is instead 50m, you'll halve"
    assert calculate_replicas(4, [200.0] * 4, 0, 100.0) == 8
    assert calculate_replicas(4, [50.0] * 4, 0, 100.0) == 2


def test_tolerance_skips_small_ratios() -> None:
    # 10 pods at 75 % against 70 %: ratio 1.071 <= 1.1, no change; at 80 %: 1.143 -> ceil(11.43)
    assert calculate_replicas(10, 7.5, 0, 0.7, ready_pods=10) == 10
    assert calculate_replicas(10, 8.0, 0, 0.7, ready_pods=10) == 12
    assert calculate_replicas(10, 6.4, 0, 0.7, ready_pods=10) == 10  # 0.914: within 10 %
    assert calculate_replicas(10, 6.0, 0, 0.7, ready_pods=10) == 9  # 0.857 -> ceil(8.57)


def test_unready_pods_count_as_zero_on_scale_up() -> None:
    # 4 ready pods at 90 % (target 70 %) and 2 starting: 3.6 / (6 × 0.7) = 0.857, which
    # reverses the direction, so the HPA waits for the new pods instead of adding more.
    assert calculate_replicas(6, 3.6, 2, 0.7, ready_pods=4) == 6
    # at 150 % the ratio with the unready pods is 6 / 4.2 = 1.43 -> ceil(1.43 × 6) = 9
    assert calculate_replicas(6, 6.0, 2, 0.7, ready_pods=4) == 9


def test_scale_down_stabilisation_uses_the_highest_recent_recommendation() -> None:
    hpa = HPAController(HPASpec(min_replicas=1, target_utilization=0.7))
    assert hpa.normalize(0.0, 10, 10) == 10
    assert hpa.normalize(15.0, 10, 4) == 10  # 10 was recommended within 300 s
    assert hpa.normalize(299.0, 10, 4) == 10
    assert hpa.normalize(300.0, 10, 4) == 4  # the 10 at t=0 has left the window


def test_scale_up_is_immediate_but_rate_limited_by_default() -> None:
    # default: add max(100 %, 4 pods) per 15 s
    hpa = HPAController(HPASpec(min_replicas=1))
    assert hpa.normalize(0.0, 2, 20) == 6  # 2 + 4 beats 2 × 2
    assert hpa.normalize(5.0, 6, 20) == 6  # still in the same 15 s period
    assert hpa.normalize(15.0, 6, 20) == 12  # 100 % of 6 beats 4 pods
    assert hpa.normalize(30.0, 12, 30) == 24


def test_docs_scale_down_policies_example() -> None:
    # docs: Pods 4 / 60 s and Percent 10 / 60 s, selectPolicy Max: from 80 replicas the
    # percent policy allows 8 in the first step; at 72 it allows 8 (7.2 rounded up);
    # under 40 replicas the Pods policy (4) allows more.
    down = ScalingRules(0.0, (RatePolicy("Pods", 4, 60.0), RatePolicy("Percent", 10, 60.0)))
    hpa = HPAController(HPASpec(min_replicas=1, scale_down=down))
    assert hpa.normalize(0.0, 80, 10) == 72
    assert hpa.normalize(15.0, 72, 10) == 72  # the period's 8 are used up
    assert hpa.normalize(60.0, 72, 10) == 64
    assert hpa.normalize(120.0, 30, 10) == 26  # 4 pods beats 10 % of 30 (27)


def test_select_policy_min_and_disabled() -> None:
    up = ScalingRules(0.0, (RatePolicy("Pods", 4, 60.0), RatePolicy("Percent", 100, 60.0)),
                      select="Min")
    assert HPAController(HPASpec(scale_up=up)).normalize(0.0, 10, 40) == 14
    off = ScalingRules(0.0, (RatePolicy("Pods", 4, 60.0),), select="Disabled")
    assert HPAController(HPASpec(scale_down=off)).normalize(0.0, 10, 2) == 10


def test_clamping_to_min_and_max() -> None:
    spec = HPASpec(min_replicas=3, max_replicas=20)
    assert HPAController(spec).normalize(0.0, 10, 40) == 20
    assert HPAController(HPASpec(min_replicas=3, max_replicas=20,
                                 scale_down=ScalingRules(0.0, (RatePolicy("Percent", 100, 15),)))
                         ).normalize(0.0, 10, 1) == 3
    with pytest.raises(ValueError, match="exceeds max_replicas"):
        HPASpec(min_replicas=5, max_replicas=4)


def test_predictive_provisions_for_the_forecast_with_its_margin() -> None:
    fc = LoadForecast(at=400.0, mean=100.0, upper=120.0, made_at=90.0)
    d = predictive_proposal(3, fc, now=100.0, capacity=10.0, target=0.7, max_age_seconds=300)
    assert d.replicas == 18 and d.winner == "predictive"  # ceil(120 / 7) = 18
    assert d.forecast_load == 100.0 and d.margin == 20.0 and d.fallback is None
    d = predictive_proposal(25, fc, now=100.0, capacity=10.0, target=0.7, max_age_seconds=300)
    assert d.replicas == 25 and d.winner == "hpa"


def test_failed_or_stale_forecast_falls_back_to_hpa() -> None:
    fc = LoadForecast(at=400.0, mean=100.0, upper=120.0, made_at=0.0)
    stale = predictive_proposal(3, fc, now=1000.0, capacity=10.0, target=0.7,
                                max_age_seconds=300)
    assert stale.replicas == 3 and stale.winner == "hpa"
    assert stale.fallback is not None and "stale" in stale.fallback
    failed = predictive_proposal(3, None, now=0.0, capacity=10.0, target=0.7,
                                 max_age_seconds=300, error="insufficient history")
    assert failed.replicas == 3 and "insufficient history" in (failed.fallback or "")


def test_replicas_for() -> None:
    assert replicas_for(70.0, 10.0, 0.7) == 10
    assert replicas_for(70.1, 10.0, 0.7) == 11
    assert replicas_for(-5.0, 10.0, 0.7) == 0


def test_schedule_minimum_raises_the_decision_while_active() -> None:
    weekday_mornings = ScheduledMinimum(Cron.parse("0 8 * * 1-5"), 2 * 3600, 6)
    monday_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).timestamp()
    monday_11 = datetime(2026, 11, 30, 11, 0, tzinfo=UTC).timestamp()
    sunday_9 = datetime(2026, 11, 29, 9, 0, tzinfo=UTC).timestamp()
    assert schedule_minimum([weekday_mornings], monday_9) == 6
    assert schedule_minimum([weekday_mornings], monday_11) is None
    assert schedule_minimum([weekday_mornings], sunday_9) is None
    base = predictive_proposal(3, None, now=0.0, capacity=1.0, target=0.7, max_age_seconds=1)
    raised = with_schedule(base, 6)
    assert raised.replicas == 6 and raised.winner == "schedule"
    assert with_schedule(base, 2).replicas == 3


def test_bad_cron_is_rejected_naming_the_field() -> None:
    with pytest.raises(ValueError, match="hour"):
        Cron.parse("0 25 * * *")
    with pytest.raises(ValueError, match="5 fields"):
        Cron.parse("0 8 * *")
