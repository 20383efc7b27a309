"""SLO error budgets: burn rates, multi-window multi-burn-rate alerts, time to exhaustion.

Follows the Google SRE workbook ("Alerting on SLOs"): an alert fires when both its long
and its short window burn the budget at least `factor` times faster than the SLO allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import numpy.typing as npt

from vigil.forecasting.errors import ForecastInputError

FloatArray = npt.NDArray[np.float64]
HOUR = 3600.0


class SLOKind(str, Enum):
    """What the series measures: a ratio of failed requests, or a latency in seconds."""

    ERROR_RATE = "error_rate"
    LATENCY = "latency"


@dataclass(frozen=True, slots=True)
class BurnRateWindow:
    """One multi-window alert: long and short window (seconds), burn factor, priority."""

    long_seconds: float
    short_seconds: float
    factor: float
    priority: str


WORKBOOK_WINDOWS = (
    BurnRateWindow(1 * HOUR, 5 * 60.0, 14.4, "P2"),
    BurnRateWindow(6 * HOUR, 30 * 60.0, 6.0, "P2"),
    BurnRateWindow(24 * HOUR, 2 * HOUR, 3.0, "P3"),
    BurnRateWindow(72 * HOUR, 6 * HOUR, 1.0, "P3"),
)
"""The SRE workbook's table for a 30-day SLO: 2% of budget in 1 h, 5% in 6 h, 10% in 1 d
and 3 d (pages at 14.4x and 6x, tickets at 3x and 1x)."""


@dataclass(frozen=True, slots=True)
class SLOSpec:
    """An objective on one series: e.g. 99.9% of requests succeed over 30 days."""

    name: str
    objective: float
    window_seconds: float = 30 * 24 * HOUR
    kind: SLOKind = SLOKind.ERROR_RATE
    latency_threshold: float | None = None
    windows: tuple[BurnRateWindow, ...] = WORKBOOK_WINDOWS

    def __post_init__(self) -> None:
        """Reject objectives outside (0, 1) and latency SLOs without a threshold."""
        if not 0.0 < self.objective < 1.0:
            raise ForecastInputError(f"objective must be between 0 and 1, got {self.objective}")
        if self.kind is SLOKind.LATENCY and self.latency_threshold is None:
            raise ForecastInputError("a latency SLO needs latency_threshold")

    @property
    def budget(self) -> float:
        """The allowed bad fraction, 1 - objective."""
        return 1.0 - self.objective


@dataclass(frozen=True, slots=True)
class BurnAlert:
    """The state of one multi-window alert at evaluation time."""

    window: BurnRateWindow
    long_burn: float | None
    short_burn: float | None

    @property
    def firing(self) -> bool:
        """True when both windows burn at least `factor` times the sustainable rate."""
        f = self.window.factor
        return (self.long_burn is not None and self.short_burn is not None
                and self.long_burn >= f and self.short_burn >= f)


@dataclass(frozen=True)
class SLOStatus:
    """An SLO's budget at one time: bad fraction, remaining budget, burn rates, alerts."""

    spec: SLOSpec
    now: float
    bad_fraction: float | None
    budget_remaining: float | None
    """1 = untouched, 0 = spent, negative = overspent (None: no data in the window)."""
    burn_rate_1h: float | None
    exhaustion_seconds: float | None
    """At the last hour's burn rate; None when not burning or already spent."""
    alerts: list[BurnAlert] = field(default_factory=list)

    @property
    def firing(self) -> list[BurnAlert]:
        """The alerts that fire now."""
        return [a for a in self.alerts if a.firing]


def bad_fraction_per_sample(values: FloatArray, spec: SLOSpec) -> FloatArray:
    """Per sample, the fraction of bad events: the error ratio, or 1 above the latency bound."""
    if spec.kind is SLOKind.LATENCY:
        assert spec.latency_threshold is not None
        return (values > spec.latency_threshold).astype(np.float64)
    return np.clip(values, 0.0, 1.0)


def _window_mean(ts: FloatArray, bad: FloatArray, now: float, seconds: float) -> float | None:
    lo = np.searchsorted(ts, now - seconds, side="right")
    hi = np.searchsorted(ts, now, side="right")
    return float(bad[lo:hi].mean()) if hi > lo else None


def burn_rate(ts: FloatArray, bad: FloatArray, now: float, seconds: float,
              budget: float) -> float | None:
    """Mean bad fraction over (now - seconds, now] divided by the budget."""
    m = _window_mean(ts, bad, now, seconds)
    return None if m is None else m / budget


def evaluate_slo(timestamps: npt.ArrayLike, values: npt.ArrayLike, spec: SLOSpec,
                 now: float | None = None) -> SLOStatus:
    """The SLO's status at `now` (default: the last sample) from the series' samples."""
    ts = np.asarray(timestamps, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(ts) & np.isfinite(vals)
    ts, vals = ts[ok], vals[ok]
    order = np.argsort(ts, kind="stable")
    ts, vals = ts[order], vals[order]
    if now is None:
        now = float(ts[-1]) if ts.size else 0.0
    bad = bad_fraction_per_sample(vals, spec)
    frac = _window_mean(ts, bad, now, spec.window_seconds)
    remaining = None if frac is None else 1.0 - frac / spec.budget
    burn_1h = burn_rate(ts, bad, now, HOUR, spec.budget)
    exhaustion = None
    if remaining is not None and remaining > 0 and burn_1h is not None and burn_1h > 0:
        exhaustion = remaining * spec.window_seconds / burn_1h
    alerts = [BurnAlert(w, burn_rate(ts, bad, now, w.long_seconds, spec.budget),
                        burn_rate(ts, bad, now, w.short_seconds, spec.budget))
              for w in spec.windows]
    return SLOStatus(spec=spec, now=now, bad_fraction=frac, budget_remaining=remaining,
                     burn_rate_1h=burn_1h,
                     exhaustion_seconds=None if exhaustion is None or not math.isfinite(exhaustion)
                     else exhaustion, alerts=alerts)
