"""The `forecasting:` section of the operator YAML: breach targets, SLOs, limits.

    forecasting:
      interval: 5m          # how often predictions are recomputed (and metrics updated)
      history: 7d           # how much history each prediction reads
      max_horizon: 7d       # the longest horizon the API accepts
      level: 0.8            # prediction interval level
      min_probability: 0.1  # a predicted breach alerts from this probability on ...
      clear_probability: 0.02  # ... and resolves when it falls below this
      p2_lead_time: 4h      # predicted breaches sooner than this are P2, later ones P3
      targets:
        - name: disk-full
          metric: disk_usage_percent
          selector: ['mountpoint="/"']
          threshold: 95
          direction: above
          horizon: 24h
      slos:
        - name: api-availability
          metric: error_rate
          objective: 0.999
          window: 30d
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vigil.alerting.durations import Duration
from vigil.alerting.matchers import parse_matchers

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("use letters, digits, _ : . - (starting with a letter or _)")
    return value


def _check_selector(value: list[str]) -> list[str]:
    parse_matchers(value)
    return value


class BreachTargetConfig(_Strict):
    """A time-to-breach target: every series matching metric + selector is watched."""

    name: str
    metric: str
    selector: list[str] = Field(default_factory=list, description="matchers on series labels")
    threshold: float
    direction: Literal["above", "below"] = "above"
    horizon: Duration = timedelta(hours=24)

    check_name = field_validator("name")(_check_name)
    check_selector = field_validator("selector")(_check_selector)

    @field_validator("horizon")
    @classmethod
    def _positive(cls, v: timedelta) -> timedelta:
        if v <= timedelta(0):
            raise ValueError("horizon must be positive")
        return v


class SLOConfig(_Strict):
    """An SLO on an error-rate (ratio 0..1) or latency series."""

    name: str
    metric: str
    selector: list[str] = Field(default_factory=list)
    objective: float = Field(gt=0.0, lt=1.0)
    window: Duration = timedelta(days=30)
    kind: Literal["error_rate", "latency"] = "error_rate"
    latency_threshold: float | None = Field(default=None, gt=0.0)

    check_name = field_validator("name")(_check_name)
    check_selector = field_validator("selector")(_check_selector)

    @model_validator(mode="after")
    def _latency_bound(self) -> SLOConfig:
        if self.kind == "latency" and self.latency_threshold is None:
            raise ValueError("a latency SLO needs latency_threshold (seconds)")
        return self


class ForecastingConfig(_Strict):
    """Predictive maintenance settings."""

    interval: Duration = timedelta(minutes=5)
    history: Duration = timedelta(days=7)
    max_horizon: Duration = timedelta(days=7)
    level: float = Field(default=0.8, gt=0.0, lt=1.0)
    min_probability: float = Field(default=0.1, gt=0.0, le=1.0)
    clear_probability: float = Field(default=0.02, ge=0.0, le=1.0)
    p2_lead_time: Duration = timedelta(hours=4)
    targets: list[BreachTargetConfig] = Field(default_factory=list)
    slos: list[SLOConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _checks(self) -> ForecastingConfig:
        for kind, names in (("targets", [t.name for t in self.targets]),
                            ("slos", [s.name for s in self.slos])):
            dup = {n for n in names if names.count(n) > 1}
            if dup:
                raise ValueError(f"{kind}: duplicate name {sorted(dup)[0]!r}")
        for t in self.targets:
            if t.horizon > self.max_horizon:
                raise ValueError(f"target {t.name!r}: horizon exceeds max_horizon")
        if self.clear_probability > self.min_probability:
            raise ValueError("clear_probability must not exceed min_probability")
        if self.interval < timedelta(seconds=10):
            raise ValueError("interval must be at least 10s")
        return self
