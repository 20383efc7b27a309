"""The `scaling:` section of the operator YAML: auto-scaling targets.

    scaling:
      targets:
        - name: api                       # the workload (Deployment) name
          metric: http_requests_per_second
          selector: ['service="api"']     # matching series are summed
          capacity_per_replica: 50        # load one replica carries at 100 %
          target_utilization: 0.7
          min_replicas: 3
          max_replicas: 20
          startup: 2m                     # pod start-up time
          scale_down_stabilization: 5m
          schedules:
            - {cron: "0 8 * * 1-5", duration: 10h, min_replicas: 6}
"""

from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vigil.alerting.durations import Duration
from vigil.alerting.matchers import parse_matchers
from vigil.scaling.schedule import Cron

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScheduleConfig(_Strict):
    """A cron-like minimum: from each `cron` time, for `duration`, keep `min_replicas`."""

    cron: str
    duration: Duration
    min_replicas: int = Field(ge=0)

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str) -> str:
        Cron.parse(v)
        return v


class ScalingTargetConfig(_Strict):
    """One workload Vigil recommends replicas for."""

    name: str
    metric: str
    selector: list[str] = Field(default_factory=list)
    capacity_per_replica: float | None = Field(
        default=None, description="load one replica carries at 100 %; omit to learn it")
    replicas_metric: str | None = Field(
        default=None, description="series of the replica count, to learn the capacity from")
    target_utilization: float = Field(default=0.7, gt=0, le=1)
    min_replicas: int = Field(default=3, ge=0)
    max_replicas: int = Field(default=20, ge=1)
    startup: Duration = timedelta(minutes=2)
    scale_down_stabilization: Duration = timedelta(minutes=5)
    level: float = Field(default=0.9, gt=0, lt=1, description="forecast interval level")
    margin_weight: float = Field(default=0.5, ge=0,
                                 description="share of the interval's upper side added")
    history: Duration = timedelta(days=7)
    max_staleness: Duration = timedelta(minutes=10)
    schedules: list[ScheduleConfig] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("use letters, digits, _ . - (starting with a letter or digit)")
        return v

    @field_validator("selector")
    @classmethod
    def _selector(cls, v: list[str]) -> list[str]:
        parse_matchers(v)
        return v

    @field_validator("capacity_per_replica")
    @classmethod
    def _capacity(cls, v: float | None) -> float | None:
        if v is not None and not v > 0:
            raise ValueError(f"capacity_per_replica must be > 0, got {v}")
        return v

    @model_validator(mode="after")
    def _bounds(self) -> ScalingTargetConfig:
        if self.min_replicas > self.max_replicas:
            raise ValueError(f"min_replicas ({self.min_replicas}) exceeds max_replicas "
                             f"({self.max_replicas})")
        if self.capacity_per_replica is None and self.replicas_metric is None:
            raise ValueError("set capacity_per_replica, or replicas_metric to learn it")
        return self


class ScalingConfig(_Strict):
    """Auto-scaling targets (empty: the engine is idle)."""

    targets: list[ScalingTargetConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> ScalingConfig:
        names = [t.name for t in self.targets]
        if len(names) != len(set(names)):
            raise ValueError("scaling target names must be unique")
        return self
