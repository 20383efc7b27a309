"""Tables of the model lifecycle: feedback, missed anomalies, model versions, data quality."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.storage.models import Base, BigId
from vigil.storage.types import UtcDateTime


class AnomalyFeedbackRow(Base):
    """An operator's verdict on a stored anomaly: a true or a false positive (one per anomaly)."""

    __tablename__ = "anomaly_feedback"

    anomaly_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("anomaly_detections.id", ondelete="CASCADE"), primary_key=True)
    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[bool] = mapped_column(Boolean)  # True: a real anomaly
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MissedAnomalyRow(Base):
    """A time range of a series that held an anomaly the detector did not report."""

    __tablename__ = "missed_anomalies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(UtcDateTime)
    end: Mapped[datetime] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ModelVersionRow(Base):
    """One retrained model of a series: what was trained, on what, and its state bytes."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("series_id", "version", name="uq_model_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    detector: Mapped[str] = mapped_column(String(64))
    detector_version: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, object]] = mapped_column(JSON)
    threshold: Mapped[float] = mapped_column(Float)
    trained_from: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    trained_to: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    quality: Mapped[dict[str, object]] = mapped_column(JSON)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    last_ts: Mapped[float | None] = mapped_column(Float, nullable=True)
    promoted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ActiveModelRow(Base):
    """Which model version a series runs, its firing threshold, and what the worker adopted."""

    __tablename__ = "active_models"

    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)
    adopted_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DataQualityRow(Base):
    """The latest data-quality score of a series and what each component cost."""

    __tablename__ = "data_quality"

    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, object]] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IngestStatsRow(Base):
    """Per series and hour: points received, late (duplicate or out-of-order), rejected."""

    __tablename__ = "ingest_stats"

    series_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("series.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[float] = mapped_column(Float, primary_key=True)  # unix seconds, hour start
    received: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
