"""Alerting application service: the evaluation loop and the operator's actions.

`evaluate_alerts(db, settings, config, now)` is one cycle: read the latest samples and
open anomaly detections, evaluate the rules in memory, advance each alert's life cycle,
page along escalation policies, and send grouped notifications through the pipeline
(inhibit → maintenance → silence → wait → dedup → notify with retry → record). Every
decision reads state from the database, so a restart continues where the last run ended.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from vigil.alerting.config import AlertingConfig, ReceiverConfig
from vigil.alerting.escalation import Page, advance, choose_policy, resume
from vigil.alerting.grouping import routes_for
from vigil.alerting.inhibition import inhibited
from vigil.alerting.lifecycle import (
    Alert,
    AlertState,
    Event,
    new_alert,
    observe,
)
from vigil.alerting.pipeline import (
    Context,
    DedupStage,
    InhibitStage,
    Notice,
    NotifyStage,
    RecordStage,
    SilenceStage,
    Stage,
    TimeIntervalStage,
    WaitStage,
    run_pipeline,
)
from vigil.alerting.retry import RetryOutcome, RetryPolicy
from vigil.alerting.rules import SeriesTable
from vigil.alerting.schedules import (
    Contact,
    resolve_targets,
)
from vigil.alerting.silences import (
    Silence,
    in_maintenance,
    silenced_by,
)
from vigil.config import Settings
from vigil.core.types import Priority
from vigil.services.alerting.compiled import CompiledAlerting, compiled_alerting
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database
from vigil.telemetry import alert_metrics
from vigil.telemetry.logging import log_event

OPEN_FIRING = (AlertState.FIRING, AlertState.ACKNOWLEDGED)
RESOLVED_NOTICE_WINDOW = timedelta(hours=1)
EVALUATION_JOB = "alert_evaluation"
"""The scheduler job (and PostgreSQL advisory lock) that runs evaluation cycles."""


@dataclass
class EvaluationReport:
    """What one evaluation cycle did."""

    series: int = 0
    observations: int = 0
    new: int = 0
    firing: int = 0
    resolved: int = 0
    pages: int = 0
    notifications_sent: int = 0
    notifications_failed: int = 0
    seconds: float = 0.0


@dataclass
class _Open:
    """An open alert during a cycle, with the row version to update it against."""

    alert: Alert
    version: int


def _notice(alert: Alert, external_url: str) -> Notice:
    firing = alert.state in OPEN_FIRING
    assert alert.id is not None and alert.fired_at is not None
    return Notice(alert.id, alert.fingerprint, "firing" if firing else "resolved", alert.labels,
                  alert.annotations, alert.fired_at, None if firing else alert.resolved_at,
                  alert.priority.value, f"{external_url.rstrip('/')}/api/v1/alerts/{alert.id}")


def _log_transitions(alert: Alert, events: Sequence[Event]) -> None:
    for ev in events:
        if ev.kind in ("firing", "resolved"):
            log_event(f"ALERT_{ev.kind.upper()}", "WARNING" if ev.kind == "firing" else "INFO",
                      alert_id=alert.id, alertname=alert.rule, priority=alert.priority.value,
                      severity=alert.severity.value, fingerprint=alert.fingerprint,
                      series=alert.labels.get("series", ""), value=alert.value)


def _update_lifecycle(db: Database, rt: CompiledAlerting, now: datetime,
                      report: EvaluationReport) -> tuple[list[_Open], list[Alert], list[Silence]]:
    """Phase 1: evaluate rules and move every alert along its life cycle (one transaction)."""
    cfg = rt.cfg
    with db.session() as s:
        since_ts = now.timestamp() - cfg.stale_after.total_seconds()
        samples = repo.latest_samples(s, rt.rules.metrics, since_ts, rt.series)
        signals = []
        if rt.rules.anomaly:
            lookback = max(r.cfg.lookback for r in rt.rules.anomaly)
            signals = repo.anomaly_signals(s, now - lookback)
        report.series = len(samples)
        observations = rt.rules.evaluate(SeriesTable(samples), signals, now, cfg.stale_after)
        report.observations = len(observations)
        current: list[_Open] = []
        refreshed: list[Alert] = []
        for stored in repo.open_alerts(s):
            old = stored.alert
            obs = observations.pop(old.fingerprint, None)
            new, events = observe(old, obs is not None, obs.value if obs else None,
                                  obs.for_ if obs else timedelta(0), now,
                                  obs.annotations if obs else None)
            version = stored.version
            if not events and new != old:
                refreshed.append(new)  # only value/annotations changed: batched below
            elif new != old:
                if not repo.update_alert(s, new, version, now):
                    continue  # an operator changed it meanwhile: next cycle sees it
                version += 1
                assert new.id is not None
                repo.add_events(s, new.id, events)
                _log_transitions(new, events)
            if new.state.is_open:
                current.append(_Open(new, version))
            elif new.fired_at is not None:
                report.resolved += 1
        repo.update_observations(s, refreshed, now)
        fresh: list[tuple[Alert, list[Event]]] = []
        for fp, obs in observations.items():
            labels = dict(obs.labels)
            try:  # a rule may set its priority explicitly with a `priority` label
                priority = Priority(labels["priority"])
            except (KeyError, ValueError):
                priority = rt.priorities.priority(labels)
            labels["priority"] = priority.value
            fresh.append(new_alert(fp, obs.rule, labels, obs.annotations, obs.severity,
                                   priority, obs.value, obs.for_, now))
        stored_new = repo.insert_alerts(s, [a for a, _ in fresh], now)
        pairs: list[tuple[int, Event]] = []
        for alert, (_, events) in zip(stored_new, fresh, strict=True):
            assert alert.id is not None
            pairs.extend((alert.id, ev) for ev in events)
            _log_transitions(alert, events)
            current.append(_Open(alert, 0))
        repo.add_many_events(s, pairs)
        report.new += len(stored_new)
        open_fps = {o.alert.fingerprint for o in current}
        resolved = [a for a in repo.recently_resolved(s, now - RESOLVED_NOTICE_WINDOW)
                    if a.fingerprint not in open_fps]
        silences = repo.active_silences(s, now)
    report.firing = sum(1 for o in current if o.alert.state in OPEN_FIRING)
    return current, resolved, silences


@dataclass
class _Mutes:
    inhibited: dict[str, str]
    silenced: dict[str, list[int]]
    maintenance: dict[str, list[str]]

    def reason(self, fp: str) -> str | None:
        """Why an alert is muted (inhibited, maintenance, silenced), or None."""
        if fp in self.inhibited:
            return "inhibited"
        if fp in self.maintenance:
            return "maintenance"
        if fp in self.silenced:
            return "silenced"
        return None


def _mutes(rt: CompiledAlerting, current: list[_Open], silences: list[Silence],
           now: datetime) -> _Mutes:
    """Which firing alerts are inhibited, in maintenance or silenced right now."""
    firing = {o.alert.fingerprint: o.alert.labels for o in current
              if o.alert.state in OPEN_FIRING}
    sil = {fp: ids for fp, labels in firing.items() if (ids := silenced_by(silences, labels, now))}
    win = {fp: names for fp, labels in firing.items()
           if (names := in_maintenance(rt.windows, labels, now))}
    return _Mutes(inhibited(rt.inhibit_rules, firing), sil, win)


@dataclass
class _Recorder:
    """Collects notification-log entries from RecordStage to write in one transaction."""

    entries: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, ctx: Context, notices: Sequence[Notice]) -> None:
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

    def flush(self, session: Any) -> None:
        """Write the collected entries in the caller's transaction."""
        for e in self.entries:
            repo.record_notification(session, **e)
        self.entries.clear()


