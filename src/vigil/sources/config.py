"""The `sources` section of the operator YAML: Prometheus-compatible stores to poll.

    sources:
      - name: prod-prom
        type: prometheus                 # anything that speaks the Prometheus HTTP API
        url: http://prometheus:9090
        auth: {bearer_token_file: /run/secrets/prom-token}   # or basic / TLS options
        queries:
          cpu: 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))'
        step: 1m
        lookback_on_start: 7d
        store: none                      # samples | none
        write_back:
          remote_write: {url: http://prometheus:9090/api/v1/write}
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from vigil.alerting.durations import parse_duration
from vigil.core.types import Severity
from vigil.detection.config import known_detector

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
QUERY_KEY = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]{0,127}$")
SOURCE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$")
PROMETHEUS_MAX_POINTS = 11_000
"""Prometheus refuses a query_range that would return more points per series than this."""


class StoreMode(str, Enum):
    """What Vigil keeps of a source's samples."""

    SAMPLES = "samples"
    NONE = "none"


class HttpAuth(BaseModel):
    """How to authenticate to an HTTP endpoint: bearer token or basic auth, plus TLS."""

    model_config = ConfigDict(extra="forbid")

    bearer_token: str | None = None
    bearer_token_file: Path | None = None
    username: str | None = None
    password: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    insecure_skip_verify: bool = False
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_scheme(self) -> HttpAuth:
        """Bearer and basic are exclusive; a password needs a user; a key needs a cert."""
        bearer = self.bearer_token is not None or self.bearer_token_file is not None
        basic = self.username is not None
        if self.bearer_token is not None and self.bearer_token_file is not None:
            raise ValueError("give bearer_token or bearer_token_file, not both")
        if self.password is not None and self.password_file is not None:
            raise ValueError("give password or password_file, not both")
        if bearer and basic:
            raise ValueError("give a bearer token or a username (basic auth), not both")
        if (self.password is not None or self.password_file is not None) and not basic:
            raise ValueError("a password needs a username")
        if self.key_file is not None and self.cert_file is None:
            raise ValueError("key_file needs cert_file")
        return self


class RemoteWriteTarget(BaseModel):
    """Where to push the scores with Prometheus remote_write 1.0."""

    model_config = ConfigDict(extra="forbid")

    url: str
    auth: HttpAuth = Field(default_factory=HttpAuth)
    timeout: Duration = timedelta(seconds=30)
    max_samples_per_request: int = Field(default=10_000, ge=1, le=1_000_000)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        """An http(s) URL."""
        return _http_url(value)


class WriteBack(BaseModel):
    """Where the scores go: pushed by remote_write and/or exposed for scraping."""

    model_config = ConfigDict(extra="forbid")

    remote_write: RemoteWriteTarget | None = None
    expose: bool = True


class SourceConfig(BaseModel):
    """One Prometheus-compatible store and the PromQL queries whose series Vigil scores."""

    model_config = ConfigDict(extra="forbid")

    name: str
    type: Literal["prometheus"] = "prometheus"
    url: str
    auth: HttpAuth = Field(default_factory=HttpAuth)
    queries: dict[str, str]
    step: Duration = timedelta(minutes=1)
    lookback_on_start: Duration = timedelta(days=7)
    delay: Duration = timedelta(0)
    store: StoreMode = StoreMode.SAMPLES
    detector: str = "vigil"
    min_severity: Severity = Severity.WARNING
    max_series: int = Field(default=10_000, ge=1, le=10_000_000)
    max_points_per_request: int = Field(default=PROMETHEUS_MAX_POINTS - 1, ge=1,
                                        le=PROMETHEUS_MAX_POINTS)
    max_samples_per_request: int = Field(default=5_000_000, ge=1)
    ring_points: int = Field(default=120, ge=0, le=100_000)
    timeout: Duration = timedelta(seconds=30)
    retries: int = Field(default=2, ge=0, le=10)
    write_back: WriteBack = Field(default_factory=WriteBack)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        """Letters, digits, `_`, `.` and `-` (it becomes a label value and a URL part)."""
        if not SOURCE_NAME.match(value):
            raise ValueError("source name must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (max 100)")
        return value

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        """An http(s) URL."""
        return _http_url(value)

    @field_validator("queries")
    @classmethod
    def _queries(cls, value: dict[str, str]) -> dict[str, str]:
        """At least one query; each key is a metric name (it names the Vigil series)."""
        if not value:
            raise ValueError("give at least one query")
        for key, query in value.items():
            if not QUERY_KEY.match(key):
                raise ValueError(f"query key {key!r} must match [a-zA-Z_:][a-zA-Z0-9_:]* "
                                 "(max 128): it names the series")
            if not str(query).strip():
                raise ValueError(f"query {key!r} is empty")
        return value

    @field_validator("step")
    @classmethod
    def _step(cls, value: timedelta) -> timedelta:
        """At least one second, in whole seconds."""
        seconds = value.total_seconds()
        if seconds < 1 or seconds != int(seconds):
            raise ValueError("step must be a whole number of seconds, at least 1s")
        return value

    @field_validator("detector")
    @classmethod
    def _known_detector(cls, value: str) -> str:
        """A detector of the registry."""
        return known_detector(value)

    @property
    def step_seconds(self) -> int:
        """The step in whole seconds."""
        return int(self.step.total_seconds())


def _http_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("url must start with http:// or https://")
    return value


def validate_sources(sources: list[SourceConfig]) -> list[SourceConfig]:
    """Source names are unique."""
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ValueError(f"source name {source.name!r} is used twice")
        seen.add(source.name)
    return sources


SourcesConfig = Annotated[list[SourceConfig], AfterValidator(validate_sources)]
"""The `sources` list, names unique."""
