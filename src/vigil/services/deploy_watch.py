"""Deployment watch: read Vigil's own /metrics over time and decide keep or roll back.

The blue-green script (scripts/deploy-blue-green.sh) calls `vigil deploy watch` after the
traffic switch. Every interval it scrapes the new colour's /metrics, computes the 5xx share
and the p95 latency of the requests served in that window (probe routes excluded), and
counts a breach when either exceeds the runbook's threshold (HighErrorRate > 5 %,
SlowResponses p95 > 2 s). Consecutive breaches up to `breaches_to_fail` mean roll back.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

REQUESTS = "vigil_http_requests"
LATENCY = "vigil_http_request_duration_seconds"
PROBE_ROUTES = frozenset({"/metrics", "/health", "/ready"})
RUNBOOK_MAX_ERROR_RATE = 0.05
RUNBOOK_MAX_P95_SECONDS = 2.0


@dataclass(frozen=True)
class Thresholds:
    """When a window breaches, and how many breaches in a row mean roll back."""

    max_error_rate: float = RUNBOOK_MAX_ERROR_RATE
    max_p95_seconds: float = RUNBOOK_MAX_P95_SECONDS
    breaches_to_fail: int = 2
    min_requests: int = 10


@dataclass
class Snapshot:
    """Cumulative counters read from one /metrics page (probe routes left out)."""

    requests: float = 0.0
    errors: float = 0.0
    buckets: dict[float, float] = field(default_factory=dict)


@dataclass
class Window:
    """What happened between two snapshots and whether it breached."""

    requests: float
    error_rate: float | None
    p95_seconds: float | None
    breached: bool
    reasons: list[str]


@dataclass
class Verdict:
    """The watch's outcome: roll back or keep, with every window it judged."""

    rollback: bool
    reason: str
    windows: list[Window]


def parse(metrics_text: str) -> Snapshot:
    """Sum request, 5xx and latency-bucket counters over every non-probe route."""
    snap = Snapshot()
    for family in text_string_to_metric_families(metrics_text):
        if family.name == REQUESTS:
            for sample in family.samples:
                if sample.name.endswith("_total") and \
                        sample.labels.get("route") not in PROBE_ROUTES:
                    snap.requests += sample.value
                    if str(sample.labels.get("status", "")).startswith("5"):
                        snap.errors += sample.value
        elif family.name == LATENCY:
            for sample in family.samples:
                if sample.name.endswith("_bucket") and \
                        sample.labels.get("route") not in PROBE_ROUTES:
                    bound = float(sample.labels["le"])
                    snap.buckets[bound] = snap.buckets.get(bound, 0.0) + sample.value
    return snap


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus' histogram_quantile over cumulative bucket counts (None when empty)."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    total = buckets[bounds[-1]]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower_bound  # as Prometheus: the highest finite bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (
                count - lower_count)
        lower_bound, lower_count = bound, count
    return bounds[-1]


def judge(before: Snapshot, after: Snapshot, limits: Thresholds) -> Window:
    """The window between two snapshots: error rate, p95 and whether they breach."""
    requests = after.requests - before.requests
    if requests < 0:  # the process restarted: counters went back to zero
        return Window(0, None, None, True, ["counters reset: the pod restarted"])
    if requests < limits.min_requests:
        return Window(requests, None, None, False, [])
    error_rate = (after.errors - before.errors) / requests
    delta = {b: after.buckets.get(b, 0.0) - before.buckets.get(b, 0.0) for b in after.buckets}
    p95 = quantile(0.95, delta)
    reasons = []
    if error_rate > limits.max_error_rate:
        reasons.append(f"error rate {error_rate:.1%} > {limits.max_error_rate:.1%}")
    if p95 is not None and p95 > limits.max_p95_seconds:
        reasons.append(f"p95 {p95:.3f}s > {limits.max_p95_seconds:g}s")
    return Window(requests, error_rate, p95, bool(reasons), reasons)


def watch(fetch: Callable[[], str], duration_seconds: float, interval_seconds: float,
          limits: Thresholds, sleep: Callable[[float], None] = time.sleep,
          on_window: Callable[[Window], None] | None = None) -> Verdict:
    """Scrape every interval for the duration; roll back on consecutive breaches.

    A scrape that fails counts as a breach (the new colour stopped answering).
    """
    windows: list[Window] = []
    streak = 0
    try:
        previous = parse(fetch())
    except Exception as exc:  # any failure to read metrics is a verdict
        return Verdict(True, f"cannot read metrics: {exc}", windows)
    rounds = max(1, math.ceil(duration_seconds / interval_seconds))
    for _ in range(rounds):
        sleep(interval_seconds)
        try:
            current = parse(fetch())
            window = judge(previous, current, limits)
            previous = current
        except Exception as exc:
            window = Window(0, None, None, True, [f"cannot read metrics: {exc}"])
        windows.append(window)
        if on_window is not None:
            on_window(window)
        streak = streak + 1 if window.breached else 0
        if streak >= limits.breaches_to_fail:
            return Verdict(True, "; ".join(window.reasons), windows)
    return Verdict(False, "no sustained breach", windows)
