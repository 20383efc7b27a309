"""The simulator: deterministic replays, start-up delays, and trace validation."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.scaling.simulator import SimSettings, simulate
from vigil.scaling.trace import Trace, TraceError, capacity_for, parse_trace


def _ramp_trace() -> Trace:
    # 2 h flat at 100, a ramp to 400 over 20 min, 1 h at 400; 1-minute samples
    load = np.concatenate([np.full(120, 100.0), np.linspace(100, 400, 20), np.full(60, 400.0)])
    return Trace("ramp", 0.0, 60.0, load)


def test_same_input_same_result() -> None:
    trace = _ramp_trace()
    settings = SimSettings(capacity=10.0, startup_seconds=300.0)
    a = simulate(trace, "hpa", settings)
    b = simulate(trace, "hpa", settings)
    assert a.summary() == b.summary()
    assert np.array_equal(a.replicas, b.replicas)


def test_slow_start_up_under_provisions_the_ramp_and_the_oracle_does_not() -> None:
    trace = _ramp_trace()
    fast = simulate(trace, "hpa", SimSettings(capacity=10.0, startup_seconds=60.0))
    slow = simulate(trace, "hpa", SimSettings(capacity=10.0, startup_seconds=600.0))
    oracle = simulate(trace, "oracle", SimSettings(capacity=10.0, startup_seconds=600.0))
    assert slow.under_provisioned_pct > fast.under_provisioned_pct
    assert slow.unserved_pct > 0
    assert oracle.under_provisioned_pct == 0.0
    # enough pods for the plateau at 70 %: ceil(400 / 7) = 58
    assert int(oracle.replicas[-1]) == 58
    # the HPA settles anywhere within its 10 % tolerance of the target
    assert abs(400.0 / (int(slow.replicas[-1]) * 10.0 * 0.7) - 1.0) <= 0.1


def test_pod_hours_and_actions_of_a_flat_load() -> None:
    trace = Trace("flat", 0.0, 60.0, np.full(120, 70.0))
    r = simulate(trace, "hpa", SimSettings(capacity=10.0, startup_seconds=60.0))
    assert r.actions == 0 and r.under_provisioned_pct == 0.0
    assert r.pod_hours == pytest.approx(10 * 2.0)  # 10 pods for 2 h


def test_predictive_rises_before_a_daily_ramp() -> None:
    day = 1440
    minutes = np.arange(3 * day)
    load = np.where((minutes % day) >= 600, 400.0, 100.0)  # every day at 10:00 the load jumps
    trace = Trace("daily", 0.0, 60.0, load)
    settings = SimSettings(capacity=10.0, startup_seconds=600.0)
    hpa = simulate(trace, "hpa", settings)
    pred = simulate(trace, "predictive", settings)
    assert pred.under_provisioned_pct < hpa.under_provisioned_pct
    third_jump = (2 * day + 600) * 4  # tick index (15 s ticks) of the third day's jump
    assert pred.replicas[third_jump - 4] > hpa.replicas[third_jump - 4]


def test_parse_trace_minute_index_and_timestamps() -> None:
    t = parse_trace([["minute", "load"], ["0", "5"], ["5", "6"], ["10", "7"]], "m")
    assert t.step == 300.0 and list(t.load) == [5.0, 6.0, 7.0]
    t = parse_trace([["ts", "load"], ["2026-01-01T00:00:00Z", "1"],
                     ["2026-01-01T00:30:00Z", "2"]], "iso")
    assert t.step == 1800.0


@pytest.mark.parametrize(("rows", "message"), [
    ([["minute", "load"], ["0", "5"]], "row 2: a trace needs at least two rows"),
    ([["minute", "load"], ["0", "5"], ["1", "-3"]], "row 3: load must be"),
    ([["minute", "load"], ["0", "5"], ["1", "5"], ["2", "5"], ["5", "5"]], "row 5: gap"),
    ([["minute", "load"], ["0", "5"], ["1", "x"]], "row 3: load 'x'"),
    ([["minute", "load"], ["1", "5"], ["0", "5"]], "row 3: time"),
])
def test_bad_traces_name_the_row(rows: list[list[str]], message: str) -> None:
    with pytest.raises(TraceError, match=message):
        parse_trace(rows, "bad")


def test_capacity_for_gives_forty_pods_at_the_high_quantile() -> None:
    trace = Trace("t", 0.0, 60.0, np.arange(1001, dtype=np.float64))
    cap = capacity_for(trace)
    assert float(np.quantile(trace.load, 0.999)) / (cap * 0.7) == pytest.approx(40.0)
