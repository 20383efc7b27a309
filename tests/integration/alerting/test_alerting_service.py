"""The evaluation loop against a real database and real local receivers, as timelines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from vigil.alerting.config import AlertingConfig
from vigil.alerting.lifecycle import AlertState, TransitionError
from vigil.alerting.retry import Backoff
from vigil.config import Settings
from vigil.services import alerting as svc
from vigil.services.alerting import evaluation, lifecycle, paging
from vigil.storage import alerting_repo as repo
from vigil.storage.database import Database, open_database
from vigil.storage.models import AnomalyRow, SampleRow, SeriesRow
from vigil.storage.models_alerting import NotificationRow

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
NO_WAIT = Backoff(initial=timedelta(0))  # a failed delivery is retried on the next cycle


def add_series(db: Database, name: str, **labels: str) -> int:
    key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    with db.session() as s:
        row = SeriesRow(name=name, labels_key=key, labels=labels, created_at=T0)
        s.add(row)
        s.flush()
        return row.id


def put(db: Database, series_id: int, at: datetime, value: float) -> None:
    with db.session() as s:
        s.add(SampleRow(series_id=series_id, ts=at.timestamp(), value=value))


def evaluate(db: Database, cfg: AlertingConfig, at: datetime) -> svc.EvaluationReport:
    return svc.evaluate_alerts(db, Settings(), cfg, at, backoff=NO_WAIT)


def config(url: str, **extra: Any) -> AlertingConfig:
    data: dict[str, Any] = {
        "receivers": {"hook": {"type": "webhook", "url": url},
                      "pager": {"type": "webhook", "url": url + "/page"}},
        "routes": [{"receiver": "hook", "group_by": ["alertname"], "group_wait": "0s",
                    "repeat_interval": "4h"}],
    }
    data.update(extra)
    cfg = AlertingConfig.model_validate(data)
    for policy in cfg.escalation_policies.values():
        policy.receiver = "pager"
    return cfg


def pages(rx: Any) -> list[tuple[int, list[str]]]:
    return [(body["escalation"]["level"], [c["user"] for c in body["contacts"]])
            for path, body in rx.requests if path == "/page"]


def groups(rx: Any) -> list[list[tuple[str, str]]]:
    return [[(a["labels"]["alertname"], a["status"]) for a in body["alerts"]]
            for path, body in rx.requests if path != "/page"]


def test_threshold_alert_timeline_with_escalation_and_ack(db: Database,
                                                          receiver_factory: Any) -> None:
    cpu = add_series(db, "cpu_usage_percent", host="web-1")
    with receiver_factory([500]) as rx:
        cfg = config(rx.url)
        t = T0
        # 85% for 5 minutes: pending, then firing (warning, P3) after `for: 5m`.
        while t <= T0 + timedelta(minutes=5):
            put(db, cpu, t, 85.0)
            evaluate(db, cfg, t)
            t += timedelta(seconds=30)
        [alert] = svc.list_alerts(db, ["firing"])
        assert alert.priority.value == "P3" and alert.fired_at == T0 + timedelta(minutes=5)
        # One group notification; the page hit the 500: it is recorded as failed and the
        # next cycle (the cycle never sleeps) retries and delivers it.
        assert groups(rx) == [[("HighCpuUsage", "firing")]]
        assert pages(rx) == []
        put(db, cpu, t, 85.0)
        evaluate(db, cfg, t)
        t += timedelta(seconds=30)
        assert pages(rx) == [(0, ["alice"])]  # primary schedule: alice's week (from Nov 23)
        # Nobody acknowledges for 20 minutes: level 1 (Senior Platform Engineer) is paged.
        while t <= T0 + timedelta(minutes=25):
            put(db, cpu, t, 86.0)
            evaluate(db, cfg, t)
            t += timedelta(seconds=30)
        assert pages(rx) == [(0, ["alice"]), (1, ["carol"])]
        assert alert.id is not None
        upcoming = svc.alert_detail(db, alert.id, cfg).upcoming
        # Level 0 was paged 30 s late (its retry), so each level's timeout counts from then.
        late = timedelta(seconds=30)
        assert [(u.due_at - T0 - late, u.level, [c.user for c in u.contacts])
                for u in upcoming[:3]] == [
            (timedelta(minutes=50), 2, ["dave"]), (timedelta(minutes=110), 3, ["erin"]),
            (timedelta(minutes=230), 0, ["alice"])]
        svc.acknowledge_alert(db, alert.id, "carol", t)
        while t <= T0 + timedelta(hours=3):
            put(db, cpu, t, 86.0)
            evaluate(db, cfg, t)
            t += timedelta(minutes=1)
        assert len(pages(rx)) == 2  # acknowledged: no more pages
        assert groups(rx) == [[("HighCpuUsage", "firing")]]  # deduplicated
        # Recovery: resolved automatically and one resolved notification.
        put(db, cpu, t, 40.0)
        evaluate(db, cfg, t)
        assert groups(rx)[-1] == [("HighCpuUsage", "resolved")]
        detail = svc.alert_detail(db, alert.id)
        assert detail.alert.state is AlertState.RESOLVED
        assert detail.alert.acknowledged_by == "carol"
        assert [e.kind for e in detail.events] == ["pending", "firing", "page", "page", "page",
                                                   "acknowledged", "resolved"]
        assert [e.detail["status"] for e in detail.events if e.kind == "page"] == [
            "failed", "sent", "sent"]
        statuses = [(n.kind, n.status, n.attempts) for n in detail.notifications]
        # The first delivery (the level-0 page) hit the 500 and succeeded on its second
        # attempt, in the next cycle.
        assert statuses == [("page", "failed", 1), ("group", "sent", 1), ("page", "sent", 2),
                            ("page", "sent", 1), ("group", "sent", 1)]


def test_restart_mid_escalation_sends_no_duplicate(db_url: str,
                                                   receiver_factory: Any) -> None:
    first = open_database(Settings(database_url=db_url))
    sid = add_series(first, "security_threats_detected")
    with receiver_factory() as rx:
        cfg = config(rx.url)
        put(first, sid, T0, 3.0)
        evaluate(first, cfg, T0)  # critical security: P1, pages security + EM at once
        put(first, sid, T0 + timedelta(minutes=5), 3.0)
        evaluate(first, cfg, T0 + timedelta(minutes=5))
        first.dispose()
        # "Restart": a new engine and a freshly parsed configuration object.
        second = open_database(Settings(database_url=db_url))
        cfg2 = config(rx.url)
        for minute in (6, 10, 14):
            put(second, sid, T0 + timedelta(minutes=minute), 3.0)
            evaluate(second, cfg2, T0 + timedelta(minutes=minute))
        assert pages(rx) == [(0, ["heidi", "erin"])]
        assert len(groups(rx)) == 1
        put(second, sid, T0 + timedelta(minutes=15), 3.0)
        evaluate(second, cfg2, T0 + timedelta(minutes=15))
        assert pages(rx)[-1] == (1, ["heidi", "erin", "dave"])
        [alert] = svc.list_alerts(second, ["firing"])
        assert alert.priority.value == "P1" and alert.escalation.level == 1
        second.dispose()


def test_ack_survives_restart(db_url: str, receiver_factory: Any) -> None:
    one = open_database(Settings(database_url=db_url))
    sid = add_series(one, "vulnerability_scan_failures")
    with receiver_factory() as rx:
        cfg = config(rx.url)
        put(one, sid, T0, 1.0)
        evaluate(one, cfg, T0)
        [alert] = svc.list_alerts(one, ["firing"])
        assert alert.id is not None
        svc.acknowledge_alert(one, alert.id, "heidi", T0 + timedelta(minutes=1))
        one.dispose()
        two = open_database(Settings(database_url=db_url))
        for minute in range(2, 60, 5):
            put(two, sid, T0 + timedelta(minutes=minute), 1.0)
            evaluate(two, config(rx.url), T0 + timedelta(minutes=minute))
        [again] = svc.list_alerts(two, ["acknowledged"])
        assert again.acknowledged_by == "heidi" and len(pages(rx)) == 1
        # Acknowledging again is a no-op that keeps the first acknowledgement.
        same = svc.acknowledge_alert(two, alert.id, "someone-else", T0 + timedelta(hours=1))
        assert same.acknowledged_by == "heidi"
        two.dispose()


def test_silence_inhibition_and_maintenance(db: Database, receiver_factory: Any) -> None:
    warm = add_series(db, "memory_usage_percent", host="a")
    other = add_series(db, "memory_usage_percent", host="b")
    with receiver_factory() as rx:
        cfg = config(rx.url, routes=[{"receiver": "hook", "group_by": ["series"],
                                      "group_wait": "0s"}],
                     rules=[{"name": "HighMemoryUsage", "metric": "memory_usage_percent",
                             "threshold": 85, "severity": "warning", "for": "0s"},
                            {"name": "HighMemoryUsage", "metric": "memory_usage_percent",
                             "threshold": 95, "severity": "critical", "for": "0s"}],
                     maintenance_windows=[{"name": "patching", "matchers": ['host="b"'],
                                           "start": T0.isoformat(),
                                           "end": (T0 + timedelta(hours=1)).isoformat()}])
        # host a at 97%: critical and warning fire; the critical inhibits the warning.
        put(db, warm, T0, 97.0)
        put(db, other, T0, 99.0)  # host b is in maintenance: nothing is sent for it
        svc.create_silence(db, ['severity="critical"', 'host="a"'], T0,
                           T0 + timedelta(minutes=30), "op", "known issue", T0)
        evaluate(db, cfg, T0)
        assert rx.requests == []  # critical silenced, warning inhibited, b in maintenance
        assert len(svc.list_alerts(db, ["firing"])) == 4
        [sil] = svc.list_silences(db, T0)
        svc.expire_silence(db, sil.id, T0 + timedelta(minutes=1))
        put(db, warm, T0 + timedelta(minutes=1), 97.0)
        put(db, other, T0 + timedelta(minutes=1), 99.0)
        evaluate(db, cfg, T0 + timedelta(minutes=1))
        sent = [a for g in groups(rx) for a in g]
        assert sent == [("HighMemoryUsage", "firing")]
        assert rx.requests[0][1]["alerts"][0]["labels"]["severity"] == "critical"
        assert svc.list_silences(db, T0 + timedelta(minutes=2)) == []


def test_anomaly_rule_reads_detections(db: Database, receiver_factory: Any) -> None:
    sid = add_series(db, "request_rate", service="api")
    with db.session() as s:
        s.add(AnomalyRow(series_id=sid, timestamp=T0 - timedelta(minutes=2), value=900.0,
                         score=0.98, severity="critical", detector="ensemble",
                         model_version="1", status="open", created_at=T0))
    with receiver_factory() as rx:
        report = evaluate(db, config(rx.url), T0)
        assert report.new == 1
        [alert] = svc.list_alerts(db, ["firing"])
        assert alert.rule == "AnomalyDetected" and alert.value == pytest.approx(0.98)
        assert alert.labels["series"] == 'request_rate{service="api"}'
        evaluate(db, config(rx.url), T0 + timedelta(minutes=20))  # outside the look-back
        assert svc.list_alerts(db, ["firing"]) == []


def test_alertmanager_receiver_resends_and_ends(db: Database, receiver_factory: Any) -> None:
    sid = add_series(db, "error_rate", service="api")
    with receiver_factory() as rx:
        cfg = AlertingConfig.model_validate({
            "receivers": {"am": {"type": "alertmanager", "url": rx.url}},
            "routes": [{"receiver": "am", "group_wait": "0s", "group_interval": "0s",
                        "repeat_interval": "1m"}],
            "rules": [{"name": "HighErrorRate", "metric": "error_rate", "threshold": 0.05,
                       "for": "0s", "severity": "warning"},
                      {"name": "HighErrorRate", "metric": "error_rate", "threshold": 0.10,
                       "for": "0s", "severity": "critical"}]})
        for sec in range(0, 150, 30):
            put(db, sid, T0 + timedelta(seconds=sec), 0.07)
            evaluate(db, cfg, T0 + timedelta(seconds=sec))
        put(db, sid, T0 + timedelta(seconds=150), 0.01)
        evaluate(db, cfg, T0 + timedelta(seconds=150))
        assert all(path == "/api/v2/alerts" for path, _ in rx.requests)
        bodies = [body for _, body in rx.requests]
        assert len(bodies) == 4  # t=0, re-sent at 60 s and 120 s, then resolved at 150 s
        assert all("endsAt" not in b[0] for b in bodies[:3])
        assert bodies[3][0]["endsAt"] == "2026-11-26T10:02:30Z"
        assert bodies[0][0]["labels"]["priority"] == "P3"
        assert bodies[0][0]["generatorURL"].endswith("/api/v1/alerts/1")


def test_failed_delivery_is_logged_and_retried_next_cycle(db: Database,
                                                          receiver_factory: Any) -> None:
    sid = add_series(db, "data_quality_score")
    with receiver_factory([500]) as rx:
        cfg = config(rx.url, escalation_routes=[],  # no pages: only the group notification
                     rules=[{"name": "LowDataQuality", "metric": "data_quality_score",
                             "op": "<", "threshold": 0.9, "for": "0s"}])
        put(db, sid, T0, 0.5)
        report = evaluate(db, cfg, T0)
        assert report.notifications_failed == 1 and rx.attempts == 1  # no retry in the cycle
        put(db, sid, T0 + timedelta(seconds=30), 0.5)
        report = evaluate(db, cfg, T0 + timedelta(seconds=30))
        assert report.notifications_sent == 1
    with db.session() as s:
        log = [(n.status, n.attempts) for n in s.scalars(
            select(NotificationRow).where(NotificationRow.kind == "group")
            .order_by(NotificationRow.id))]
    assert log == [("failed", 1), ("sent", 2)]


def test_a_failed_delivery_waits_for_its_back_off(db: Database, receiver_factory: Any) -> None:
    """Attempts are spaced by the back-off over later cycles (60 s, then 120 s), not retried
    in a burst, and the notification log counts the attempts in a row."""
    sid = add_series(db, "data_quality_score")
    backoff = Backoff(initial=timedelta(seconds=60), factor=2.0)
    with receiver_factory([500, 500]) as rx:
        cfg = config(rx.url, escalation_routes=[],
                     rules=[{"name": "LowDataQuality", "metric": "data_quality_score",
                             "op": "<", "threshold": 0.9, "for": "0s"}])
        attempts = []
        for sec in range(0, 210, 30):
            put(db, sid, T0 + timedelta(seconds=sec), 0.5)
            svc.evaluate_alerts(db, Settings(), cfg, T0 + timedelta(seconds=sec), backoff=backoff)
            attempts.append(rx.attempts)
        # Tried at 0 s (fails), 60 s (fails), then held until 60 + 120 = 180 s (sent).
        assert attempts == [1, 1, 2, 2, 2, 2, 3]
        assert groups(rx) == [[("LowDataQuality", "firing")]]
    with db.session() as s:
        log = [(n.status, n.attempts) for n in s.scalars(
            select(NotificationRow).order_by(NotificationRow.id))]
    assert log == [("failed", 1), ("failed", 2), ("sent", 3)]


def test_email_receiver_over_smtp(db: Database, smtp_server: Any) -> None:
    sid = add_series(db, "authentication_failure_rate")
    cfg = AlertingConfig.model_validate({
        "receivers": {"mail": {"type": "email", "smtp_host": smtp_server.host,
                               "smtp_port": smtp_server.port, "from_addr": "vigil@example.com",
                               "to": ["oncall@example.com"]}},
        "routes": [{"receiver": "mail", "group_wait": "0s"}],
        "escalation_policies": {"security_team": {"receiver": "mail", "levels": [
            {"targets": ["schedule:security", "user:erin"], "timeout": "15m"}]}}})
    put(db, sid, T0, 0.2)
    svc.evaluate_alerts(db, Settings(), cfg, T0 - timedelta(minutes=5), backoff=NO_WAIT)
    evaluate(db, cfg, T0)
    subjects = sorted(str(m["Subject"]) for _, _, m in smtp_server.messages)
    assert subjects == ["[FIRING:1] [P3] HighAuthenticationFailureRate",
                        "[PAGE] [FIRING:1] [P3] HighAuthenticationFailureRate"]
    assert all(rcpts == ["oncall@example.com"] for _, rcpts, _ in smtp_server.messages)
    page = next(m for _, _, m in smtp_server.messages if "PAGE" in str(m["Subject"]))
    body = page.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert b"Erin Example (Engineering Manager, +1-555-0104)" in body


def test_operator_actions(db: Database) -> None:
    sid = add_series(db, "up", instance="api-1")
    cfg = AlertingConfig.model_validate({})
    put(db, sid, T0, 0.0)
    evaluate(db, cfg, T0)
    [pending] = svc.list_alerts(db)
    assert pending.state is AlertState.PENDING and pending.id is not None
    with pytest.raises(TransitionError):
        svc.acknowledge_alert(db, pending.id, "op", T0)
    with pytest.raises(svc.AlertNotFound):
        svc.acknowledge_alert(db, 424242, "op", T0)
    put(db, sid, T0 + timedelta(minutes=1), 0.0)
    evaluate(db, cfg, T0 + timedelta(minutes=1))
    fired = svc.list_alerts(db, ["firing"])[0]
    assert fired.priority.value == "P1"  # system down
    done = svc.resolve_alert(db, pending.id, "op", T0 + timedelta(minutes=2))
    assert done.state is AlertState.RESOLVED and done.resolved_by == "op"
    with pytest.raises(ValueError):
        svc.create_silence(db, [], T0, T0 + timedelta(hours=1), "op", "", T0)
    with pytest.raises(ValueError):
        svc.create_silence(db, ['a="b"'], T0, T0 - timedelta(hours=1), "op", "", T0)


def test_scheduler_job_factory(db: Database) -> None:
    sid = add_series(db, "up", instance="api-1")
    put(db, sid, T0, 0.0)
    cfg = AlertingConfig.model_validate({"evaluation_interval": "15s"})
    job = svc.alerting_job(db, Settings(), cfg)
    assert job(T0).startswith("1 series, 0 firing, 1 new")
    put(db, sid, T0 + timedelta(minutes=1), 0.0)
    assert "1 firing" in job(T0 + timedelta(minutes=1))
    assert svc.evaluation_interval_seconds(cfg) == 15.0


def test_silence_pauses_escalation_and_resumes_with_full_timeout(
        db: Database, receiver_factory: Any) -> None:
    sid = add_series(db, "security_threats_detected", instance="gw-1")
    with receiver_factory() as rx:
        cfg = config(rx.url)

        def at(minute: int) -> None:
            put(db, sid, T0 + timedelta(minutes=minute), 1.0)
            evaluate(db, cfg, T0 + timedelta(minutes=minute))

        at(0)
        assert [lvl for lvl, _ in pages(rx)] == [0]
        sil = svc.create_silence(db, ['instance="gw-1"'], T0 + timedelta(minutes=5),
                                 T0 + timedelta(hours=2), "op", "investigating",
                                 T0 + timedelta(minutes=5))
        for minute in range(5, 70, 5):
            at(minute)
        assert [lvl for lvl, _ in pages(rx)] == [0]  # level 1 was due at 15: muted
        svc.expire_silence(db, sil.id, T0 + timedelta(minutes=70))
        at(71)
        at(85)
        assert [lvl for lvl, _ in pages(rx)] == [0]  # full 15 min again from the unmute
        at(86)
        assert [lvl for lvl, _ in pages(rx)] == [0, 1]
        [alert] = svc.list_alerts(db, ["firing"])
        assert alert.id is not None
        kinds = [e.kind for e in svc.alert_detail(db, alert.id).events]
        assert kinds == ["pending", "firing", "page", "muted", "unmuted", "page"]


def test_ack_during_a_cycle_wins_over_the_page(db: Database, receiver_factory: Any) -> None:
    """An operator acknowledges between the cycle's read and its page: nobody is paged."""
    sid = add_series(db, "up", instance="api-1")
    with receiver_factory() as rx:
        cfg = config(rx.url, rules=[{"name": "ServiceDown", "metric": "up", "op": "<",
                                     "threshold": 1, "severity": "critical", "for": "0s",
                                     "labels": {"category": "availability"}}])
        put(db, sid, T0, 0.0)
        rt = svc.compiled_alerting(cfg)
        report = svc.EvaluationReport()
        current, _, silences = lifecycle.update_lifecycle(db, rt, T0, report)
        [item] = current
        assert item.alert.id is not None
        svc.acknowledge_alert(db, item.alert.id, "op", T0)  # lands mid-cycle
        mutes = evaluation.cycle_mutes(rt, current, silences, T0)
        paging.escalate(db, rt, current, mutes, T0, report, NO_WAIT, set())
        assert pages(rx) == [] and report.pages == 0
        [alert] = svc.list_alerts(db, ["acknowledged"])
        assert alert.acknowledged_by == "op"


