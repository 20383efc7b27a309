"""Turn a configured receiver into a send function for the pipeline's NotifyStage."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from vigil.alerting.config import ReceiverConfig
from vigil.alerting.pipeline import Context, Notice
from vigil.alerting.retry import DeliveryError
from vigil.services.notifiers.alertmanager import alerts_endpoint, to_am_alert
from vigil.services.notifiers.email import send_email
from vigil.services.notifiers.payloads import slack_body, webhook_body
from vigil.services.notifiers.retry import post_json

Sender = Callable[[Context, Sequence[Notice]], None]


def am_alerts(notices: Sequence[Notice]) -> list[dict[str, object]]:
    """Alertmanager v2 entries for notices (resolved ones carry `endsAt`)."""
    out = []
    for n in notices:
        labels = {**n.labels, "priority": n.priority}
        out.append(to_am_alert(labels, n.annotations, n.starts_at,
                               n.ends_at if n.status == "resolved" else None, n.generator_url))
    return out


def build_sender(cfg: ReceiverConfig, external_url: str) -> Sender:
    """A function that delivers notices once through this receiver (raises DeliveryError)."""
    timeout = cfg.timeout.total_seconds()

    def send(ctx: Context, notices: Sequence[Notice]) -> None:
        """Deliver once; raises DeliveryError (retries are the NotifyStage's job)."""
        if cfg.type == "webhook":
            post_json(cfg.url, webhook_body(ctx, notices, external_url), timeout, cfg.headers)
        elif cfg.type == "slack":
            post_json(cfg.url, slack_body(ctx, notices), timeout, cfg.headers)
        elif cfg.type == "alertmanager":
            post_json(alerts_endpoint(cfg.url), am_alerts(notices), timeout, cfg.headers)
        elif cfg.type == "email":
            send_email(cfg, ctx, notices)
        else:  # pragma: no cover - the config model forbids other types
            raise DeliveryError(f"unknown receiver type {cfg.type}", retryable=False)

    return send
