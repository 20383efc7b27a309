"""Vigil watches itself: its runbook metrics become series that alert rules evaluate.

Every run reads Vigil's own Prometheus registry and ingests one point per runbook metric
into a series labelled `job="vigil"`, `instance=<host>`. Counters are written as their
increase over the last `window` (so `security_threats_detected > 0` fires on a new threat
and resolves when none came in the window); gauges as their value; the
`model_inference_time` histogram as the mean over the window. `security_critical_findings`
is the number of open critical vulnerability findings (suppressed ones are not counted);
`security_new_critical_findings` the number of critical findings first recorded (or back
after a fix) in the window, so a new critical raises an alert even while older ones are open.
"""

from __future__ import annotations

import socket
import time
from collections import deque
from dataclasses import dataclass, field

from prometheus_client import REGISTRY, CollectorRegistry

from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.services.ingest import IngestReport, ingest
from vigil.storage.database import Database

WINDOW_SECONDS = 900.0
COUNTERS = {"security_threats_detected": "security_threats_detected_total",
            "vulnerability_scan_failures": "vulnerability_scan_failures_total",
            "security_new_critical_findings": "vigil_security_new_critical_findings_total"}
GAUGES = {"authentication_failure_rate": "authentication_failure_rate",
          "data_processing_lag": "data_processing_lag",
          "security_critical_findings": 'vigil_security_findings{severity="CRITICAL"}'}
HISTOGRAMS = {"model_inference_time": "model_inference_time"}


def _totals(registry: CollectorRegistry) -> dict[str, float]:
    """Sum every sample of the metrics we track across their labels."""
    wanted = set(COUNTERS.values()) | set(GAUGES.values()) | \
        {f"{h}_sum" for h in HISTOGRAMS.values()} | {f"{h}_count" for h in HISTOGRAMS.values()}
    totals: dict[str, float] = {}
    for family in registry.collect():
        for sample in family.samples:
            keys = [sample.name] + [f'{sample.name}{{{k}="{v}"}}'
                                    for k, v in sample.labels.items()]
            for key in keys:
                if key in wanted:
                    totals[key] = totals.get(key, 0.0) + float(sample.value)
    return totals


@dataclass
class SelfMetrics:
    """Remembers recent totals to turn counters into increases over the window."""

    registry: CollectorRegistry = REGISTRY
    window: float = WINDOW_SECONDS
    history: deque[tuple[float, dict[str, float]]] = field(default_factory=deque)
    labels: dict[str, str] = field(default_factory=lambda: {
        "job": "vigil", "instance": socket.gethostname()[:200] or "vigil"})

    def points(self, now: float) -> dict[str, float]:
        """The value of each runbook metric at `now`."""
        totals = _totals(self.registry)
        self.history.append((now, totals))
        while self.history and self.history[0][0] < now - self.window:
            self.history.popleft()
        oldest = self.history[0][1]
        out: dict[str, float] = {}
        for name, sample in COUNTERS.items():
            out[name] = max(0.0, totals.get(sample, 0.0) - oldest.get(sample, 0.0))
        for name, sample in GAUGES.items():
            if sample in totals:
                out[name] = totals[sample]
        for name, base in HISTOGRAMS.items():
            count = totals.get(f"{base}_count", 0.0) - oldest.get(f"{base}_count", 0.0)
            total = totals.get(f"{base}_sum", 0.0) - oldest.get(f"{base}_sum", 0.0)
            if count > 0:
                out[name] = total / count
        return out

    def record(self, db: Database, settings: Settings, now: float | None = None) -> IngestReport:
        """Ingest one point per runbook metric."""
        now = time.time() if now is None else now
        batch = [SeriesInput(name, self.labels, [(now, value)])
                 for name, value in sorted(self.points(now).items())]
        return ingest(db, settings, batch, now=now)


def signal_from_process(db: Database, settings: Settings, metric: str, value: float,
                        origin: str, now: float | None = None) -> None:
    """Write one runbook-metric point for a process that is not the service (a CLI run).

    The series is `<metric>{job="vigil", instance="<origin>@<host>"}`, beside the service's
    own: the running service's rules evaluate it at their next cycle, and the alert
    resolves once the point is older than the rules' `stale_after`. Nothing is written for
    a value of 0 or less.
    """
    if value <= 0:
        return
    when = time.time() if now is None else now
    labels = {"job": "vigil", "instance": f"{origin}@{socket.gethostname()}"[:200]}
    ingest(db, settings, [SeriesInput(metric, labels, [(when, float(value))])], now=when)
