"""Prometheus metrics of predictive maintenance: predicted breaches and SLO error budgets."""

from __future__ import annotations

from prometheus_client import Gauge

PREDICTED_BREACH_SECONDS = Gauge(
    "vigil_predicted_breach_seconds",
    "Seconds until a watched series is predicted to cross its target's threshold "
    "(+Inf when no breach is expected within the target's horizon; 0 when breaching)",
    ["target", "metric", "series_id"])
PREDICTED_BREACH_PROBABILITY = Gauge(
    "vigil_predicted_breach_probability",
    "Probability that a watched series crosses its target's threshold within the horizon",
    ["target", "metric", "series_id"])
SLO_BUDGET_REMAINING = Gauge(
    "vigil_slo_error_budget_remaining",
    "Fraction of the SLO's error budget left over its window (1 = untouched, < 0 = overspent)",
    ["slo", "metric", "series_id"])
SLO_BURN_RATE = Gauge(
    "vigil_slo_burn_rate",
    "How many times faster than sustainable the SLO's budget burns, per window",
    ["slo", "metric", "series_id", "window"])


def forget_stale(gauge: Gauge, keep: set[tuple[str, ...]]) -> None:
    """Remove the label sets of a gauge that were not set in the latest computation."""
    for labels in list(gauge._metrics):
        if labels not in keep:
            gauge.remove(*labels)
