"""SQLAlchemy 2 models of the foundation: series, samples, anomalies, API keys, audit log.

Other areas add their tables in `models_<area>.py` modules on the same `Base`; every
table is created by an Alembic migration, never by `create_all`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vigil.core.types import Role, Severity
from vigil.storage.types import UtcDateTime, enum_column

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base of every Vigil table."""


class SeriesRow(Base):
    """A metric series: a name and a label set, unique together."""

    __tablename__ = "series"
    __table_args__ = (UniqueConstraint("name", "labels_key", name="uq_series_name_labels"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    labels_key: Mapped[str] = mapped_column(Text)
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SampleRow(Base):
    """One point of a series; (series_id, ts) is unique so re-sending is idempotent."""

    __tablename__ = "samples"

    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[float] = mapped_column(Float, primary_key=True)
    value: Mapped[float] = mapped_column(Float)



class AnomalyRow(Base):
    """A scored point judged anomalous by a detector."""

    __tablename__ = "anomaly_detections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), index=True
    )
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    value: Mapped[float] = mapped_column(Float)
    score: Mapped[float] = mapped_column(Float)
    expected_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_lower: Mapped[float | None] = mapped_column(Float, nullable=True)
    expected_upper: Mapped[float | None] = mapped_column(Float, nullable=True)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, 16))
    detector: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("idx_anomaly_timestamp", AnomalyRow.timestamp)
Index("uq_anomaly_series_ts_detector", AnomalyRow.series_id, AnomalyRow.timestamp,
      AnomalyRow.detector, unique=True)


class ApiKeyRow(Base):
    """An API key: only its SHA-256 hash is stored, with role and usage times."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, 16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    bootstrap: Mapped[bool] = mapped_column(default=False)


class AuditRow(Base):
    """Who changed what, when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class JobRunRow(Base):
    """Last run of each scheduled job, so operators see what ran and how it ended."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_detail: Mapped[str | None] = mapped_column(Text)


class DetectorStateRow(Base):
    """Serialised detector model state per series, so restarts continue where they left."""

    __tablename__ = "detector_state"

    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    detector: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(64))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    last_ts: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
