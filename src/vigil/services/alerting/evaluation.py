"""The evaluation cycle: rules → life cycle → mutes → escalation pages → group notifications.

`evaluate_alerts(db, settings, cfg, now)` is one cycle. Pages and group notifications pass
the one pipeline of `vigil.alerting.pipeline`; a failed delivery is recorded and retried on
a later cycle after its back-off, so a cycle never sleeps. Every decision reads state from
the database, so a restart continues where the last run ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

from vigil.alerting.config import AlertingConfig
from vigil.alerting.muting import Mutes, mutes_now
from vigil.alerting.retry import Backoff
from vigil.alerting.silences import Silence
from vigil.config import Settings
from vigil.services.alerting.compiled import CompiledAlerting, compiled_alerting
from vigil.services.alerting.cycle_state import OPEN_FIRING, EvaluationReport, OpenAlert
from vigil.services.alerting.lifecycle import update_lifecycle
from vigil.services.alerting.notifying import notify_groups
from vigil.services.alerting.paging import escalate
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database
from vigil.telemetry import alert_metrics
from vigil.telemetry.logging import log_event

EVALUATION_JOB = "alert_evaluation"
"""The scheduler job (and PostgreSQL advisory lock) that runs evaluation cycles."""


def cycle_mutes(compiled: CompiledAlerting, current: list[OpenAlert], silences: list[Silence],
                now: datetime) -> Mutes:
    """Which firing alerts are inhibited, in maintenance or silenced right now."""
    firing = {o.alert.fingerprint: o.alert.labels for o in current
              if o.alert.state in OPEN_FIRING}
    return mutes_now(compiled.inhibit_rules, compiled.windows, silences, firing, now)


def evaluate_alerts(db: Database, settings: Settings | None, cfg: AlertingConfig, now: datetime,
                    *, backoff: Backoff | None = None) -> EvaluationReport:
    """Run one evaluation cycle at `now` (the scheduler's clock); returns what it did."""
    del settings  # deployment settings are not needed yet; kept for the scheduler contract
    started = time.perf_counter()
    compiled = compiled_alerting(cfg)
    backoff = backoff or Backoff()
    report = EvaluationReport()
    current, resolved, silences = update_lifecycle(db, compiled, now, report)
    mutes = cycle_mutes(compiled, current, silences, now)
    down: set[str] = set()  # receivers that failed in this cycle
    escalate(db, compiled, current, mutes, now, report, backoff, down)
    notify_groups(db, compiled, current, resolved, mutes, now, report, backoff, down)
    by_prio: dict[str, int] = {}
    for o in current:
        if o.alert.state in OPEN_FIRING:
            by_prio[o.alert.priority.value] = by_prio.get(o.alert.priority.value, 0) + 1
    alert_metrics.set_firing(by_prio)
    alert_metrics.set_escalation_levels(
        (o.alert.rule, o.alert.fingerprint, o.alert.priority.value, o.alert.escalation.level)
        for o in current if o.alert.state in OPEN_FIRING)
    report.seconds = time.perf_counter() - started
    return report


def alerting_job(db: Database, settings: Settings | None,
                 cfg: AlertingConfig) -> Callable[[datetime], str]:
    """A scheduler job `job(now)` running `evaluate_alerts`; returns a one-line summary."""

    def job(now: datetime) -> str:
        """One evaluation cycle at the scheduler's `now`."""
        report = evaluate_alerts(db, settings, cfg, now)
        if report.new or report.resolved or report.pages or report.notifications_failed:
            log_event("ALERT_EVALUATION", "INFO", **asdict(report))
        return (f"{report.series} series, {report.firing} firing, {report.new} new, "
                f"{report.resolved} resolved, {report.pages} pages, "
                f"{report.notifications_sent} sent, {report.notifications_failed} failed")

    return job


def prune_history(db: Database, now: datetime, keep: timedelta = timedelta(days=90)) -> str:
    """Delete alert history older than `keep` (resolved alerts, events, log, old silences).

    A scheduler job (e.g. daily): `lambda now: prune_history(db, now)`.
    """
    with db.session() as s:
        counts = repo.prune(s, now - keep)
    return ", ".join(f"{n} {what}" for what, n in counts.items()) + " deleted"


def evaluation_interval_seconds(cfg: AlertingConfig) -> float:
    """How often the scheduler should run `evaluate_alerts` (alerting.evaluation_interval)."""
    return max(1.0, cfg.evaluation_interval.total_seconds())
