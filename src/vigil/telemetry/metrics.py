"""Vigil's own Prometheus metrics of the foundation (HTTP, auth, ingest, jobs)."""

from __future__ import annotations

import threading
import time
from collections import deque

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter("vigil_http_requests_total", "HTTP requests by route, method and status.",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "vigil_http_request_duration_seconds", "HTTP request latency by route.", ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
HTTP_ERRORS = Counter("vigil_http_errors_total", "HTTP responses with status >= 400 by class.",
                      ["route", "status_class"])
AUTH_FAILURES = Counter("vigil_auth_failures_total", "Failed API authentications by reason.",
                        ["reason"])
RATE_LIMITED = Counter("vigil_rate_limited_requests_total",
                       "Requests refused with 429 because a key was over its rate, by kind.",
                       ["kind"])
AUTH_FAILURE_RATE = Gauge("authentication_failure_rate",
                          "Share of API authentications that failed over the last 5 minutes.")
INGEST_POINTS = Counter("vigil_ingest_points_total", "Points received by outcome.", ["outcome"])
JOB_RUNS = Counter("vigil_scheduler_job_runs_total", "Scheduled job runs by outcome.",
                   ["job", "outcome"])
JOB_DURATION = Histogram("vigil_scheduler_job_duration_seconds", "Scheduled job run time.",
                         ["job"])
RETENTION_DELETED = Counter("vigil_retention_deleted_samples_total",
                            "Samples deleted by the retention job.")


class AuthRateWindow:
    """Sliding 5-minute window of authentication outcomes feeding authentication_failure_rate."""

    def __init__(self, window_seconds: float = 300.0) -> None:
        self._window = window_seconds
        self._events: deque[tuple[float, bool]] = deque()
        self._failures = 0
        self._lock = threading.Lock()

    def record(self, failed: bool, now: float | None = None) -> float:
        """Add one outcome and return the failure share of the window."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._events.append((now, failed))
            self._failures += failed
            while self._events and self._events[0][0] < now - self._window:
                _, old = self._events.popleft()
                self._failures -= old
            rate = self._failures / len(self._events)
        AUTH_FAILURE_RATE.set(rate)
        return rate


AUTH_WINDOW = AuthRateWindow()
