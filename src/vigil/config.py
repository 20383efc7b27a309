"""Settings from the environment (VIGIL_*) and the operator's YAML file (VIGIL_CONFIG)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from vigil.alerting.config import AlertingConfig
from vigil.analytics.config import AnalyticsConfig
from vigil.core.forwarded import ForwardedHeader, ProxyTrust, parse_networks
from vigil.core.remote_write_config import RemoteWriteConfig
from vigil.detection.config import DetectionConfig
from vigil.forecasting.config import ForecastingConfig
from vigil.scaling.config import ScalingConfig
from vigil.security.config import VulnerabilityScanningConfig
from vigil.security.threats.config import ThreatsConfig
from vigil.sources.config import SourcesConfig


class Settings(BaseSettings):
    """Deployment settings, read from VIGIL_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="VIGIL_", extra="ignore")

    data_dir: Path = Path("vigil-data")
    database_url: str = ""
    redis_url: str = ""
    config: Path | None = None
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    retention_days: int = Field(default=30, ge=1)
    retention_batch_size: int = Field(default=5000, ge=1)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_points_per_request: int = Field(default=100_000, ge=1)
    max_series_per_request: int = Field(default=10_000, ge=1)
    max_labels_per_series: int = Field(default=32, ge=1)
    max_label_length: int = Field(default=1024, ge=1)
    future_tolerance_seconds: int = Field(default=86_400, ge=0)
    external_url: str = ""
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=60.0, gt=0)
    max_connections: int = Field(default=1000, ge=1)
    cpu_workers: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2), ge=1)
    cpu_queue: int = Field(default=2, ge=0)
    remote_write_decompression_budget_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    auth_failure_limit: int = Field(default=20, ge=1)
    auth_failure_window_seconds: int = Field(default=60, ge=1)
    auth_lockout_seconds: int = Field(default=300, ge=1)
    detect_rate_per_minute: int = Field(default=60, ge=0)
    scan_rate_per_minute: int = Field(default=30, ge=0)
    remote_write_rate_per_minute: int = Field(default=1200, ge=0)
    trusted_proxies: str = ""
    forwarded_header: ForwardedHeader = "x-forwarded-for"
    scheduler_enabled: bool = True
    log_level: str = "INFO"
    tls_proxy: bool = False
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    console_session_hours: float = Field(default=12.0, gt=0, le=24 * 30)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        """SQLite or PostgreSQL (through psycopg 3, also for plain `postgresql://` URLs)."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        value = value.strip()
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL; use postgresql+psycopg://user:pass@host:5432/db"
                             " or sqlite:///path/to/vigil.db") from None
        if url.drivername in {"postgresql", "postgres"}:
            url = url.set(drivername="postgresql+psycopg")
            return url.render_as_string(hide_password=False)
        if url.drivername not in {"postgresql+psycopg", "sqlite", "sqlite+pysqlite"}:
            raise ValueError(f"unsupported database {url.drivername!r}; use "
                             "postgresql+psycopg://... or sqlite:///...")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        """Comma-separated addresses or CIDR networks of the reverse proxies in front."""
        return ",".join(str(net) for net in parse_networks(value))

    def proxy_trust(self) -> ProxyTrust:
        """Whose forwarding headers to believe when telling clients apart."""
        return ProxyTrust(parse_networks(self.trusted_proxies), self.forwarded_header)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        """Empty (no Redis) or a URL redis-py understands."""
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:6379/0, rediss://... or unix:///path")
        return value

    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'vigil.db').as_posix()}"

    @property
    def is_postgres(self) -> bool:
        """True when the configured database is PostgreSQL."""
        return self.effective_database_url().startswith("postgresql")


class ConfigError(ValueError):
    """The operator's YAML file is invalid; the message names the file and line."""


class OperatorConfig(BaseModel):
    """What operators edit in the YAML file: watches, rules, policies, notifiers."""

    model_config = ConfigDict(extra="forbid")
    remote_write: RemoteWriteConfig = Field(default_factory=RemoteWriteConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    vulnerability_scanning: VulnerabilityScanningConfig = Field(
        default_factory=VulnerabilityScanningConfig)
    threats: ThreatsConfig = Field(default_factory=ThreatsConfig)
    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    forecasting: ForecastingConfig = Field(default_factory=ForecastingConfig)
    scaling: ScalingConfig = Field(default_factory=ScalingConfig)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    sources: SourcesConfig = Field(default_factory=list)

    @model_validator(mode="after")
    def _report_receiver_exists(self) -> OperatorConfig:
        receiver = self.analytics.reports.receiver
        problem = None
        if receiver is not None and receiver not in self.alerting.receivers:
            problem = f"receiver {receiver!r} is not in alerting.receivers"
        elif receiver is not None and \
                self.alerting.receivers[receiver].type not in ("slack", "webhook", "email"):
            problem = f"receiver {receiver!r}: reports go to slack, webhook or email receivers"
        if problem is not None:
            raise ValidationError.from_exception_data("OperatorConfig", [InitErrorDetails(
                type=PydanticCustomError("reference", problem),
                loc=("analytics", "reports", "receiver"), input=receiver)])
        return self


def load_operator_config(path: Path | None) -> OperatorConfig:
    """Read and validate the YAML file, raising ConfigError that names the offending line."""
    if path is None:
        return OperatorConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigError(f"{where}: invalid YAML: {getattr(exc, 'problem', exc)}") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the top level must be a mapping")
    try:
        return OperatorConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(p) for p in first["loc"]]
        line = _line_of(node, loc)
        where = f"{path}:{line}" if line else str(path)
        raise ConfigError(f"{where}: {'.'.join(loc)}: {first['msg']}") from exc


def _line_of(node: Any, loc: list[str]) -> int | None:
    """Find the 1-based line of the YAML node at a pydantic error location."""
    best = getattr(node, "start_mark", None)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            if pair is None:
                break
            best, node = pair[0].start_mark, pair[1]
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
            best = node.start_mark
        else:
            break
    return best.line + 1 if best is not None else None
