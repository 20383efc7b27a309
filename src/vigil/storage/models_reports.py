"""Tables of the Analytics Engine: stored report runs, and the indexes its queries read by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.storage.models import Base, BigId
from vigil.storage.models_alerting import AlertEventRow, AlertRow
from vigil.storage.types import UtcDateTime


class ReportRunRow(Base):
    """One report written by the scheduled job (or `vigil report --store`): its JSON
    document, its self-contained HTML, and how its delivery went."""

    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    period_label: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[datetime] = mapped_column(UtcDateTime)
    period_end: Mapped[datetime] = mapped_column(UtcDateTime)
    generated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    document: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    receiver: Mapped[str | None] = mapped_column(String(255), nullable=True)
    delivery: Mapped[str] = mapped_column(String(16))  # none | sent | retrying | failed
    delivery_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    delivery_next_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


Index("idx_report_runs_kind_period", ReportRunRow.kind, ReportRunRow.period_start)
# What the analytics read by: alerts by firing time, pages by time (threats by detection time
# use idx_threats_detected_at from models_threats).
Index("idx_alerts_fired_at", AlertRow.fired_at)
Index("idx_alert_events_kind_ts", AlertEventRow.kind, AlertEventRow.ts)
