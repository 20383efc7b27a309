"""The first phase of a cycle: evaluate the rules and advance every alert's life cycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from vigil.alerting.lifecycle import Alert, Event, new_alert, observe
from vigil.alerting.rules import Observation, SeriesTable
from vigil.alerting.silences import Silence
from vigil.core.types import Priority
from vigil.services.alerting.compiled import CompiledAlerting
from vigil.services.alerting.cycle_state import OPEN_FIRING, EvaluationReport, OpenAlert
from vigil.services.predictions_alerts import breach_observations
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database
from vigil.telemetry.logging import log_event

RESOLVED_NOTICE_WINDOW = timedelta(hours=1)
"""How long after resolving an alert its resolved notice may still be sent."""


def _log_transitions(alert: Alert, events: Sequence[Event]) -> None:
    for ev in events:
        if ev.kind in ("firing", "resolved"):
            log_event(f"ALERT_{ev.kind.upper()}", "WARNING" if ev.kind == "firing" else "INFO",
                      alert_id=alert.id, alertname=alert.rule, priority=alert.priority.value,
                      severity=alert.severity.value, fingerprint=alert.fingerprint,
                      series=alert.labels.get("series", ""), value=alert.value)


def _no_data_observation(rt: CompiledAlerting, alert: Alert) -> Observation | None:
    """What a firing threshold alert whose series sent nothing fresh observes this cycle.

    None resolves it (the old behaviour, and the `resolve` policy); otherwise it stays
    firing with its last value: `keep_firing` (the default of P1 rules, so a page does not
    clear itself when the reporter dies with the service) or `alerting`, which also
    marks it `no_data` in its annotations.
    """
    rule = next((r.cfg for r in rt.rules.threshold if r.cfg.name == alert.rule), None)
    if rule is None or alert.state not in OPEN_FIRING:
        return None
    policy = rule.no_data or ("keep_firing" if alert.priority is Priority.P1 else "resolve")
    if policy == "resolve":
        return None
    annotations = dict(alert.annotations)
    if policy == "alerting":
        annotations["no_data"] = "the series sent no samples; the condition cannot be checked"
    return Observation(alert.rule, alert.severity, rule.for_, alert.labels, annotations,
                       alert.value, 0, alert.fingerprint)


def update_lifecycle(db: Database, rt: CompiledAlerting, now: datetime, report: EvaluationReport,
                     ) -> tuple[list[OpenAlert], list[Alert], list[Silence]]:
    """Evaluate the rules and move every alert along its life cycle (one transaction).

    Returns the open alerts, the recently resolved ones (their resolution may still be
    owed to a receiver) and the silences active now.
    """
    cfg = rt.cfg
    with db.session() as s:
        since_ts = now.timestamp() - max(cfg.stale_after, cfg.no_data_horizon).total_seconds()
        samples = repo.latest_samples(s, rt.rules.metrics, since_ts, rt.series)
        signals = []
        if rt.rules.anomaly:
            lookback = max(r.cfg.lookback for r in rt.rules.anomaly)
            signals = repo.anomaly_signals(s, now - lookback)
        report.series = len(samples)
        table = SeriesTable(samples)
        observations = rt.rules.evaluate(table, signals, now, cfg.stale_after)
        if cfg.no_data_horizon > timedelta(0):
            observations.update(rt.rules.no_data(table, now, cfg.stale_after))
        reporting = rt.rules.reporting(table, now, cfg.stale_after)
        observations.update(breach_observations(s, now))  # proactive alerts (forecasting)
        report.observations = len(observations)
        current: list[OpenAlert] = []
        refreshed: list[Alert] = []
        for stored in repo.open_alerts(s):
            old = stored.alert
            obs = observations.pop(old.fingerprint, None)
            if obs is None and old.fingerprint not in reporting:
                obs = _no_data_observation(rt, old)
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
                current.append(OpenAlert(new, version))
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
            current.append(OpenAlert(alert, 0))
        repo.add_many_events(s, pairs)
        report.new += len(stored_new)
        open_fps = {o.alert.fingerprint for o in current}
        resolved = [a for a in repo.recently_resolved(s, now - RESOLVED_NOTICE_WINDOW)
                    if a.fingerprint not in open_fps]
        silences = repo.active_silences(s, now)
    report.firing = sum(1 for o in current if o.alert.state in OPEN_FIRING)
    return current, resolved, silences