def _deliver_page(rt: CompiledAlerting, alert: Alert, page: Page, contacts: list[Contact],
                  policy_name: str, now: datetime, recorder: _Recorder,
                  retry: RetryPolicy, sleep: Callable[[float], None], down: set[str]) -> str:
    """Send one page through the policy's receiver (or log it).

    Returns `sent`, `logged`, `failed`, or `skipped` when the receiver already failed in
    this cycle (one unreachable receiver must not stall the loop with retries).
    """
    policy = rt.cfg.escalation_policies[policy_name]
    if policy.receiver is not None and policy.receiver in down:
        return "skipped"
    extra: dict[str, object] = {"policy": policy_name, "level": page.level, "cycle": page.cycle,
                                "skipped_levels": page.skipped,
                                "contacts": [asdict(c) for c in contacts]}
    receiver = policy.receiver or "log"
    ctx = Context(receiver, f"page/{alert.id}/{page.cycle}/{page.level}", now, kind="page",
                  extra=extra)
    notices = [_notice(alert, rt.cfg.external_url)]
    log_event("ALERT_PAGE", "WARNING", alert_id=alert.id, alertname=alert.rule,
              priority=alert.priority.value, policy=policy_name,
              escalation_level=page.level, cycle=page.cycle,
              contacts=[f"{c.name} <{c.phone}>" for c in contacts])
    if policy.receiver is None:
        ctx.extra["logged_only"] = True
        ctx.outcome = RetryOutcome(1, None)
        RecordStage(recorder).process(ctx, notices)
        return "logged"
    run_pipeline([NotifyStage(rt.senders[policy.receiver], retry, sleep),
                  RecordStage(recorder)], ctx, notices)
    if ctx.outcome is not None and ctx.outcome.ok:
        return "sent"
    down.add(policy.receiver)
    return "failed"