def test_rule_label_sets_priority(db: Database) -> None:
    sid = add_series(db, "queue_depth")
    cfg = AlertingConfig.model_validate({"rules": [
        {"name": "QueueBacklog", "metric": "queue_depth", "threshold": 100, "for": "0s",
         "labels": {"priority": "P2"}}]})
    put(db, sid, T0, 500.0)
    evaluate(db, cfg, T0)
    [alert] = svc.list_alerts(db, ["firing"])
    assert alert.priority.value == "P2" and alert.severity.value == "warning"


def test_undeliverable_page_is_retried_next_cycle_without_stalling(
        db: Database, receiver_factory: Any) -> None:
    one = add_series(db, "security_threats_detected", instance="a")
    two = add_series(db, "security_threats_detected", instance="b")
    with receiver_factory([500]) as rx:
        cfg = config(rx.url)
        for sid in (one, two):
            put(db, sid, T0, 1.0)
        report = evaluate(db, cfg, T0)
        # The first page failed (one attempt: the cycle does not wait to retry); the second
        # was not even tried this cycle; the group went to its own receiver.
        assert pages(rx) == [] and report.pages == 0 and rx.attempts == 1 + 1
        assert all(a.escalation.level == -1 for a in svc.list_alerts(db, ["firing"]))
        for sid in (one, two):
            put(db, sid, T0 + timedelta(seconds=30), 1.0)
        report = evaluate(db, cfg, T0 + timedelta(seconds=30))
        assert [lvl for lvl, _ in pages(rx)] == [0, 0] and report.pages == 2
        assert all(a.escalation.level == 0 for a in svc.list_alerts(db, ["firing"]))


