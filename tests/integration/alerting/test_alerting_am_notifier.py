"""The Alertmanager v2 notifier against a real local HTTP receiver."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vigil.services.notifiers.alertmanager import post_alerts, to_am_alert
from vigil.services.notifiers.retry import DeliveryError, RetryPolicy

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=3, initial_delay=0.0)


def test_posts_v2_alerts_and_retries_on_500(receiver_factory: Any) -> None:
    alert = to_am_alert({"alertname": "CpuHigh", "severity": "warning"}, {"summary": "cpu"},
                        T0, generator_url="http://vigil/alerts/1")
    with receiver_factory([500, 503]) as rx:
        post_alerts(rx.url, [alert], policy=FAST, sleep=lambda _s: None)
    assert rx.attempts == 3
    path, body = rx.requests[0]
    assert path == "/api/v2/alerts"
    assert body == [{"labels": {"alertname": "CpuHigh", "severity": "warning"},
                     "annotations": {"summary": "cpu"}, "startsAt": "2026-11-26T12:00:00Z",
                     "generatorURL": "http://vigil/alerts/1"}]


def test_resolved_alert_carries_ends_at(receiver_factory: Any) -> None:
    alert = to_am_alert({"alertname": "X"}, {}, T0, ends_at=T0.replace(hour=13))
    with receiver_factory() as rx:
        post_alerts(rx.url + "/api/v2/alerts", [alert], policy=FAST)
    assert rx.requests[0][1][0]["endsAt"] == "2026-11-26T13:00:00Z"


def test_gives_up_after_attempts_and_does_not_retry_4xx(receiver_factory: Any) -> None:
    with receiver_factory([500, 500, 500, 500]) as rx, pytest.raises(DeliveryError):
        post_alerts(rx.url, [to_am_alert({"a": "b"}, {}, T0)], policy=FAST, sleep=lambda _s: None)
    assert rx.attempts == 3
    with receiver_factory([400]) as rx, pytest.raises(DeliveryError, match="HTTP 400"):
        post_alerts(rx.url, [to_am_alert({"a": "b"}, {}, T0)], policy=FAST)
    assert rx.attempts == 1
