"""`vigil bench scaling`: hpa, predictive and oracle on traces, with the issue's settings.

Pod capacity is set so that each trace's 99.9th percentile needs 40 pods at 70 %;
min 1 replica, no max, scale-down stabilisation 5 min.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from vigil.scaling.simulator import POLICIES, PolicyName, PredictiveSettings, SimSettings, simulate
from vigil.scaling.trace import Trace, capacity_for

BENCH_STARTUP_MINUTES: tuple[float, ...] = (1.0, 5.0)
BENCH_PODS_AT_P999 = 40
BENCH_TARGET = 0.7


def bench_settings(trace: Trace, startup_minutes: float,
                   predictive: PredictiveSettings | None = None) -> SimSettings:
    """The benchmark's cluster for a trace: capacity from its p99.9, min 1, no max."""
    settings = SimSettings(capacity=capacity_for(trace, BENCH_PODS_AT_P999, BENCH_TARGET),
                           startup_seconds=startup_minutes * 60.0,
                           target_utilization=BENCH_TARGET, min_replicas=1, max_replicas=None,
                           scale_down_stabilization_seconds=300.0)
    return replace(settings, predictive=predictive) if predictive is not None else settings


def run_bench(traces: Sequence[Trace], startup_minutes: Sequence[float] = BENCH_STARTUP_MINUTES,
              policies: Sequence[PolicyName] = POLICIES,
              predictive: PredictiveSettings | None = None) -> Iterator[dict[str, object]]:
    """One result row per trace × start-up delay × policy (the output contract's keys)."""
    for trace in traces:
        for minutes in startup_minutes:
            settings = bench_settings(trace, minutes, predictive)
            for policy in policies:
                r = simulate(trace, policy, settings)
                row = r.summary()
                row["startup_minutes"] = minutes if minutes != int(minutes) else int(minutes)
                row["fallbacks"] = r.fallbacks
                yield row
