"""SLO error budgets of the configured SLOs, per matching series, and their metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vigil.forecasting.config import ForecastingConfig, SLOConfig
from vigil.forecasting.slo import SLOKind, SLOSpec, SLOStatus, evaluate_slo
from vigil.services.forecast import matching_series, read_history
from vigil.storage.database import Database
from vigil.storage.series_repo import SeriesRecord
from vigil.telemetry.forecast_metrics import SLO_BUDGET_REMAINING, SLO_BURN_RATE, forget_stale


@dataclass(frozen=True)
class SeriesSLO:
    """One SLO evaluated on one series."""

    slo: SLOConfig
    series: SeriesRecord
    status: SLOStatus


def spec_of(slo: SLOConfig) -> SLOSpec:
    """The domain spec of a configured SLO."""
    return SLOSpec(slo.name, slo.objective, slo.window.total_seconds(), SLOKind(slo.kind),
                   slo.latency_threshold)


def compute_slos(db: Database, config: ForecastingConfig, now: datetime) -> list[SeriesSLO]:
    """The status of every configured SLO on each series it selects (metrics updated)."""
    t = now.timestamp()
    out: list[SeriesSLO] = []
    for slo in config.slos:
        spec = spec_of(slo)
        for series in matching_series(db, slo.metric, slo.selector):
            _, ts, values = read_history(db, series.id, t - spec.window_seconds)
            out.append(SeriesSLO(slo, series, evaluate_slo(ts, values, spec, now=t)))
    record_metrics(out)
    return out


def _window_name(seconds: float) -> str:
    return f"{seconds / 3600:g}h" if seconds >= 3600 else f"{seconds / 60:g}m"


def record_metrics(items: list[SeriesSLO]) -> None:
    """Set vigil_slo_error_budget_remaining and vigil_slo_burn_rate."""
    keep: set[tuple[str, ...]] = set()
    keep_burn: set[tuple[str, ...]] = set()
    for item in items:
        labels = (item.slo.name, item.series.name, str(item.series.id))
        if item.status.budget_remaining is not None:
            keep.add(labels)
            SLO_BUDGET_REMAINING.labels(*labels).set(item.status.budget_remaining)
        for alert in item.status.alerts:
            for secs, burn in ((alert.window.long_seconds, alert.long_burn),
                               (alert.window.short_seconds, alert.short_burn)):
                if burn is not None:
                    key = (*labels, _window_name(secs))
                    keep_burn.add(key)
                    SLO_BURN_RATE.labels(*key).set(burn)
    forget_stale(SLO_BUDGET_REMAINING, keep)
    forget_stale(SLO_BURN_RATE, keep_burn)


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, 9)


def slo_json(item: SeriesSLO) -> dict[str, Any]:
    """One SLO status as the API shows it."""
    s = item.status
    return {
        "slo": item.slo.name, "series_id": item.series.id, "metric": item.series.name,
        "labels": item.series.labels, "objective": item.slo.objective, "kind": item.slo.kind,
        "window_seconds": item.slo.window.total_seconds(),
        "bad_fraction": _num(s.bad_fraction), "budget_remaining": _num(s.budget_remaining),
        "burn_rate_1h": _num(s.burn_rate_1h),
        "exhaustion_seconds": _num(s.exhaustion_seconds),
        "alerts": [{"long_window_seconds": a.window.long_seconds,
                    "short_window_seconds": a.window.short_seconds,
                    "factor": a.window.factor, "priority": a.window.priority,
                    "long_burn": _num(a.long_burn), "short_burn": _num(a.short_burn),
                    "firing": a.firing} for a in s.alerts]}
