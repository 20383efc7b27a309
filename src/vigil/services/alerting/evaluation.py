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
from vigil.alerting.escalation import Page, advance, choose_policy, plan, resume
from vigil.alerting.grouping import Route, compile_routes, routes_for
from vigil.alerting.inhibition import InhibitRule, inhibited
from vigil.alerting.lifecycle import (
    Alert,
    AlertState,
    Event,
    acknowledge,
    new_alert,
    observe,
    resolve,
)
from vigil.alerting.matchers import matches_all, parse_matchers
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
from vigil.alerting.priority import PriorityMapper
from vigil.alerting.retry import RetryOutcome, RetryPolicy
from vigil.alerting.rules import RuleSet, SeriesTable
from vigil.alerting.schedules import (
    Contact,
    active_layer,
    next_handoff,
    on_call,
    resolve_targets,
)
from vigil.alerting.silences import (
    MaintenanceWindow,
    Silence,
    WeeklyInterval,
    in_maintenance,
    silenced_by,
)
from vigil.config import Settings
from vigil.core.types import Priority
from vigil.services.notifiers.dispatch import Sender, build_sender
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database
from vigil.telemetry import alert_metrics
from vigil.telemetry.logging import log_event

OPEN_FIRING = (AlertState.FIRING, AlertState.ACKNOWLEDGED)
RESOLVED_NOTICE_WINDOW = timedelta(hours=1)
EVALUATION_JOB = "alert_evaluation"
"""The scheduler job (and PostgreSQL advisory lock) that runs evaluation cycles."""


class AlertNotFound(LookupError):
    """No alert (or silence) with that id."""


class ReceiverNotFound(LookupError):
    """No receiver with that name in the configuration."""


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
class Runtime:
    """The configuration compiled once: rules, mappings, routes, windows, senders."""

    cfg: AlertingConfig
    rules: RuleSet
    priorities: PriorityMapper
    inhibit_rules: list[InhibitRule]
    routes: list[Route]
    windows: list[MaintenanceWindow]
    senders: dict[str, Sender] = field(default_factory=dict)
    series: repo.SeriesLabels = field(default_factory=repo.SeriesLabels)

    @classmethod
    def of(cls, cfg: AlertingConfig) -> Runtime:
        """Compile a validated configuration."""
        from vigil.alerting.config import PriorityConfig

        return cls(
            cfg=cfg,
            rules=RuleSet(cfg.rules, cfg.anomaly_rules),
            priorities=PriorityMapper(cfg.priorities or PriorityConfig()),
            inhibit_rules=[InhibitRule.from_config(r) for r in cfg.inhibit_rules or []],
            routes=compile_routes(cfg.routes),
            windows=[MaintenanceWindow(
                w.name, parse_matchers(w.matchers), w.start, w.end, w.comment,
                WeeklyInterval.parse(w.weekly.weekdays, w.weekly.start_time, w.weekly.end_time)
                if w.weekly else None) for w in cfg.maintenance_windows],
            senders={name: build_sender(r, cfg.external_url) for name, r in cfg.receivers.items()},
        )


_RUNTIMES: dict[int, tuple[AlertingConfig, Runtime]] = {}


def alerting_config(config: Any) -> AlertingConfig:
    """The alerting section of an OperatorConfig (or an AlertingConfig itself; None: defaults)."""
    if isinstance(config, AlertingConfig):
        return config
    section = getattr(config, "alerting", None)
    return section if isinstance(section, AlertingConfig) else AlertingConfig()


def runtime_for(config: Any) -> Runtime:
    """The compiled runtime of a configuration, cached per configuration object."""
    cfg = alerting_config(config)
    cached = _RUNTIMES.get(id(cfg))
    if cached is not None and cached[0] is cfg:
        return cached[1]
    rt = Runtime.of(cfg)
    if len(_RUNTIMES) > 16:
        _RUNTIMES.clear()
    _RUNTIMES[id(cfg)] = (cfg, rt)
    return rt


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


