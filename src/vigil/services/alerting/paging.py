"""Escalation: page the next level of unacknowledged firing alerts through the pipeline.

The escalation policy decides which page is due; the page then passes the same pipeline
as group notifications (mute → back-off → still unacknowledged → notify → record). A page
that could not be delivered does not move the escalation on: a later cycle retries it once
its back-off has passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime

from vigil.alerting.escalation import Page, advance, choose_policy, resume
from vigil.alerting.lifecycle import Alert, AlertState, Event
from vigil.alerting.muting import Mutes
from vigil.alerting.pipeline import Context, Notice, page_stages, run_pipeline
from vigil.alerting.retry import Backoff
from vigil.alerting.schedules import Contact, resolve_targets
from vigil.services.alerting.compiled import CompiledAlerting
from vigil.services.alerting.cycle_state import OPEN_FIRING, EvaluationReport, OpenAlert
from vigil.services.alerting.delivery import LogRecorder, notice_of
from vigil.services.notifiers.dispatch import Sender
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event

LOG_ONLY = "log"
"""The receiver name recorded for pages of a policy without a receiver (logged only)."""


def _unchanged(db: Database, item: OpenAlert) -> bool:
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


def _page_sender(alert: Alert, page: Page, policy: str, contacts: list[Contact],
                 sender: Sender | None) -> Sender:
    """Log the page (ALERT_PAGE), then deliver it through the policy's receiver, if any."""

    def send(ctx: Context, notices: Sequence[Notice]) -> None:
        """One attempt: log, then send (raises DeliveryError)."""
        log_event("ALERT_PAGE", "WARNING", alert_id=alert.id, alertname=alert.rule,
                  priority=alert.priority.value, policy=policy,
                  escalation_level=page.level, cycle=page.cycle,
                  contacts=[f"{c.name} <{c.phone}>" for c in contacts])
        if sender is not None:
            sender(ctx, notices)

    return send


def deliver_page(db: Database, compiled: CompiledAlerting, item: OpenAlert, page: Page,
                 policy_name: str, contacts: list[Contact], mutes: Mutes, now: datetime,
                 recorder: LogRecorder, backoff: Backoff, down: set[str]) -> str:
    """Run one page through the pipeline.

    Returns `sent`, `logged` (policy without receiver), `failed`, `held` (receiver down this
    cycle or still backing off) or `acknowledged` (the alert changed since it was read).
    """
    alert = item.alert
    policy = compiled.cfg.escalation_policies[policy_name]
    receiver = policy.receiver or LOG_ONLY
    key = f"page/{alert.id}/{page.cycle}/{page.level}"
    sender = compiled.senders[policy.receiver] if policy.receiver is not None else None
    failure = None  # a logged page cannot fail
    if sender is not None:
        with db.session() as s:
            _, failure = repo.last_delivery(s, receiver, key)
    extra: dict[str, object] = {"policy": policy_name, "level": page.level, "cycle": page.cycle,
                                "skipped_levels": page.skipped,
                                "contacts": [asdict(c) for c in contacts]}
    if policy.receiver is None:
        extra["logged_only"] = True
    ctx = Context(receiver, key, now, kind="page", last_failure=failure, extra=extra)
    held_by = down if sender is not None else ()  # a logged page has no receiver to be down
    stages = page_stages(mutes, backoff, held_by, lambda _n: _unchanged(db, item),
                         _page_sender(alert, page, policy_name, contacts, sender), recorder)
    run_pipeline(stages, ctx, [notice_of(alert, compiled.cfg.external_url)])
    if ctx.dropped.get(alert.fingerprint) == "acknowledged":
        return "acknowledged"
    if ctx.outcome is None:
        return "held"
    if ctx.outcome.ok:
        return "logged" if policy.receiver is None else "sent"
    down.add(receiver)
    return "failed"


def escalate(db: Database, compiled: CompiledAlerting, current: list[OpenAlert], mutes: Mutes,
             now: datetime, report: EvaluationReport, backoff: Backoff,
             down: set[str]) -> None:
    """Record mute changes; page the next level of unacknowledged, unmuted alerts.

    A muted alert does not escalate; when the mute ends, its current level gets its full
    acknowledgement timeout again, and an alert that never paged starts at level 0.
    """
    cfg = compiled.cfg
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
        recorder = LogRecorder()
        status = ""
        contacts: list[Contact] = []
        if page is not None and name is not None:
            contacts = resolve_targets(page.targets, cfg, now)
            status = deliver_page(db, compiled, item, page, name, contacts, mutes, now,
                                  recorder, backoff, down)
            if status == "acknowledged":
                continue  # acknowledged or resolved meanwhile: page nobody
            if status in ("failed", "held"):
                updated = replace(updated, escalation=alert.escalation)  # a later cycle retries
            if status == "held":
                page = None
                if updated == alert:
                    continue
            elif status == "failed" and _same_failed_page(db, alert, name, page):
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
