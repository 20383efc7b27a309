"""Replay a load trace through a scaling policy, with pods that take time to become ready.

Deterministic: the same trace and settings give the same result. The HPA loop runs every
sync period (15 s); a sample's load holds for its whole step. Every policy's proposal
passes the same HPA behaviour (stabilisation, rate policies, min/max), as it does in a
cluster where KEDA or an HPA acts on Vigil's recommendation.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from vigil.forecasting.engine import Forecast, forecast_grid
from vigil.forecasting.errors import ForecastInputError
from vigil.forecasting.grid import MIN_POINTS, RegularSeries
from vigil.scaling.hpa import (
    DEFAULT_SCALE_DOWN,
    DEFAULT_SCALE_UP,
    SYNC_PERIOD_SECONDS,
    HPAController,
    HPASpec,
    ScalingRules,
)
from vigil.scaling.predictive import LoadForecast, predictive_proposal, replicas_for
from vigil.scaling.trace import Trace

PolicyName = Literal["hpa", "predictive", "oracle"]
POLICIES: tuple[PolicyName, ...] = ("hpa", "predictive", "oracle")
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class PredictiveSettings:
    """How the simulated predictive policy forecasts (see docs/autoscaling.md)."""

    refit_seconds: float = 900.0
    history_seconds: float = 3 * 86400.0
    level: float = 0.9
    margin_weight: float = 0.5
    lookahead_extra_seconds: float = 0.0
    """Provision for the highest forecast over [now + start-up, now + start-up + this]."""


@dataclass(frozen=True, slots=True)
class SimSettings:
    """Cluster and policy settings of one simulation."""

    capacity: float
    startup_seconds: float
    target_utilization: float = 0.7
    min_replicas: int = 1
    max_replicas: int | None = None
    scale_down_stabilization_seconds: float = 300.0
    sync_seconds: float = SYNC_PERIOD_SECONDS
    predictive: PredictiveSettings = field(default_factory=PredictiveSettings)

    def hpa_spec(self) -> HPASpec:
        """The HPA object these settings describe."""
        down = ScalingRules(self.scale_down_stabilization_seconds, DEFAULT_SCALE_DOWN.policies,
                            DEFAULT_SCALE_DOWN.select)
        return HPASpec(self.min_replicas, self.max_replicas, self.target_utilization,
                       scale_up=DEFAULT_SCALE_UP, scale_down=down)


@dataclass(frozen=True, slots=True)
class SimResult:
    """What a policy cost and how well it served the trace."""

    policy: PolicyName
    trace: str
    startup_seconds: float
    under_provisioned_pct: float
    unserved_pct: float
    above_target_pct: float
    pod_hours: float
    actions: int
    fallbacks: int
    times: FloatArray
    load: FloatArray
    ready_capacity: FloatArray
    replicas: npt.NDArray[np.int64]

    def summary(self) -> dict[str, object]:
        """The figures as plain JSON-able data."""
        return {"trace": self.trace, "policy": self.policy,
                "startup_minutes": round(self.startup_seconds / 60.0, 3),
                "under_provisioned_pct": round(self.under_provisioned_pct, 4),
                "unserved_pct": round(self.unserved_pct, 4),
                "above_target_pct": round(self.above_target_pct, 4),
                "pod_hours": round(self.pod_hours, 2), "actions": self.actions}


class _ForecastCache:
    """Re-forecasts the trace's past every `refit_seconds` of simulated time (no look-ahead)."""

    def __init__(self, trace: Trace, settings: SimSettings) -> None:
        self.trace = trace
        self.s = settings
        self.fc: Forecast | None = None
        self.error: str | None = "no forecast yet"
        self.made_at = -math.inf
        self.next_fit = -math.inf

    def _refit(self, now: float) -> None:
        p = self.s.predictive
        tr = self.trace
        self.next_fit = now + p.refit_seconds
        self.made_at = now
        end = int((now - tr.start) // tr.step)  # samples fully observed before now
        begin = max(0, end - int(p.history_seconds // tr.step))
        self.fc = None
        if end - begin < MIN_POINTS:
            self.error = f"insufficient history ({end - begin} samples, need {MIN_POINTS})"
            return
        y = tr.load[begin:end]
        series = RegularSeries(tr.start + begin * tr.step, tr.step, y,
                               np.ones(len(y), dtype=bool))
        ahead = (now - series.end) + self.s.startup_seconds + p.refit_seconds \
            + p.lookahead_extra_seconds
        try:
            self.fc = forecast_grid(series, max(1, math.ceil(ahead / tr.step)), level=p.level)
            self.error = None
        except ForecastInputError as exc:
            self.error = str(exc)

    def get(self, now: float) -> tuple[LoadForecast | None, str | None]:
        """The forecast for now + start-up, or why there is none."""
        if now >= self.next_fit:
            self._refit(now)
        if self.fc is None:
            return None, self.error
        t0 = now + self.s.startup_seconds
        mean, upper = peak_in_window(self.fc, t0, t0 + self.s.predictive.lookahead_extra_seconds)
        return LoadForecast(t0, mean, upper, self.made_at, self.fc.model), None


def peak_in_window(fc: Forecast, t0: float, t1: float) -> tuple[float, float]:
    """Highest forecast mean and upper bound over [t0, t1] (just at t0 when t1 <= t0)."""
    first = fc.at(t0)
    mean, upper = first.mean, first.upper
    if t1 > t0:
        inside = (fc.timestamps > t0) & (fc.timestamps <= t1)
        if inside.any():
            mean = max(mean, float(fc.mean[inside].max()))
            upper = max(upper, float(fc.upper[inside].max()))
    return mean, upper


def simulate(trace: Trace, policy: PolicyName, settings: SimSettings) -> SimResult:
    """Replay `trace` through `policy`; pods become ready `startup_seconds` after creation."""
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")
    s = settings
    dt = s.sync_seconds
    n_ticks = max(1, round(trace.duration / dt))
    idx = np.minimum((np.arange(n_ticks) * dt // trace.step).astype(np.int64),
                     len(trace.load) - 1)
    load = trace.load[idx]
    times: FloatArray = trace.start + np.arange(n_ticks, dtype=np.float64) * dt
    controller = HPAController(s.hpa_spec())
    initial = s.hpa_spec().clamp(max(1, replicas_for(float(load[0]), s.capacity,
                                                     s.target_utilization)))
    ready_at: list[float] = [trace.start] * initial  # sorted: pods are created in time order
    ready_cap = np.empty(n_ticks)
    replicas = np.empty(n_ticks, dtype=np.int64)
    cache = _ForecastCache(trace, s) if policy == "predictive" else None
    ticks_ahead = round(s.startup_seconds / dt)
    actions = fallbacks = 0
    for k in range(n_ticks):
        now = float(times[k])
        current = len(ready_at)
        ready = bisect.bisect_right(ready_at, now)
        ready_cap[k] = ready * s.capacity
        replicas[k] = current
        lk = float(load[k])
        if policy == "oracle":
            j0 = min(n_ticks - 1, k + ticks_ahead)
            j1 = min(n_ticks, j0 + 1)
            future = float(load[j0:j1].max())
            proposal = replicas_for(future, s.capacity, s.target_utilization)
        else:
            proposal = controller.propose(current, ready, current - ready, lk, s.capacity)
            if cache is not None:
                fc, err = cache.get(now)
                decision = predictive_proposal(
                    proposal, fc, now=now, capacity=s.capacity,
                    target=s.target_utilization, error=err,
                    max_age_seconds=s.predictive.refit_seconds * 3,
                    margin_weight=s.predictive.margin_weight)
                fallbacks += decision.fallback is not None
                proposal = decision.replicas
        desired = controller.normalize(now, current, proposal)
        if desired != current:
            actions += 1
            if desired > current:
                ready_at.extend([now + s.startup_seconds] * (desired - current))
            else:
                del ready_at[desired:]  # the newest (not-ready first) pods go first
    served = np.minimum(load, ready_cap)
    total = float(load.sum())
    return SimResult(
        policy=policy, trace=trace.name, startup_seconds=s.startup_seconds,
        under_provisioned_pct=100.0 * float(np.mean(load > ready_cap + 1e-9)),
        unserved_pct=100.0 * float((load - served).sum()) / total if total > 0 else 0.0,
        above_target_pct=100.0 * float(np.mean(load > ready_cap * s.target_utilization + 1e-9)),
        pod_hours=float(replicas.sum()) * dt / 3600.0, actions=actions, fallbacks=fallbacks,
        times=times, load=load, ready_capacity=ready_cap, replicas=replicas)