def _update_lifecycle(db: Database, rt: Runtime, now: datetime,
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


def _mutes(rt: Runtime, current: list[_Open], silences: list[Silence], now: datetime) -> _Mutes:
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


def _deliver_page(rt: Runtime, alert: Alert, page: Page, contacts: list[Contact],
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


def _escalate(db: Database, rt: Runtime, current: list[_Open], mutes: _Mutes, now: datetime,
              report: EvaluationReport, retry: RetryPolicy,
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


def _notify_groups(db: Database, rt: Runtime, current: list[_Open], resolved: list[Alert],
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


def evaluate_alerts(db: Database, settings: Settings | None, config: Any, now: datetime,
                    *, retry: RetryPolicy | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> EvaluationReport:
    """Run one evaluation cycle at `now` (the scheduler's clock); returns what it did."""
    del settings  # deployment settings are not needed yet; kept for the scheduler contract
    started = time.perf_counter()
    rt = runtime_for(config)
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
                 config: Any) -> Callable[[datetime], str]:
    """A scheduler job `job(now)` running `evaluate_alerts`; returns a one-line summary."""

    def job(now: datetime) -> str:
        """One evaluation cycle at the scheduler's `now`."""
        report = evaluate_alerts(db, settings, config, now)
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


def evaluation_interval_seconds(config: Any) -> float:
    """How often the scheduler should run `evaluate_alerts` (alerting.evaluation_interval)."""
    return max(1.0, alerting_config(config).evaluation_interval.total_seconds())


# --- operator actions ----------------------------------------------------------------------


def list_alerts(db: Database, states: Sequence[str] | None = None, limit: int = 100,
                before_id: int | None = None) -> list[Alert]:
    """Alerts newest first, optionally filtered by state."""
    with db.session() as s:
        return repo.list_alerts(s, states, limit, before_id)


def _change(db: Database, alert_id: int, now: datetime,
            action: Callable[[Alert], tuple[Alert, list[Event]]]) -> Alert:
    """Apply an operator action with optimistic retries against the evaluation loop."""
    for _ in range(5):
        with db.session() as s:
            stored = repo.get_alert(s, alert_id)
            if stored is None:
                raise AlertNotFound(f"no alert with id {alert_id}")
            new, events = action(stored.alert)
            if not events:
                return new
            if repo.update_alert(s, new, stored.version, now):
                repo.add_events(s, alert_id, events)
                return new
    raise RuntimeError(f"alert {alert_id} kept changing; try again")


def acknowledge_alert(db: Database, alert_id: int, who: str, now: datetime) -> Alert:
    """Acknowledge a firing alert: escalation stops (TransitionError if not firing)."""
    alert = _change(db, alert_id, now, lambda a: acknowledge(a, who, now))
    log_event("ALERT_ACKNOWLEDGED", "INFO", alert_id=alert_id, by=who)
    return alert


def resolve_alert(db: Database, alert_id: int, who: str, now: datetime) -> Alert:
    """Resolve an open alert by hand (it fires again if its condition still holds)."""
    alert = _change(db, alert_id, now, lambda a: resolve(a, who, now))
    log_event("ALERT_RESOLVED", "INFO", alert_id=alert_id, by=who)
    return alert


@dataclass
class Upcoming:
    """A page that will be sent if nobody acknowledges: when, which level, to whom."""

    due_at: datetime
    level: int
    cycle: int
    contacts: list[Contact]


@dataclass
class AlertDetail:
    """An alert with its escalation timeline, notification log and upcoming pages."""

    alert: Alert
    events: list[Event]
    notifications: list[repo.NotificationRecord]
    upcoming: list[Upcoming] = field(default_factory=list)


def upcoming_pages(config: Any, alert: Alert) -> list[Upcoming]:
    """Who will be paged when, if a firing alert stays unacknowledged (on-call at that time)."""
    cfg = alerting_config(config)
    policy = cfg.escalation_policies.get(alert.escalation.policy or "")
    if alert.state is not AlertState.FIRING or policy is None or alert.muted:
        return []
    return [Upcoming(p.due_at, p.level, p.cycle, resolve_targets(p.targets, cfg, p.due_at))
            for p in plan(policy, alert.escalation)]


def alert_detail(db: Database, alert_id: int, config: Any = None) -> AlertDetail:
    """One alert, its timeline, every notification that included it and the pages to come."""
    with db.session() as s:
        stored = repo.get_alert(s, alert_id)
        if stored is None:
            raise AlertNotFound(f"no alert with id {alert_id}")
        events = repo.events_of(s, alert_id)
        notes = repo.notifications_of(s, alert_id, stored.alert.active_at)
    upcoming = upcoming_pages(config, stored.alert) if config is not None else []
    return AlertDetail(stored.alert, events, notes, upcoming)


def create_silence(db: Database, matchers: Sequence[str], starts_at: datetime,
                   ends_at: datetime, created_by: str, comment: str, now: datetime) -> Silence:
    """Create a silence (ValueError for bad matchers, an empty list or an empty time range)."""
    parsed = parse_matchers(matchers)
    if not matchers:
        raise ValueError("a silence needs at least one matcher")
    if matches_all(parsed, {}):
        # As Alertmanager: such a silence would mute every alert, a likely typo.
        raise ValueError("at least one matcher must not match an empty or missing label "
                         "(this silence would mute every alert)")
    if ends_at <= starts_at:
        raise ValueError("a silence must end after it starts")
    if ends_at <= now:
        raise ValueError("a silence must end in the future")
    with db.session() as s:
        silence = repo.create_silence(s, matchers, starts_at, ends_at, created_by, comment, now)
    log_event("SILENCE_CREATED", "INFO", silence_id=silence.id, by=created_by,
              matchers=list(matchers), ends_at=ends_at.isoformat())
    return silence


def list_silences(db: Database, now: datetime, include_expired: bool = False) -> list[Silence]:
    """Pending and active silences (plus expired ones when asked)."""
    with db.session() as s:
        return repo.list_silences(s, now, include_expired)


def expire_silence(db: Database, silence_id: int, now: datetime) -> Silence:
    """End a silence now."""
    with db.session() as s:
        silence = repo.expire_silence(s, silence_id, now)
    if silence is None:
        raise AlertNotFound(f"no silence with id {silence_id}")
    return silence


@dataclass
class OnCallEntry:
    """Who is on call for a schedule now, how to reach them, and the next hand-off."""

    schedule: str
    description: str
    contacts: list[Contact]
    next_handoff: datetime | None


def on_call_now(config: Any, now: datetime) -> list[OnCallEntry]:
    """Every schedule's on-call people right now."""
    cfg = alerting_config(config)
    out = []
    for name, sched in cfg.schedules.items():
        users = on_call(sched, now)
        contacts = [Contact.of(u, cfg.people[u], f"schedule:{name}") for u in users]
        layer = active_layer(sched, now)
        nxt = next_handoff(layer, now) if layer is not None else None
        out.append(OnCallEntry(name, sched.description, contacts, nxt))
    return out


def test_receiver(config: Any, name: str, now: datetime, retry: RetryPolicy | None = None,
                  sleep: Callable[[float], None] = time.sleep) -> RetryOutcome:
    """Send a test notification through a configured receiver; returns the outcome."""
    rt = runtime_for(config)
    if name not in rt.senders:
        raise ReceiverNotFound(f"no receiver named {name!r}; configured: "
                               f"{', '.join(sorted(rt.senders)) or 'none'}")
    notice = Notice(0, "0000000000000000", "firing",
                    {"alertname": "VigilTestNotification", "severity": "info",
                     "priority": "P4"},
                    {"summary": "Test notification from `vigil notify test`",
                     "description": "If you can read this, the receiver works."},
                    now, None, "P4", rt.cfg.external_url)
    ctx = Context(name, "test", now, kind="test")
    run_pipeline([NotifyStage(rt.senders[name], retry or RetryPolicy(), sleep)], ctx, [notice])
    assert ctx.outcome is not None
    return ctx.outcome


# --- views shared by the API and the CLI ---------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def respond_by(priority: Priority, fired_at: datetime) -> datetime:
    """When a person must respond: the runbook's target, P4 on the next business day.

    P4 is "next business day": the same time (UTC) on the next Monday to Friday, so an
    informational alert raised on Friday evening is due on Monday, not on Saturday.
    """
    if priority is not Priority.P4:
        return fired_at + priority.response_target
    due = fired_at + timedelta(days=1)
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due


def alert_json(a: Alert) -> dict[str, Any]:
    """An alert as JSON-ready data (the API uses the same shape)."""
    iso = _iso
    return {
        "id": a.id, "fingerprint": a.fingerprint, "rule": a.rule, "state": a.state.value,
        "severity": a.severity.value, "priority": a.priority.value,
        "response_target_seconds": int(a.priority.response_target.total_seconds()),
        "respond_by": iso(respond_by(a.priority, a.fired_at)) if a.fired_at else None,
        "value": a.value, "labels": a.labels, "annotations": a.annotations,
        "active_at": iso(a.active_at), "fired_at": iso(a.fired_at),
        "acknowledged_at": iso(a.acknowledged_at), "acknowledged_by": a.acknowledged_by,
        "resolved_at": iso(a.resolved_at), "resolved_by": a.resolved_by,
        "escalation": {"policy": a.escalation.policy, "level": a.escalation.level,
                       "cycle": a.escalation.cycle, "next_at": iso(a.escalation.next_at),
                       "done": a.escalation.done},
    }


def silence_json(s: Silence, now: datetime) -> dict[str, Any]:
    """A silence as JSON-ready data."""
    return {"id": s.id, "matchers": [str(m) for m in s.matchers], "state": s.state(now),
            "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
            "created_by": s.created_by, "comment": s.comment}


def detail_json(detail: AlertDetail) -> dict[str, Any]:
    """An alert with its timeline and notification log as JSON-ready data."""
    return {
        "alert": alert_json(detail.alert),
        "timeline": [{"ts": e.at.isoformat(), "kind": e.kind, "detail": e.detail}
                     for e in detail.events],
        "notifications": [{"ts": n.ts.isoformat(), "kind": n.kind, "receiver": n.receiver,
                           "group_key": n.group_key, "status": n.status,
                           "attempts": n.attempts, "error": n.error}
                          for n in detail.notifications],
        "upcoming_pages": [{"due_at": u.due_at.isoformat(), "level": u.level, "cycle": u.cycle,
                            "contacts": [{"user": c.user, "name": c.name, "role": c.role,
                                          "phone": c.phone, "email": c.email}
                                         for c in u.contacts]} for u in detail.upcoming],
    }


def oncall_json(entries: Sequence[OnCallEntry]) -> list[dict[str, Any]]:
    """On-call entries as JSON-ready data."""
    return [{"schedule": e.schedule, "description": e.description,
             "on_call": [{"user": c.user, "name": c.name, "role": c.role, "email": c.email,
                          "phone": c.phone, "slack": c.slack} for c in e.contacts],
             "next_handoff": _iso(e.next_handoff)} for e in entries]
