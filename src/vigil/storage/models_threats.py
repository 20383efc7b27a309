"""Table of detected threats (auth and access log analysis)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.core.types import Priority
from vigil.storage.models import Base, BigId
from vigil.storage.types import UtcDateTime, enum_column


class ThreatRow(Base):
    """One threat: a type from one source over a time span, with bounded evidence."""

    __tablename__ = "security_threats"
    __table_args__ = (UniqueConstraint("type", "source_ip", "first_seen",
                                       name="uq_threat_type_source_first"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(128))
    source_ip: Mapped[str] = mapped_column(String(255), index=True)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    count: Mapped[int] = mapped_column(Integer)
    technique: Mapped[str] = mapped_column(String(32))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, 4))
    rule: Mapped[str] = mapped_column(String(255))
    targets: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(64), default="api")
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("idx_threats_detected_at", ThreatRow.detected_at)