def _unchanged(db: Database, item: _Open) -> bool:
    """True when nobody changed the alert since this cycle read it (checked before paging)."""
    assert item.alert.id is not None
    with db.session() as s:
        stored = repo.get_alert(s, item.alert.id)
    return stored is not None and stored.version == item.version


def _same_failed_page(db: Database, alert: Alert, policy: str, page: Page) -> bool:
    """True when the alert's last page event is a failure of this same page: a receiver
    that stays down then adds one timeline entry, not one per evaluation cycle."""
    assert alert.id is not None
    with db.session() as s:
        last = repo.last_event(s, alert.id, "page")
    return last is not None and last.detail.get("status") == "failed" and \
        (last.detail.get("policy"), last.detail.get("level"), last.detail.get("cycle")) == \
        (policy, page.level, page.cycle)


def _escalate(db: Database, rt: CompiledAlerting, current: list[_Open], mutes: _Mutes,
              now: datetime, report: EvaluationReport, retry: RetryPolicy,
              sleep: Callable[[float], None], down: set[str] | None = None) -> None:
    """Phase 2: record mute changes; page the next level of unacknowledged, unmuted alerts.

    A muted alert does not escalate; when the mute ends, its current level gets its full
    acknowledgement timeout again, and an alert that never paged starts at level 0. A page
    that could not be delivered does not move the escalation on: the next cycle retries it.
    """
    down = set() if down is None else down
    cfg = rt.cfg
    policies = cfg.escalation_policies
    for item in current:
        alert = item.alert
        if alert.state not in OPEN_FIRING or alert.fired_at is None:
            continue
        reason = mutes.reason(alert.fingerprint)
        esc = alert.escalation
        events: list[Event] = []
        if reason != alert.muted:
            events.append(Event("muted" if reason else "unmuted", now,
                                {"reason": reason or alert.muted}))
            if reason is None and esc.policy in policies:
                esc = resume(policies[esc.policy], esc, now)
        page: Page | None = None
        name = esc.policy
        if reason is None and alert.state is AlertState.FIRING and not esc.done:
            name = esc.policy or choose_policy(cfg.escalation_routes or [], alert.labels)
            if name is not None and name in policies:
                esc, page = advance(policies[name], replace(esc, policy=name), now, now)
        updated = replace(alert, escalation=esc, muted=reason)
        if updated == alert:
            continue
        recorder = _Recorder()
        if page is not None and not _unchanged(db, item):
            continue  # acknowledged or resolved meanwhile: page nobody
        if page is not None and name is not None:
            contacts = resolve_targets(page.targets, cfg, now)
            status = _deliver_page(rt, alert, page, contacts, name, now, recorder, retry, sleep,
                                   down)
            if status in ("failed", "skipped"):
                updated = replace(updated, escalation=alert.escalation)  # retry next cycle
            if status == "skipped":
                if updated == alert:
                    continue
                page = None
        if page is not None and name is not None and status == "failed" \
                and _same_failed_page(db, alert, name, page):
            page = None  # still failing: the notification log has each attempt
            if updated == alert:
                with db.session() as s:
                    recorder.flush(s)
                continue
        if page is not None and name is not None:
            events.append(Event("page", now, {
                "policy": name, "level": page.level, "cycle": page.cycle,
                "due_at": page.due_at.isoformat(), "skipped_levels": page.skipped,
                "targets": list(page.targets), "status": status,
                "contacts": [{"user": c.user, "name": c.name, "role": c.role,
                              "phone": c.phone, "email": c.email} for c in contacts]}))
            if status != "failed":
                report.pages += 1
        with db.session() as s:
            if repo.update_alert(s, updated, item.version, now):
                assert alert.id is not None
                repo.add_events(s, alert.id, events)
                item.alert, item.version = updated, item.version + 1
            recorder.flush(s)