def test_metrics_follow_the_alerts(db: Database) -> None:
    from prometheus_client import REGISTRY

    cpu = add_series(db, "cpu_usage_percent", host="m1")
    cfg = AlertingConfig.model_validate({"rules": [
        {"name": "HighCpuUsage", "metric": "cpu_usage_percent", "threshold": 90,
         "severity": "critical", "for": "0s"}]})
    put(db, cpu, T0, 95.0)
    evaluate(db, cfg, T0)
    [alert] = svc.list_alerts(db, ["firing"])
    assert REGISTRY.get_sample_value("vigil_alerts_firing", {"priority": "P2"}) == 1.0
    assert REGISTRY.get_sample_value("vigil_alerts_firing", {"priority": "P1"}) == 0.0
    level = {"alertname": "HighCpuUsage", "fingerprint": alert.fingerprint, "priority": "P2"}
    assert REGISTRY.get_sample_value("vigil_alert_escalation_level", level) == 0.0
    put(db, cpu, T0 + timedelta(minutes=16), 95.0)
    evaluate(db, cfg, T0 + timedelta(minutes=16))
    assert REGISTRY.get_sample_value("vigil_alert_escalation_level", level) == 1.0
    put(db, cpu, T0 + timedelta(minutes=17), 10.0)
    evaluate(db, cfg, T0 + timedelta(minutes=17))
    assert REGISTRY.get_sample_value("vigil_alerts_firing", {"priority": "P2"}) == 0.0
    assert REGISTRY.get_sample_value("vigil_alert_escalation_level", level) is None


