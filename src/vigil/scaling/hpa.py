"""The Kubernetes HorizontalPodAutoscaler algorithm, as documented and as the controller runs it.

Follows `pkg/controller/podautoscaler` (replica_calculator.go, horizontal.go) of
Kubernetes 1.30 and the page "Horizontal Pod Autoscaling":

- desired = ceil(currentReplicas × currentMetric / desiredMetric), skipped within the
  tolerance (0.1) of 1.0;
- pods that are not ready yet are set aside; on a scale-up they count as using 0 % of
  the target, and the scale is skipped when that reverses the direction or lands within
  the tolerance (the readiness delay);
- behaviour: the recommendation is stabilised (scale-up: the lowest of the window's
  recommendations, default window 0 s; scale-down: the highest, default 300 s), then
  limited by the rate policies (defaults: up by max(100 %, 4 pods) per 15 s, down by
  100 % per 15 s), then clamped to min/max. The controller syncs every 15 s.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

TOLERANCE = 0.1
"""Default `--horizontal-pod-autoscaler-tolerance`."""
SYNC_PERIOD_SECONDS = 15.0
"""Default `--horizontal-pod-autoscaler-sync-period`."""
SCALE_DOWN_STABILIZATION_SECONDS = 300.0
"""Default scale-down stabilisation window."""

PolicyType = Literal["Pods", "Percent"]
SelectPolicy = Literal["Max", "Min", "Disabled"]


@dataclass(frozen=True, slots=True)
class RatePolicy:
    """One HPA scaling policy: at most `value` pods or percent per `period_seconds`."""

    type: PolicyType
    value: int
    period_seconds: float


@dataclass(frozen=True, slots=True)
class ScalingRules:
    """One direction of `spec.behavior`: stabilisation window, policies, selectPolicy."""

    stabilization_seconds: float
    policies: tuple[RatePolicy, ...]
    select: SelectPolicy = "Max"


DEFAULT_SCALE_UP = ScalingRules(0.0, (RatePolicy("Percent", 100, 15.0),
                                      RatePolicy("Pods", 4, 15.0)))
"""Kubernetes' default scale-up behaviour."""
DEFAULT_SCALE_DOWN = ScalingRules(SCALE_DOWN_STABILIZATION_SECONDS,
                                  (RatePolicy("Percent", 100, 15.0),))
"""Kubernetes' default scale-down behaviour."""


@dataclass(frozen=True, slots=True)
class HPASpec:
    """What an HPA object declares: bounds, the target utilisation and `behavior`."""

    min_replicas: int = 1
    max_replicas: int | None = None
    target_utilization: float = 0.7
    tolerance: float = TOLERANCE
    scale_up: ScalingRules = DEFAULT_SCALE_UP
    scale_down: ScalingRules = DEFAULT_SCALE_DOWN

    def __post_init__(self) -> None:
        if self.min_replicas < 0:
            raise ValueError(f"min_replicas must be ≥ 0, got {self.min_replicas}")
        if self.max_replicas is not None and self.max_replicas < self.min_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) exceeds max_replicas "
                             f"({self.max_replicas})")
        if not self.target_utilization > 0:
            raise ValueError(f"target_utilization must be > 0, got {self.target_utilization}")

    def clamp(self, replicas: int) -> int:
        """The replica count within [min, max]."""
        upper = self.max_replicas if self.max_replicas is not None else replicas
        return max(self.min_replicas, min(replicas, upper))


def calculate_replicas(current_replicas: int, ready_usage: list[float] | float,
                       unready_pods: int, target: float, *,
                       ready_pods: int | None = None, tolerance: float = TOLERANCE) -> int:
    """The replica calculator's raw proposal (before behaviour and min/max).

    `ready_usage` is the metric of each ready pod (a list) or their sum (a float, with
    `ready_pods`); `target` the per-pod target value; unready pods are set aside and,
    when the ready pods ask for more, imputed at 0.
    """
    if isinstance(ready_usage, list):
        n_ready = len(ready_usage)
        total = float(sum(ready_usage))
    else:
        if ready_pods is None:
            raise ValueError("ready_pods is required when ready_usage is a sum")
        n_ready, total = ready_pods, float(ready_usage)
    if n_ready == 0:
        return current_replicas  # no metrics: the controller does not act
    usage_ratio = total / (n_ready * target)
    scale_up_with_unready = unready_pods > 0 and usage_ratio > 1.0
    if not scale_up_with_unready:
        if abs(1.0 - usage_ratio) <= tolerance:
            return current_replicas
        return math.ceil(usage_ratio * n_ready - 1e-9)
    n_all = n_ready + unready_pods
    new_ratio = total / (n_all * target)
    if abs(1.0 - new_ratio) <= tolerance or new_ratio < 1.0:
        return current_replicas  # within tolerance, or the unready pods reverse the direction
    new_replicas = math.ceil(new_ratio * n_all - 1e-9)
    return current_replicas if new_replicas < current_replicas else new_replicas


