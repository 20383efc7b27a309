"""Table of the latest time-to-breach prediction per target and series."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.storage.models import Base, BigId


class PredictedBreachRow(Base):
    """The newest prediction of one series of one target, read by the alert cycle."""

    __tablename__ = "predicted_breaches"
    __table_args__ = (UniqueConstraint("target", "series_id", name="uq_predicted_breach"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(255))
    series_id: Mapped[int] = mapped_column(BigId, ForeignKey("series.id", ondelete="CASCADE"))
    computed_at: Mapped[float] = mapped_column(Float)
    valid_until: Mapped[float] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[str | None] = mapped_column(String(4), nullable=True)
    probability: Mapped[float] = mapped_column(Float)
    seconds_to_breach: Mapped[float | None] = mapped_column(Float, nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
