"""Grouped notifications: route fired alerts to receivers, group them, run the pipeline."""

from __future__ import annotations

from datetime import datetime

from vigil.alerting.grouping import routes_for
from vigil.alerting.lifecycle import Alert
from vigil.alerting.muting import Mutes
from vigil.alerting.pipeline import Context, Notice, group_stages, run_pipeline
from vigil.alerting.retry import Backoff
from vigil.services.alerting.compiled import CompiledAlerting
from vigil.services.alerting.cycle_state import OPEN_FIRING, EvaluationReport, OpenAlert
from vigil.services.alerting.delivery import LogRecorder, notice_of
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database


def notify_groups(db: Database, compiled: CompiledAlerting, current: list[OpenAlert],
                  resolved: list[Alert], mutes: Mutes, now: datetime, report: EvaluationReport,
                  backoff: Backoff, down: set[str]) -> None:
    """Send each route's groups through the pipeline; a failure is retried on a later cycle.

    After a receiver fails once in a cycle (`down`), its other groups wait for the next one.
    """
    cfg = compiled.cfg
    alerts = [o.alert for o in current if o.alert.state in OPEN_FIRING] + resolved
    groups: dict[tuple[int, str], list[Notice]] = {}
    for alert in alerts:
        if alert.fired_at is None:
            continue
        for route in routes_for(compiled.routes, alert.labels):
            gkey = (route.index, route.group_key(alert.labels))
            groups.setdefault(gkey, []).append(notice_of(alert, cfg.external_url))
    for (idx, key), notices in groups.items():
        route = compiled.routes[idx]
        receiver = route.cfg.receiver
        if receiver in down:
            continue  # failed earlier in this cycle: a later cycle tries again
        with db.session() as s:
            last, failure = repo.last_delivery(s, receiver, key)
        ctx = Context(receiver, key, now, group_wait=route.cfg.group_wait,
                      group_interval=route.cfg.group_interval,
                      repeat_interval=route.cfg.repeat_interval,
                      send_resolved=cfg.receivers[receiver].send_resolved, last=last,
                      last_failure=failure)
        recorder = LogRecorder()
        run_pipeline(group_stages(mutes, backoff, down, compiled.senders[receiver], recorder),
                     ctx, notices)
        if not recorder.entries:
            continue
        if ctx.outcome is not None and ctx.outcome.ok:
            report.notifications_sent += 1
        else:
            report.notifications_failed += 1
            down.add(receiver)
        with db.session() as s:
            recorder.flush(s)