def test_prune_history_keeps_open_alerts(db: Database) -> None:
    old = add_series(db, "up", instance="old")
    live = add_series(db, "up", instance="live")
    cfg = AlertingConfig.model_validate({})
    put(db, old, T0, 0.0)
    put(db, live, T0, 0.0)
    evaluate(db, cfg, T0)
    evaluate(db, cfg, T0 + timedelta(minutes=1))  # both fire (ServiceDown, for 1m)
    put(db, old, T0 + timedelta(minutes=2), 1.0)
    put(db, live, T0 + timedelta(minutes=2), 0.0)
    evaluate(db, cfg, T0 + timedelta(minutes=2))  # "old" resolves
    done = svc.prune_history(db, T0 + timedelta(days=100))
    assert done.startswith("1 alerts, 4 alert_events")  # pending, firing, page, resolved
    [alert] = svc.list_alerts(db, ["pending", "firing", "acknowledged", "resolved"])
    assert alert.labels["instance"] == "live"
    assert alert.id is not None and len(svc.alert_detail(db, alert.id).events) >= 2


@pytest.mark.parametrize("matchers", [['alertname=~".*"'], ['host!="web-1"'],
                                      ['a=""', 'b!~"x"']])
def test_a_silence_that_would_mute_every_alert_is_refused(db: Database,
                                                          matchers: list[str]) -> None:
    """As Alertmanager: matchers that all match a missing label are almost always a typo."""
    with pytest.raises(ValueError, match="would mute every alert"):
        svc.create_silence(db, matchers, T0, T0 + timedelta(hours=1), "op", "c", T0)
    ok = svc.create_silence(db, [*matchers, 'alertname="X"'], T0, T0 + timedelta(hours=1),
                            "op", "c", T0)
    assert ok.id is not None


