"""Table of every replica recommendation Vigil served (the audit history)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.storage.models import Base, BigId


class ScalingRecommendationRow(Base):
    """One recommendation: when, for which target, how many replicas, and why."""

    __tablename__ = "scaling_recommendations"
    __table_args__ = (Index("ix_scaling_recommendations_target_at", "target", "computed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(255))
    computed_at: Mapped[float] = mapped_column(Float)
    replicas: Mapped[int] = mapped_column(Integer)
    proposal: Mapped[int] = mapped_column(Integer)
    winner: Mapped[str] = mapped_column(String(32))
    fallback: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
