"""Prometheus metrics of the Auto-Scaling Engine."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

RECOMMENDED_REPLICAS = Gauge("vigil_scaling_recommended_replicas",
                             "Replicas Vigil recommends for the target now.", ["target"])
FALLBACKS = Counter("vigil_scaling_fallbacks_total",
                    "Recommendations that fell back to hpa (forecast failed or stale).",
                    ["target", "reason"])
