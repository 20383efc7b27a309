"""Vigil's Alertmanager notifier against a real Alertmanager delivering to a webhook."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.integration.prometheus.prom_support import (
    alertmanager,
    example_alertmanager_config,
    fired,
    wait_for,
    webhook_receiver,
)
from vigil.services.notifiers.alertmanager import post_alerts, to_am_alert

pytestmark = pytest.mark.slow

def test_an_alert_is_delivered_firing_and_then_resolved(tmp_path: Path) -> None:
    with webhook_receiver() as hook:
        config = {
            "route": {"receiver": "hook", "group_by": ["alertname"], "group_wait": "1s",
                      "group_interval": "1s", "repeat_interval": "1h"},
            "receivers": [{"name": "hook", "webhook_configs": [
                {"url": hook.url, "send_resolved": True}]}],
        }
        with alertmanager(tmp_path, config) as am_url:
            started = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
            labels = {"alertname": "HighCpuUsage", "severity": "critical",
                      "priority": "P2", "instance": "web-1", "category": "resource"}
            annotations = {"summary": "Critical CPU usage on web-1",
                           "runbook_url": "https://vigil.dev/docs/RUNBOOK.md#high-cpu-usage"}
            post_alerts(am_url, [to_am_alert(labels, annotations, started,
                                             generator_url="http://vigil.test/alerts/1")])
            firing = wait_for(lambda: fired(hook, "HighCpuUsage", "firing"), 30,
                              "the firing alert at the webhook")
            assert firing[0]["labels"] == labels
            assert firing[0]["annotations"] == annotations
            assert firing[0]["generatorURL"] == "http://vigil.test/alerts/1"
            assert firing[0]["startsAt"].startswith(started.strftime("%Y-%m-%dT%H:%M:%S"))

            ended = datetime.now(UTC).replace(microsecond=0)
            post_alerts(am_url, [to_am_alert(labels, annotations, started, ends_at=ended)])
            resolved = wait_for(lambda: fired(hook, "HighCpuUsage", "resolved"), 30,
                                "the resolved alert at the webhook")
            assert resolved[0]["labels"] == labels
            assert resolved[0]["endsAt"].startswith(ended.strftime("%Y-%m-%dT%H:%M:%S"))
            assert hook.posts[-1]["status"] == "resolved"


def test_example_config_routes_by_priority_and_inhibits_warnings(tmp_path: Path) -> None:
    with webhook_receiver() as hook, \
            alertmanager(tmp_path, example_alertmanager_config(hook)) as am_url:
        now = datetime.now(UTC)

        def alert(name: str, severity: str, priority: str, category: str,
                  instance: str = "web-1", **extra: str) -> dict[str, object]:
            return to_am_alert({"alertname": name, "severity": severity,
                                "priority": priority, "category": category,
                                "instance": instance, **extra}, {"summary": name}, now)

        post_alerts(am_url, [
            alert("SecurityThreatDetected", "critical", "P1", "security"),
            # One alertname, two severities: the critical mutes the warning (same instance).
            alert("HighCpuUsage", "critical", "P2", "resource"),
            alert("HighCpuUsage", "warning", "P3", "resource"),
            alert("HighMemoryUsage", "warning", "P3", "resource"),
            # From Vigil's notifier (a `series` label): only the same series is muted.
            alert("HighErrorRate", "critical", "P2", "performance",
                  series='error_rate{route="/a"}'),
            alert("HighErrorRate", "warning", "P3", "performance",
                  series='error_rate{route="/b"}'),
            # ServiceDown mutes the symptoms on its instance, not its security alerts.
            alert("ServiceDown", "critical", "P1", "availability", instance="db-1"),
            alert("SlowResponses", "warning", "P3", "performance", instance="db-1"),
            alert("HighAuthenticationFailureRate", "warning", "P3", "security",
                  instance="db-1"),
        ])

        def by_receiver() -> dict[str, set[str]] | None:
            out: dict[str, set[str]] = {}
            for post in list(hook.posts):
                out.setdefault(post["receiver"], set()).update(
                    a["labels"]["alertname"] for a in post["alerts"])
            return out if len(out) >= 3 else None

        wait_for(by_receiver, 30, "alerts at three receivers")
        time.sleep(3)  # several group intervals: an uninhibited warning would arrive now
        assert by_receiver() == {
            "pager-immediate": {"SecurityThreatDetected", "ServiceDown"},
            "pager": {"HighCpuUsage", "HighErrorRate"},
            "team-chat": {"HighMemoryUsage", "HighErrorRate", "HighAuthenticationFailureRate"},
        }