@dataclass(slots=True)
class _Event:
    ts: float
    value: int


@dataclass(slots=True)
class HPAController:
    """The stateful part of the HPA: recommendation history, scale events, behaviour."""

    spec: HPASpec = field(default_factory=HPASpec)
    _recommendations: deque[_Event] = field(default_factory=deque)
    _ups: deque[_Event] = field(default_factory=deque)
    _downs: deque[_Event] = field(default_factory=deque)

    def _forget(self, now: float) -> None:
        keep = max(self.spec.scale_up.stabilization_seconds,
                   self.spec.scale_down.stabilization_seconds)
        while self._recommendations and self._recommendations[0].ts <= now - keep:
            self._recommendations.popleft()
        longest = max([p.period_seconds for p in self.spec.scale_up.policies
                       + self.spec.scale_down.policies] or [0.0])
        for events in (self._ups, self._downs):
            while events and events[0].ts <= now - longest:
                events.popleft()

    def stabilize(self, now: float, current: int, proposal: int) -> int:
        """Apply the stabilisation windows and remember `proposal`."""
        self._forget(now)
        up, down = proposal, proposal
        up_cut = now - self.spec.scale_up.stabilization_seconds
        down_cut = now - self.spec.scale_down.stabilization_seconds
        for rec in self._recommendations:
            if rec.ts > up_cut:
                up = min(up, rec.value)
            if rec.ts > down_cut:
                down = max(down, rec.value)
        self._recommendations.append(_Event(now, proposal))
        return min(max(current, up), down)

    @staticmethod
    def _change(events: deque[_Event], now: float, period: float) -> int:
        return sum(e.value for e in events if e.ts > now - period)

    def rate_limit(self, now: float, current: int, desired: int) -> int:
        """Apply the scale-up/scale-down rate policies and min/max."""
        spec = self.spec
        if desired > current:
            limit = self._up_limit(now, current)
            allowed = max(limit, current)
            if spec.max_replicas is not None:
                allowed = min(allowed, spec.max_replicas)
            return min(desired, allowed)
        if desired < current:
            limit = min(self._down_limit(now, current), current)
            return max(desired, limit, spec.min_replicas)
        return desired

    def _up_limit(self, now: float, current: int) -> int:
        rules = self.spec.scale_up
        if rules.select == "Disabled":
            return current
        proposals = []
        for p in rules.policies:
            start = (current - self._change(self._ups, now, p.period_seconds)
                     + self._change(self._downs, now, p.period_seconds))
            proposals.append(start + p.value if p.type == "Pods"
                             else math.ceil(start * (1 + p.value / 100) - 1e-9))
        return (min if rules.select == "Min" else max)(proposals or [current])

    def _down_limit(self, now: float, current: int) -> int:
        rules = self.spec.scale_down
        if rules.select == "Disabled":
            return current
        proposals = []
        for p in rules.policies:
            start = (current + self._change(self._downs, now, p.period_seconds)
                     - self._change(self._ups, now, p.period_seconds))
            proposals.append(start - p.value if p.type == "Pods"
                             else int(start * (1 - p.value / 100) + 1e-9))
        return (max if rules.select == "Min" else min)(proposals or [current])

    def normalize(self, now: float, current: int, proposal: int) -> int:
        """Stabilise, rate-limit and clamp a raw proposal; records the resulting scale event."""
        stabilized = self.stabilize(now, current, proposal)
        desired = self.spec.clamp(self.rate_limit(now, current, stabilized))
        if desired > current:
            self._ups.append(_Event(now, desired - current))
        elif desired < current:
            self._downs.append(_Event(now, current - desired))
        return desired

    def step(self, now: float, current: int, ready_pods: int, unready_pods: int,
             load: float, capacity: float) -> int:
        """One sync: the replica count the HPA sets, for `load` spread over the ready pods.

        A pod's metric is its utilisation (load ÷ (ready pods × capacity)) against
        `target_utilization`.
        """
        proposal = self.propose(current, ready_pods, unready_pods, load, capacity)
        return self.normalize(now, current, proposal)

    def propose(self, current: int, ready_pods: int, unready_pods: int, load: float,
                capacity: float) -> int:
        """The replica calculator's proposal for a utilisation metric."""
        return calculate_replicas(current, load / capacity, unready_pods,
                                  self.spec.target_utilization, ready_pods=ready_pods,
                                  tolerance=self.spec.tolerance)
