"""Tables of monitoring and alerting: alerts, their events, the notification log, silences.

Every piece of alert state lives here, so a restart neither loses an acknowledgement
nor re-sends a notification: escalation position and next due time are columns of the
alert, and deduplication reads the notification log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.alerting.lifecycle import AlertState
from vigil.core.types import Priority, Severity
from vigil.storage.models import Base, BigId
from vigil.storage.types import UtcDateTime, enum_column


class AlertRow(Base):
    """One alert occurrence, from pending to resolved; the fingerprint identifies the problem."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(255))
    labels: Mapped[dict[str, str]] = mapped_column(JSON)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity, 16))
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, 4))
    state: Mapped[AlertState] = mapped_column(enum_column(AlertState, 16))
    value: Mapped[float] = mapped_column(Float)
    active_at: Mapped[datetime] = mapped_column(UtcDateTime)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime,
                                                             nullable=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    escalation_policy: Mapped[str | None] = mapped_column(String(128), nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=-1)
    escalation_cycle: Mapped[int] = mapped_column(Integer, default=0)
    escalation_next_at: Mapped[datetime | None] = mapped_column(UtcDateTime,
                                                                nullable=True)
    escalation_done: Mapped[bool] = mapped_column(default=False)
    muted: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)

    # Optimistic concurrency: every ORM update adds `AND version = <as read>` and bumps it;
    # no row updated raises StaleDataError. Versions start at 0, as they always have.
    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": lambda current: 0 if current is None else current + 1,
    }


Index("idx_alerts_fingerprint", AlertRow.fingerprint)
Index("idx_alerts_state", AlertRow.state)


class AlertEventRow(Base):
    """Something that happened to an alert (state change, page, mute): its timeline."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(BigId, ForeignKey("alerts.id", ondelete="CASCADE"),
                                          index=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class NotificationRow(Base):
    """One delivery attempt series of a group or a page to a receiver, and how it ended."""

    __tablename__ = "alert_notifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    receiver: Mapped[str] = mapped_column(String(255))
    group_key: Mapped[str] = mapped_column(String(1024))
    firing: Mapped[list[str]] = mapped_column(JSON)
    resolved: Mapped[list[str]] = mapped_column(JSON)
    alert_ids: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


Index("idx_alert_notifications_group", NotificationRow.receiver, NotificationRow.group_key,
      NotificationRow.ts)


class SilenceRow(Base):
    """An operator's silence: matchers, time range, author and comment."""

    __tablename__ = "silences"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    matchers: Mapped[list[str]] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(255))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
