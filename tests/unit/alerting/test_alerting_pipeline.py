"""Each notification stage alone, then the whole pipeline; inhibition, silences, lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from vigil.alerting.config import AlertingConfig
from vigil.alerting.inhibition import InhibitRule, inhibited
from vigil.alerting.lifecycle import (
    AlertState,
    TransitionError,
    acknowledge,
    new_alert,
    observe,
    resolve,
)
from vigil.alerting.matchers import parse_matchers
from vigil.alerting.muting import Mutes
from vigil.alerting.pipeline import (
    Context,
    DedupStage,
    Failure,
    LogEntry,
    MuteStage,
    Notice,
    WaitStage,
    group_stages,
    run_pipeline,
)
from vigil.alerting.retry import Backoff, DeliveryError
from vigil.alerting.silences import (
    MaintenanceWindow,
    Silence,
    WeeklyInterval,
    in_maintenance,
    silenced_by,
)
from vigil.core.types import Priority, Severity

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def notice(fp: str, status: str = "firing", age_s: int = 60) -> Notice:
    return Notice(1, fp, status, {"alertname": fp}, {}, NOW - timedelta(seconds=age_s),
                  None if status == "firing" else NOW, "P3")


def test_wait_holds_new_group_until_group_wait() -> None:
    ctx = Context("r", "g", NOW, group_wait=timedelta(seconds=30))
    assert WaitStage().process(ctx, [notice("a", age_s=10)]) == []
    assert len(WaitStage().process(ctx, [notice("a", age_s=40)])) == 1
    ctx.last = LogEntry(NOW, frozenset({"x"}))
    assert len(WaitStage().process(ctx, [notice("a", age_s=1)])) == 1
    ctx.last = LogEntry(NOW, frozenset())  # last notice resolved everything: a new group
    assert WaitStage().process(ctx, [notice("a", age_s=1)]) == []


def test_dedup_against_log() -> None:
    last = LogEntry(NOW - timedelta(minutes=5), frozenset({"a"}))
    ctx = Context("r", "g", NOW, repeat_interval=timedelta(hours=4), last=last)
    assert DedupStage().process(ctx, [notice("a")]) == []               # nothing new
    assert len(DedupStage().process(ctx, [notice("a"), notice("b")])) == 2  # b is new
    assert len(DedupStage().process(ctx, [notice("a", "resolved")])) == 1   # a resolved
    assert DedupStage().process(ctx, [notice("z", "resolved")]) == []   # never told about z
    ctx.now = NOW + timedelta(hours=4)
    assert len(DedupStage().process(ctx, [notice("a")])) == 1           # repeat interval


def test_dedup_batches_changes_per_group_interval() -> None:
    last = LogEntry(NOW - timedelta(minutes=2), frozenset({"a"}))
    ctx = Context("r", "g", NOW, group_interval=timedelta(minutes=5), last=last)
    assert DedupStage().process(ctx, [notice("a"), notice("b")]) == []  # b waits
    ctx.now = NOW + timedelta(minutes=3)
    assert len(DedupStage().process(ctx, [notice("a"), notice("b")])) == 2


def test_mute_stage_drops_only_firing() -> None:
    ctx = Context("r", "g", NOW)
    out = MuteStage(Mutes(inhibited={"a": "src"})).process(ctx, [notice("a"), notice("b"),
                                                                 notice("a", "resolved")])
    assert [(n.fingerprint, n.status) for n in out] == [("b", "firing"), ("a", "resolved")]
    assert ctx.dropped == {"a": "inhibited"}
    assert MuteStage(Mutes(silenced={"b": [1]})).process(ctx, [notice("b")]) == []


def test_group_pipeline_records_a_failure_and_retries_it_after_the_back_off() -> None:
    calls: list[int] = []
    recorded: list[tuple[bool, int]] = []

    def flaky(ctx: Context, notices: Sequence[Notice]) -> None:
        calls.append(len(notices))
        if len(calls) < 3:
            raise DeliveryError("HTTP 500")

    def record(ctx: Context, notices: Sequence[Notice]) -> None:
        assert ctx.outcome is not None
        recorded.append((ctx.outcome.ok, ctx.outcome.attempts))

    backoff = Backoff(initial=timedelta(seconds=10), factor=2.0)
    failure: Failure | None = None
    for second in (0, 5, 10, 25, 30):  # one pipeline run per evaluation cycle
        ctx = Context("r", "g", NOW + timedelta(seconds=second), last_failure=failure)
        run_pipeline(group_stages(Mutes(), backoff, (), flaky, record), ctx, [notice("a")])
        if ctx.outcome is not None and not ctx.outcome.ok:
            failure = Failure(ctx.now, ctx.outcome.attempts)
    # Attempts at 0 s (fails), 10 s (fails, next after 20 s more), 30 s (sent): one each.
    assert calls == [1, 1, 1]
    assert recorded == [(False, 1), (False, 2), (True, 3)]


def test_inhibition_critical_mutes_warning_on_same_series_and_down_mutes_symptoms() -> None:
    cfg = AlertingConfig.model_validate({})
    rules = [InhibitRule.from_config(r) for r in cfg.inhibit_rules or []]
    firing = {
        "w": {"alertname": "HighCpuUsage", "severity": "warning", "series": "cpu{h=a}"},
        "c": {"alertname": "HighCpuUsage", "severity": "critical", "series": "cpu{h=a}"},
        "w2": {"alertname": "HighCpuUsage", "severity": "warning", "series": "cpu{h=b}"},
        "down": {"alertname": "ServiceDown", "severity": "critical", "instance": "x",
                 "category": "availability", "series": "up"},
        "lat": {"alertname": "SlowResponses", "severity": "warning", "instance": "x",
                "category": "performance", "series": "rt"},
    }
    assert inhibited(rules, firing) == {"w": "c", "lat": "down"}


def test_open_criticals_and_service_down_do_not_mute_a_new_critical_vulnerability() -> None:
    # The default inhibit rules (Alertmanager's too): CriticalVulnerabilityFound and
    # NewCriticalVulnerability are both critical with different alertnames, and ServiceDown
    # spares the vulnerability category, so a new critical is never muted by them.
    cfg = AlertingConfig.model_validate({})
    rules = [InhibitRule.from_config(r) for r in cfg.inhibit_rules or []]
    vigil = {"job": "vigil", "instance": "vigil-0", "category": "vulnerability",
             "severity": "critical"}
    firing = {
        "open": {**vigil, "alertname": "CriticalVulnerabilityFound",
                 "series": 'security_critical_findings{instance="vigil-0",job="vigil"}'},
        "new": {**vigil, "alertname": "NewCriticalVulnerability",
                "series": 'security_new_critical_findings{instance="vigil-0",job="vigil"}'},
        "down": {"alertname": "ServiceDown", "severity": "critical", "instance": "vigil-0",
                 "category": "availability", "series": "up"},
    }
    assert inhibited(rules, firing) == {}
    # The same check mutes a warning of the same alertname on that series (not vacuous).
    firing["new-warning"] = {**firing["new"], "severity": "warning"}
    assert inhibited(rules, firing) == {"new-warning": "new"}


def test_silences_and_maintenance() -> None:
    sil = Silence(7, parse_matchers(['alertname="X"']), NOW, NOW + timedelta(hours=1), "op", "")
    assert silenced_by([sil], {"alertname": "X"}, NOW) == [7]
    assert silenced_by([sil], {"alertname": "X"}, NOW + timedelta(hours=1)) == []
    assert sil.state(NOW - timedelta(seconds=1)) == "pending"
    win = MaintenanceWindow("db", parse_matchers(['service="db"']), NOW, NOW + timedelta(hours=2))
    assert in_maintenance([win], {"service": "db"}, NOW + timedelta(hours=1)) == ["db"]
    assert in_maintenance([win], {"service": "api"}, NOW) == []


def test_lifecycle_pending_firing_ack_resolve() -> None:
    five = timedelta(minutes=5)
    alert, ev = new_alert("fp", "R", {}, {}, Severity.WARNING, Priority.P3, 1.0, five, NOW)
    assert alert.state is AlertState.PENDING and [e.kind for e in ev] == ["pending"]
    with pytest.raises(TransitionError):
        acknowledge(alert, "op", NOW)
    alert, ev = observe(alert, True, 2.0, five, NOW + timedelta(minutes=4))
    assert alert.state is AlertState.PENDING and ev == []
    alert, ev = observe(alert, True, 3.0, five, NOW + five)
    assert alert.state is AlertState.FIRING and alert.fired_at == NOW + five
    alert, ev = acknowledge(alert, "op", NOW + timedelta(minutes=6))
    assert alert.state is AlertState.ACKNOWLEDGED and alert.escalation.done
    alert, ev = observe(alert, False, None, five, NOW + timedelta(minutes=7))
    assert alert.state is AlertState.RESOLVED and alert.resolved_by == "auto"
    with pytest.raises(TransitionError):
        resolve(alert, "op", NOW + timedelta(minutes=8))
    pend, _ = new_alert("fp2", "R", {}, {}, Severity.WARNING, Priority.P3, 1.0, five, NOW)
    gone, ev = observe(pend, False, None, five, NOW + timedelta(minutes=1))
    assert gone.state is AlertState.RESOLVED and gone.fired_at is None
    assert [e.kind for e in ev] == ["cleared"]


def test_weekly_maintenance_wraps_midnight() -> None:
    weekly = WeeklyInterval.parse(["sat"], "22:00", "02:00")
    win = MaintenanceWindow("backups", (), None, None, weekly=weekly)
    sat = datetime(2026, 11, 28, tzinfo=UTC)  # a Saturday
    assert win.mutes({}, sat.replace(hour=23))
    assert win.mutes({}, sat.replace(hour=1) + timedelta(days=1))  # Sunday 01:00
    assert not win.mutes({}, sat.replace(hour=21, minute=59))
    assert not win.mutes({}, sat.replace(hour=1))  # Saturday 01:00: Friday is not listed
    cfg = AlertingConfig.model_validate({"maintenance_windows": [
        {"name": "w", "weekly": {"weekdays": ["Saturday"], "start_time": "22:00",
                                 "end_time": "02:00"}}]})
    assert cfg.maintenance_windows[0].weekly is not None
    with pytest.raises(ValueError, match="needs start and end"):
        AlertingConfig.model_validate({"maintenance_windows": [{"name": "x"}]})
