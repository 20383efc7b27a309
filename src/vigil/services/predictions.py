"""Time-to-breach predictions for the configured targets, and their Prometheus metrics."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vigil.forecasting.breach import BreachPrediction, Direction, predict_breach
from vigil.forecasting.config import BreachTargetConfig, ForecastingConfig
from vigil.forecasting.errors import ForecastInputError
from vigil.services.forecast import matching_series, read_history
from vigil.storage import predictions_repo
from vigil.storage.database import Database
from vigil.storage.series_repo import SeriesRecord
from vigil.telemetry.forecast_metrics import (
    PREDICTED_BREACH_PROBABILITY,
    PREDICTED_BREACH_SECONDS,
    forget_stale,
)


@dataclass(frozen=True)
class TargetPrediction:
    """One series of one target: its prediction, or why there is none."""

    target: BreachTargetConfig
    series: SeriesRecord
    prediction: BreachPrediction | None
    error: str | None
    now: float
    priority: str | None
    """P2 or P3 when a breach is predicted (P2 under the lead time), else None."""

    @property
    def seconds_to_breach(self) -> float | None:
        """Seconds from `now` to the estimated breach, when one is predicted."""
        p = self.prediction
        if p is None or self.priority is None:
            return None
        when = p.eta if p.eta is not None else p.eta_lower
        return None if when is None else max(0.0, when - self.now)


def classify(p: BreachPrediction, now: float, config: ForecastingConfig,
             was_active: bool = False) -> str | None:
    """P2 or P3 while a breach is predicted, else None.

    A prediction alerts from `min_probability` on and keeps alerting until the probability
    falls below `clear_probability` (hysteresis: a flickering forecast is one episode). It
    is P2 when the estimated breach (or, if the central forecast does not cross, the
    earliest plausible one) is nearer than `p2_lead_time`.
    """
    needed = config.clear_probability if was_active else config.min_probability
    if p.probability < needed or p.probability <= 0.0:
        return None
    when = p.eta if p.eta is not None else p.eta_lower
    if when is None:
        return "P3"
    return "P2" if when - now < config.p2_lead_time.total_seconds() else "P3"


def predict_target_series(db: Database, target: BreachTargetConfig, series: SeriesRecord,
                          config: ForecastingConfig, now: float,
                          was_active: bool = False) -> TargetPrediction:
    """Predict one series of a target from its stored history."""
    _, ts, values = read_history(db, series.id, now - config.history.total_seconds())
    try:
        p = predict_breach(ts, values, target.threshold, Direction(target.direction),
                           target.horizon.total_seconds(), level=config.level,
                           max_history_points=None)
    except ForecastInputError as exc:
        return TargetPrediction(target, series, None, str(exc), now, None)
    return TargetPrediction(target, series, p, None, now, classify(p, now, config, was_active))


def compute_predictions(db: Database, config: ForecastingConfig, now: datetime,
                        store: bool = False) -> list[TargetPrediction]:
    """Predictions for every series of every configured target (metrics updated).

    `store=True` (the scheduled job) saves them as the current predictions, which the
    alert cycle turns into proactive alerts.
    """
    t = now.timestamp()
    with db.session() as session:
        active = predictions_repo.active_keys(session)
    out = [predict_target_series(db, target, series, config, t,
                                 (target.name, series.id) in active)
           for target in config.targets
           for series in matching_series(db, target.metric, target.selector)]
    record_metrics(out)
    if store:
        valid = t + 3 * config.interval.total_seconds()
        rows = [predictions_repo.StoredPrediction(
            i.target.name, i.series.id, t, valid, i.priority is not None, i.priority,
            i.prediction.probability, i.seconds_to_breach, prediction_json(i))
            for i in out if i.prediction is not None]
        with db.session() as session:
            predictions_repo.replace_all(session, rows)
    return out


def record_metrics(predictions: list[TargetPrediction]) -> None:
    """Set vigil_predicted_breach_seconds / _probability; drop series no longer predicted."""
    keep: set[tuple[str, ...]] = set()
    for item in predictions:
        if item.prediction is None:
            continue
        labels = (item.target.name, item.series.name, str(item.series.id))
        keep.add(labels)
        secs = item.seconds_to_breach
        PREDICTED_BREACH_SECONDS.labels(*labels).set(math.inf if secs is None else secs)
        PREDICTED_BREACH_PROBABILITY.labels(*labels).set(item.prediction.probability)
    forget_stale(PREDICTED_BREACH_SECONDS, keep)
    forget_stale(PREDICTED_BREACH_PROBABILITY, keep)


def prediction_json(item: TargetPrediction) -> dict[str, Any]:
    """One prediction as the API and `vigil predictions --format json` show it."""
    p = item.prediction
    out: dict[str, Any] = {
        "target": item.target.name, "series_id": item.series.id, "metric": item.series.name,
        "labels": item.series.labels, "threshold": item.target.threshold,
        "direction": item.target.direction,
        "horizon_seconds": item.target.horizon.total_seconds(),
        "priority": item.priority, "error": item.error}
    if p is None:
        return out
    out.update({
        "current": p.current, "last_sample_at": p.now, "model": p.model,
        "probability": p.probability, "breach_predicted": item.priority is not None,
        "seconds_to_breach": item.seconds_to_breach,
        "breach_at": p.eta,
        "breach_at_lower": p.eta_lower, "breach_at_upper": p.eta_upper,
        "resets": p.resets, "level_shifts": p.level_shifts,
        "forecast_at_horizon": _at_horizon(p)})
    return out


def _at_horizon(p: BreachPrediction) -> dict[str, float]:
    fc = p.forecast
    return {"timestamp": float(fc.timestamps[-1]), "mean": float(fc.mean[-1]),
            "lower": float(fc.lower[-1]), "upper": float(fc.upper[-1]), "level": fc.level}


def forecasting_job(db: Database, config: ForecastingConfig) -> Callable[[datetime], str]:
    """The scheduled job: recompute predictions and SLO budgets (and their metrics)."""
    from vigil.services.slos import compute_slos

    def run(now: datetime) -> str:
        preds = compute_predictions(db, config, now, store=True)
        slos = compute_slos(db, config, now)
        breaching = sum(1 for p in preds if p.priority is not None)
        return (f"{len(preds)} predictions ({breaching} breaches predicted), "
                f"{len(slos)} SLO budgets")

    return run
