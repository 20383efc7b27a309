"""What group notifications and pages share: the notice of an alert and the log recorder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from vigil.alerting.lifecycle import Alert
from vigil.alerting.pipeline import Context, Notice
from vigil.alerting.retry import RetryOutcome
from vigil.services.alerting.cycle_state import OPEN_FIRING
from vigil.storage import alerting_repo as repo
from vigil.telemetry import alert_metrics
from vigil.telemetry.logging import log_event


def notice_of(alert: Alert, external_url: str) -> Notice:
    """A fired alert as the pipeline's notice (firing or resolved), linking to the API."""
    firing = alert.state in OPEN_FIRING
    assert alert.id is not None and alert.fired_at is not None
    return Notice(alert.id, alert.fingerprint, "firing" if firing else "resolved", alert.labels,
                  alert.annotations, alert.fired_at, None if firing else alert.resolved_at,
                  alert.priority.value, f"{external_url.rstrip('/')}/api/v1/alerts/{alert.id}")


@dataclass
class LogRecorder:
    """Collects notification-log entries from RecordStage to write in one transaction."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, ctx: Context, notices: Sequence[Notice]) -> None:
        """Note one delivery's outcome, count it and log a failure."""
        outcome = ctx.outcome or RetryOutcome(0, "not sent")
        self.entries.append({
            "ts": ctx.now, "kind": ctx.kind, "receiver": ctx.receiver,
            "group_key": ctx.group_key,
            "firing": sorted(n.fingerprint for n in notices if n.status == "firing"),
            "resolved": sorted(n.fingerprint for n in notices if n.status == "resolved"),
            "alert_ids": sorted({n.alert_id for n in notices}),
            "status": ("logged" if ctx.extra.get("logged_only") else "sent") if outcome.ok
                      else "failed",
            "attempts": outcome.attempts, "error": outcome.error,
        })
        alert_metrics.count_notification(ctx.receiver, ctx.kind,
                                         "sent" if outcome.ok else "failed")
        if not outcome.ok:
            log_event("ALERT_NOTIFICATION_FAILED", "ERROR", receiver=ctx.receiver,
                      kind=ctx.kind, group_key=ctx.group_key, attempts=outcome.attempts,
                      error=outcome.error)

    def flush(self, session: Session) -> None:
        """Write the collected entries in the caller's transaction."""
        for e in self.entries:
            repo.record_notification(session, **e)
        self.entries.clear()
