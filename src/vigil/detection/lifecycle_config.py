"""Operator config of the model lifecycle (the `detection.lifecycle` section).

    detection:
      lifecycle:
        quality_window_days: 7        # sliding window of accuracy / false-positive rate
        min_labels: 10                # fewer labels: the rates are absent, not 0 or 1
        retrain_interval_hours: 24    # scheduled retraining (0: only on demand)
        threshold_max_shift: 0.25     # how far feedback may move a budget threshold
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ModelLifecycleConfig(BaseModel):
    """Windows, minimums and intervals of feedback metrics, data quality and retraining."""

    model_config = ConfigDict(extra="forbid")

    quality_window_days: float = Field(default=7.0, gt=0, le=365)
    min_labels: int = Field(default=10, ge=1, le=100_000)
    metrics_interval_seconds: float = Field(default=60.0, gt=0, le=86_400)
    retrain_interval_hours: float = Field(default=24.0, ge=0, le=24 * 365)
    threshold_max_shift: float = Field(default=0.25, ge=0, le=1)
    incident_margin_points: int = Field(default=5, ge=0, le=10_000)
    data_quality_interval_seconds: float = Field(default=60.0, ge=0, le=86_400)
    data_quality_window_points: int = Field(default=1000, ge=10, le=1_000_000)