def _notify_groups(db: Database, rt: CompiledAlerting, current: list[_Open], resolved: list[Alert],
                   mutes: _Mutes, now: datetime, report: EvaluationReport, retry: RetryPolicy,
                   sleep: Callable[[float], None], down: set[str] | None = None) -> None:
    """Phase 3: grouped notifications through each route's receiver and the pipeline.

    After a receiver fails once in a cycle, its other groups wait for the next cycle.
    """
    cfg = rt.cfg
    down = set() if down is None else down
    alerts = [o.alert for o in current if o.alert.state in OPEN_FIRING] + resolved
    groups: dict[tuple[int, str], list[Notice]] = {}
    for alert in alerts:
        if alert.fired_at is None:
            continue
        for route in routes_for(rt.routes, alert.labels):
            gkey = (route.index, route.group_key(alert.labels))
            groups.setdefault(gkey, []).append(_notice(alert, cfg.external_url))
    for (idx, key), notices in groups.items():
        route = rt.routes[idx]
        if route.cfg.receiver in down:
            continue  # failed earlier in this cycle: the next cycle tries again
        rcfg: ReceiverConfig = cfg.receivers[route.cfg.receiver]
        with db.session() as s:
            last = repo.last_sent(s, route.cfg.receiver, key)
        ctx = Context(route.cfg.receiver, key, now, group_wait=route.cfg.group_wait,
                      group_interval=route.cfg.group_interval,
                      repeat_interval=route.cfg.repeat_interval,
                      send_resolved=rcfg.send_resolved, last=last)
        recorder = _Recorder()
        stages: list[Stage] = [
            InhibitStage(mutes.inhibited), TimeIntervalStage(mutes.maintenance),
            SilenceStage(mutes.silenced), WaitStage(), DedupStage(),
            NotifyStage(rt.senders[route.cfg.receiver], retry, sleep), RecordStage(recorder)]
        run_pipeline(stages, ctx, notices)
        if recorder.entries:
            if ctx.outcome is not None and ctx.outcome.ok:
                report.notifications_sent += 1
            else:
                report.notifications_failed += 1
                down.add(route.cfg.receiver)
            with db.session() as s:
                recorder.flush(s)


def evaluate_alerts(db: Database, settings: Settings | None, cfg: AlertingConfig, now: datetime,
                    *, retry: RetryPolicy | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> EvaluationReport:
    """Run one evaluation cycle at `now` (the scheduler's clock); returns what it did."""
    del settings  # deployment settings are not needed yet; kept for the scheduler contract
    started = time.perf_counter()
    rt = compiled_alerting(cfg)
    retry = retry or RetryPolicy()
    report = EvaluationReport()
    current, resolved, silences = _update_lifecycle(db, rt, now, report)
    mutes = _mutes(rt, current, silences, now)
    down: set[str] = set()  # receivers that failed in this cycle
    _escalate(db, rt, current, mutes, now, report, retry, sleep, down)
    _notify_groups(db, rt, current, resolved, mutes, now, report, retry, sleep, down)
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