def test_a_page_that_keeps_failing_is_one_timeline_entry(db: Database,
                                                         receiver_factory: Any) -> None:
    """Before: every cycle added a `page failed` event, thousands a day on a dead pager,
    burying the timeline of `vigil alerts show`; the notification log keeps each try."""
    sid = add_series(db, "security_threats_detected", instance="a")
    with receiver_factory([500] * 5) as rx:  # pages (and groups) fail for a few cycles
        cfg = config(rx.url)
        for i in range(4):
            put(db, sid, T0 + timedelta(seconds=30 * i), 1.0)
            evaluate(db, cfg, T0 + timedelta(seconds=30 * i))
        assert [lvl for lvl, _ in pages(rx)] == [0]
    [alert] = svc.list_alerts(db, ["firing"])
    assert alert.id is not None
    detail = svc.alert_detail(db, alert.id, cfg)
    statuses = [e.detail["status"] for e in detail.events if e.kind == "page"]
    assert statuses == ["failed", "sent"]
    page_log = [n.status for n in detail.notifications if n.kind == "page"]
    assert page_log[-1] == "sent" and page_log.count("failed") >= 2


def test_a_silence_stored_by_an_older_version_does_not_stop_evaluation(db: Database) -> None:
    """`a="b` (a stray quote) was accepted before matchers became stricter: once stored,
    every evaluation cycle failed with ValueError, and alerting stopped."""
    with db.session() as s:
        repo.create_silence(s, ['a="b'], T0, T0 + timedelta(hours=1), "op", "old", T0)
    sid = add_series(db, "security_threats_detected", instance="a")
    put(db, sid, T0, 1.0)
    report = evaluate(db, AlertingConfig(), T0)
    assert report.firing == 1
    assert [str(m) for m in svc.list_silences(db, T0)[0].matchers] == ['a="\\"b"']
