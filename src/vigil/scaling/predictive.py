"""The `predictive` policy: provision now for the load forecast at now + start-up time."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

Winner = Literal["hpa", "predictive", "schedule"]


@dataclass(frozen=True, slots=True)
class LoadForecast:
    """The forecast load at a future time, its interval's upper side, and when it was made."""

    at: float
    mean: float
    upper: float
    made_at: float
    model: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """A replica proposal and why: each policy's figure and which one won."""

    replicas: int
    winner: Winner
    hpa_replicas: int
    forecast_replicas: int | None = None
    schedule_replicas: int | None = None
    forecast_load: float | None = None
    margin: float | None = None
    fallback: str | None = None


def replicas_for(load: float, capacity: float, target: float) -> int:
    """Pods needed to carry `load` at `target` utilisation (never negative)."""
    if capacity <= 0 or target <= 0:
        raise ValueError("capacity and target utilisation must be positive")
    return max(0, math.ceil(max(load, 0.0) / (capacity * target) - 1e-9))


def predictive_proposal(hpa_replicas: int, forecast: LoadForecast | None, *, now: float,
                        capacity: float, target: float, max_age_seconds: float,
                        margin_weight: float = 1.0, error: str | None = None) -> Decision:
    """max(hpa, ceil((mean + w·(upper − mean)) ÷ (capacity × target))).

    Falls back to hpa, saying why, when the forecast failed (`error`), is missing, or
    was made more than `max_age_seconds` ago.
    """
    if error is not None or forecast is None:
        return Decision(hpa_replicas, "hpa", hpa_replicas,
                        fallback=f"forecast failed: {error or 'no forecast'}")
    age = now - forecast.made_at
    if age > max_age_seconds:
        return Decision(hpa_replicas, "hpa", hpa_replicas,
                        fallback=f"forecast stale: made {age:.0f}s ago "
                                 f"(limit {max_age_seconds:.0f}s)")
    margin = max(0.0, forecast.upper - forecast.mean) * margin_weight
    needed = replicas_for(forecast.mean + margin, capacity, target)
    winner: Winner = "predictive" if needed > hpa_replicas else "hpa"
    return Decision(max(hpa_replicas, needed), winner, hpa_replicas, forecast_replicas=needed,
                    forecast_load=forecast.mean, margin=margin)


def with_schedule(decision: Decision, schedule_minimum: int | None) -> Decision:
    """Raise a decision to the schedule's minimum when that is higher."""
    if schedule_minimum is None or schedule_minimum <= decision.replicas:
        return replace(decision, schedule_replicas=schedule_minimum)
    return replace(decision, replicas=schedule_minimum, winner="schedule",
                   schedule_replicas=schedule_minimum)
