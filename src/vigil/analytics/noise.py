"""Noise: the noisiest rules and alert sources, flapping, anomalies against the budget.

An alert is *flapping* when it resolved within the flapping window (default 5 min) of
firing and nobody acknowledged it: it woke someone (or a channel) for nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from vigil.analytics.incidents import Incident
from vigil.analytics.stats import share


def is_flapping(incident: Incident, window: timedelta) -> bool:
    """Resolved within `window` of firing, never acknowledged."""
    ttr = incident.ttr
    return (incident.acknowledged_at is None and ttr is not None
            and ttr <= window.total_seconds())


@dataclass(frozen=True)
class NoiseRow:
    """One rule or source: its alerts, alerts per week, and its flapping share."""

    name: str
    alerts: int
    per_week: float
    flapping: int
    flapping_share: float | None


def noisiest(incidents: Iterable[Incident], key: Callable[[Incident], str], weeks: float,
             window: timedelta, top: int) -> list[NoiseRow]:
    """The `top` groups by number of alerts (ties by name), with their flapping share."""
    alerts: dict[str, int] = defaultdict(int)
    flaps: dict[str, int] = defaultdict(int)
    for incident in incidents:
        name = key(incident)
        alerts[name] += 1
        if is_flapping(incident, window):
            flaps[name] += 1
    ranked = sorted(alerts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [NoiseRow(name, n, n / weeks if weeks > 0 else float(n), flaps[name],
                     share(flaps[name], n)) for name, n in ranked]


@dataclass(frozen=True)
class BudgetRow:
    """A series' anomalies in one week against the alert budget (anomalies per week)."""

    series_id: int
    series: str
    week: str
    anomalies: int
    budget: float
    ratio: float


def over_budget(counts: Sequence[tuple[int, str, str, int, float]],
                top: int) -> list[BudgetRow]:
    """Series-periods with more anomalies than their budget, worst first.

    `counts` holds (series id, series name, period, anomalies, budget) rows; the budget is
    the series' anomalies per week pro-rated to the period.
    """
    rows = [BudgetRow(sid, name, week, n, budget, n / budget if budget > 0 else float("inf"))
            for sid, name, week, n, budget in counts if n > budget]
    rows.sort(key=lambda r: (-r.anomalies, r.series_id, r.week))
    return rows[:top]
