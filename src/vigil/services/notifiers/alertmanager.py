"""Alertmanager API v2 notifier: `POST /api/v2/alerts` with labels, annotations and times.

Alertmanager expects active alerts to be re-sent while they fire (it resolves alerts it
has not heard of for `resolve_timeout`), and a final post with `endsAt` in the past when
they resolve. `post_alerts` does one delivery with retries; `to_am_alert` builds entries.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from vigil.services.notifiers.retry import DeliveryError, RetryPolicy, post_json, with_retry


def _iso(ts: datetime) -> str:
    """RFC 3339 text of an aware datetime, as Alertmanager parses it."""
    return ts.isoformat().replace("+00:00", "Z")


def to_am_alert(
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    starts_at: datetime,
    ends_at: datetime | None = None,
    generator_url: str = "",
) -> dict[str, object]:
    """One postable alert of the v2 API (`endsAt` set only when the alert has resolved)."""
    alert: dict[str, object] = {
        "labels": {str(k): str(v) for k, v in labels.items()},
        "annotations": {str(k): str(v) for k, v in annotations.items()},
        "startsAt": _iso(starts_at),
    }
    if ends_at is not None:
        alert["endsAt"] = _iso(ends_at)
    if generator_url:
        alert["generatorURL"] = generator_url
    return alert


def alerts_endpoint(url: str) -> str:
    """The `/api/v2/alerts` URL for an Alertmanager base URL (or the URL itself if it has it)."""
    base = url.rstrip("/")
    return base if base.endswith("/api/v2/alerts") else base + "/api/v2/alerts"


def post_alerts(
    url: str,
    alerts: list[dict],  # type: ignore[type-arg]
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """POST alerts to an Alertmanager (base URL or full endpoint); raise DeliveryError on failure.

    Each alert is a dict with `labels`, `annotations`, `startsAt`, optional `endsAt` and
    `generatorURL` (see `to_am_alert`). Retries 5xx and connection errors with back-off.
    """
    if not alerts:
        return
    endpoint = alerts_endpoint(url)
    outcome = with_retry(lambda: post_json(endpoint, alerts), policy, sleep)
    if not outcome.ok:
        raise DeliveryError(f"alertmanager {endpoint}: {outcome.error} "
                            f"after {outcome.attempts} attempt(s)", retryable=False)
