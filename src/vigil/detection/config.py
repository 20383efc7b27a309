"""Operator config of the detection worker: which series to watch, with which detector.

    detection:
      watch:
        - name: "cpu_usage_percent|memory_usage_percent"   # anchored regex; plain text is exact
          labels: {env: prod}                               # anchored regexes, all must match
          detector: vigil                                   # see `vigil bench nab --help`
          min_severity: warning                             # store anomalies at or above
          alert_budget_per_week: 3                          # retraining calibrates to ~3/week
      poll_interval_seconds: 10

The first watch rule that matches a series decides its detector.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vigil.core.selectors import SeriesSelector
from vigil.core.types import Severity
from vigil.detection.lifecycle_config import ModelLifecycleConfig


def known_detector(value: str) -> str:
    """`value` when it names a detector of the registry, else a ValueError listing them."""
    from vigil.detection.registry import detector_names  # numba: load only when needed

    if value not in detector_names():
        raise ValueError(f"unknown detector {value!r}; known: {', '.join(detector_names())}")
    return value


class WatchRule(SeriesSelector):
    """A selector plus the detector that scores the series it selects."""

    model_config = ConfigDict(extra="forbid")

    detector: str = "vigil"  # registry.DEFAULT_DETECTOR (not imported: it loads numba)
    min_severity: Severity = Severity.WARNING
    alert_budget_per_week: float | None = Field(default=None, gt=0, le=100_000)

    @field_validator("detector")
    @classmethod
    def _known_detector(cls, value: str) -> str:
        return known_detector(value)


class DetectionConfig(BaseModel):
    """The `detection` section of the operator YAML."""

    model_config = ConfigDict(extra="forbid")

    watch: list[WatchRule] = Field(default_factory=list)
    poll_interval_seconds: float = Field(default=10.0, gt=0, le=3600)
    history_points: int = Field(default=50_000, ge=0, le=5_000_000)
    partitions: int = Field(default=16, ge=1, le=1024)
    lifecycle: ModelLifecycleConfig = Field(default_factory=ModelLifecycleConfig)

    def rule_for(self, name: str, labels: dict[str, str]) -> WatchRule | None:
        """The first watch rule that selects this series, if any."""
        return next((r for r in self.watch if r.matches(name, labels)), None)
