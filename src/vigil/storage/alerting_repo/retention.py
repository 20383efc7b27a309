"""Retention: delete alert history older than a cut-off, across the alerting tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.alerting.lifecycle import AlertState
from vigil.storage.models_alerting import AlertEventRow, AlertRow, NotificationRow, SilenceRow


def prune(session: Session, before: datetime) -> dict[str, int]:
    """Delete resolved alerts (with their events), notifications and silences older than this."""
    old_alerts = select(AlertRow.id).where(AlertRow.state == AlertState.RESOLVED.value,
                                           AlertRow.resolved_at < before)
    events = session.execute(delete(AlertEventRow).where(AlertEventRow.alert_id.in_(old_alerts)))
    alerts = session.execute(delete(AlertRow).where(AlertRow.state == AlertState.RESOLVED.value,
                                                    AlertRow.resolved_at < before))
    notes = session.execute(delete(NotificationRow).where(NotificationRow.ts < before))
    silences = session.execute(delete(SilenceRow).where(SilenceRow.ends_at < before))
    return {"alerts": int(getattr(alerts, "rowcount", 0)),
            "alert_events": int(getattr(events, "rowcount", 0)),
            "notifications": int(getattr(notes, "rowcount", 0)),
            "silences": int(getattr(silences, "rowcount", 0))}
