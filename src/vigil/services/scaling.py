"""Replica recommendations for the configured scaling targets, from their stored series."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from vigil.forecasting.engine import forecast
from vigil.forecasting.errors import ForecastInputError
from vigil.scaling.config import ScalingConfig, ScalingTargetConfig
from vigil.scaling.hpa import calculate_replicas
from vigil.scaling.predictive import (
    Decision,
    LoadForecast,
    predictive_proposal,
    replicas_for,
    with_schedule,
)
from vigil.scaling.schedule import Cron, ScheduledMinimum, schedule_minimum
from vigil.services.forecast import MAX_POINTS_READ, matching_series
from vigil.storage import scaling_repo, series_repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event
from vigil.telemetry.scaling_metrics import FALLBACKS, RECOMMENDED_REPLICAS

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


class UnknownTarget(LookupError):
    """No scaling target of that name is configured."""


@dataclass(frozen=True)
class Recommendation:
    """The replicas Vigil recommends for a target now, and why."""

    target: ScalingTargetConfig
    computed_at: float
    replicas: int
    proposal: int
    decision: Decision
    load: float | None
    last_sample_at: float | None
    capacity: float | None
    forecast_upper: float | None
    model: str | None
    held_by_stabilization: bool


def _sum_series(db: Database, metric: str, selector: list[str], since: float,
                until: float) -> tuple[FloatArray, FloatArray]:
    """Timestamps in [since, until] and the sum over every matching series at each one."""
    ts_parts: list[FloatArray] = []
    val_parts: list[FloatArray] = []
    for record in matching_series(db, metric, selector):
        with db.session() as session:
            points = series_repo.read_points(session, record.id, since, until, None,
                                             MAX_POINTS_READ)
        arr = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        ts_parts.append(arr[:, 0])
        val_parts.append(arr[:, 1])
    if not ts_parts:
        return np.empty(0), np.empty(0)
    ts_all = np.concatenate(ts_parts)
    vals_all = np.concatenate(val_parts)
    uniq, inverse = np.unique(ts_all, return_inverse=True)
    sums = np.bincount(inverse, weights=np.nan_to_num(vals_all), minlength=len(uniq))
    return uniq.astype(np.float64), sums.astype(np.float64)


def learn_capacity(load_ts: FloatArray, load: FloatArray, rep_ts: FloatArray,
                   replicas: FloatArray, target: float) -> float | None:
    """Capacity per replica from history: the 95th percentile of load per replica ÷ target.

    Assumes the workload ran near its target utilisation (e.g. under an HPA) in the history.
    """
    if len(load_ts) < 2 or len(rep_ts) < 2:
        return None
    per = np.interp(load_ts, rep_ts, replicas)
    ok = per > 0
    if not ok.any():
        return None
    value = float(np.quantile(load[ok] / per[ok], 0.95)) / target
    return value if value > 0 else None


def _fallback(target: str, reason: str) -> None:
    kind = "stale" if "stale" in reason else "failed"
    FALLBACKS.labels(target, kind).inc()
    log_event("SCALING_FALLBACK", "WARNING", target=target, reason=reason,
              message=f"scaling target {target}: predictive falls back to hpa: {reason}")


def recommend_target(db: Database, target: ScalingTargetConfig, now: float) -> Recommendation:
    """The recommendation for one target: max(hpa, forecast), schedules, stabilised, clamped."""
    since = now - target.history.total_seconds()
    ts, load = _sum_series(db, target.metric, target.selector, since, now)
    capacity = target.capacity_per_replica
    current: int | None = None
    if target.replicas_metric is not None:
        rts, reps = _sum_series(db, target.replicas_metric, target.selector, since, now)
        if len(reps):
            current = int(reps[-1])
        if capacity is None:
            capacity = learn_capacity(ts, load, rts, reps, target.target_utilization)
    last_at = float(ts[-1]) if len(ts) else None
    latest = float(load[-1]) if len(load) else None
    fc_point: LoadForecast | None = None
    error: str | None = None
    model: str | None = None
    if capacity is None or latest is None or last_at is None:
        why = "no load samples" if latest is None else "capacity cannot be learned yet"
        decision = Decision(target.min_replicas, "hpa", target.min_replicas, fallback=why)
    else:
        util = target.target_utilization
        if current is not None and current > 0:
            hpa = calculate_replicas(current, latest / capacity, 0, util, ready_pods=current)
        else:
            hpa = replicas_for(latest, capacity, util)
        startup = target.startup.total_seconds()
        age = now - last_at
        if age > target.max_staleness.total_seconds():
            error = (f"stale: newest sample is {age:.0f}s old (limit "
                     f"{target.max_staleness.total_seconds():.0f}s)")
        else:
            try:
                fc = forecast(ts, load, max(age, 0.0) + startup, level=target.level)
                p = fc.at(now + startup)
                fc_point = LoadForecast(now + startup, p.mean, p.upper, now, fc.model)
                model = fc.model
            except ForecastInputError as exc:
                error = str(exc)
        decision = predictive_proposal(hpa, fc_point, now=now, capacity=capacity, target=util,
                                       max_age_seconds=float("inf"),
                                       margin_weight=target.margin_weight, error=error)
    entries = [ScheduledMinimum(Cron.parse(s.cron), s.duration.total_seconds(), s.min_replicas)
               for s in target.schedules]
    decision = with_schedule(decision, schedule_minimum(entries, now))
    if decision.fallback is not None:
        _fallback(target.name, decision.fallback)
    proposal = decision.replicas
    window = target.scale_down_stabilization.total_seconds()
    with db.session() as session:
        recent = scaling_repo.highest_proposal_since(session, target.name, now - window)
    held = recent is not None and recent > proposal
    stabilized = max(proposal, recent or 0)
    replicas = max(target.min_replicas, min(stabilized, target.max_replicas))
    RECOMMENDED_REPLICAS.labels(target.name).set(replicas)
    return Recommendation(target, now, replicas, proposal, decision, latest, last_at, capacity,
                          fc_point.upper if fc_point else None, model, held)


def find_target(config: ScalingConfig, name: str) -> ScalingTargetConfig:
    """The configured target called `name`, or UnknownTarget."""
    for target in config.targets:
        if target.name == name:
            return target
    raise UnknownTarget(name)


def compute_recommendations(db: Database, config: ScalingConfig, now: float,
                            store: bool = False) -> list[Recommendation]:
    """Recommendations for every target; `store=True` appends them to the history."""
    out = [recommend_target(db, t, now) for t in config.targets]
    if store:
        store_recommendations(db, out)
    return out


def store_recommendations(db: Database, recs: list[Recommendation]) -> None:
    """Append recommendations to the audit history."""
    with db.session() as session:
        for r in recs:
            scaling_repo.add(session, scaling_repo.StoredRecommendation(
                r.target.name, r.computed_at, r.replicas, r.proposal, r.decision.winner,
                r.decision.fallback, recommendation_json(r)))


def recommendation_json(r: Recommendation) -> dict[str, Any]:
    """A recommendation as the API and `vigil scale recommend --format json` show it."""
    return {"target": r.target.name, "computed_at": r.computed_at, "replicas": r.replicas,
            "proposal": r.proposal, "winner": r.decision.winner,
            "fallback": r.decision.fallback, "load": r.load, "last_sample_at": r.last_sample_at,
            "capacity_per_replica": r.capacity,
            "target_utilization": r.target.target_utilization,
            "startup_seconds": r.target.startup.total_seconds(),
            "forecast": {"at": r.computed_at + r.target.startup.total_seconds(),
                         "mean": r.decision.forecast_load, "upper": r.forecast_upper,
                         "margin": r.decision.margin, "model": r.model},
            "policies": {k: v for k, v in asdict(r.decision).items()
                         if k in ("hpa_replicas", "forecast_replicas", "schedule_replicas")},
            "held_by_stabilization": r.held_by_stabilization,
            "min_replicas": r.target.min_replicas, "max_replicas": r.target.max_replicas}


def keda_json(r: Recommendation) -> dict[str, Any]:
    """What KEDA's metrics-api scaler reads (valueLocation `replicas` or `forecastLoad`)."""
    return {"target": r.target.name, "replicas": r.replicas,
            "forecastLoad": r.decision.forecast_load if r.decision.forecast_load is not None
            else r.load, "load": r.load, "winner": r.decision.winner,
            "fallback": r.decision.fallback, "computedAt": r.computed_at}


def recommendation_history(db: Database, config: ScalingConfig, name: str, limit: int,
                           before: float | None = None) -> list[dict[str, Any]]:
    """The stored recommendations of a target, newest first."""
    find_target(config, name)
    with db.session() as session:
        rows = scaling_repo.history(session, name, limit, before)
    return [{"target": r.target, "computed_at": r.computed_at, "replicas": r.replicas,
             "proposal": r.proposal, "winner": r.winner, "fallback": r.fallback,
             "details": r.details} for r in rows]
