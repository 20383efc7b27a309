"""Send a report to a configured receiver (Slack, webhook or email), once.

Slack gets the summary text; a webhook gets the summary and the whole JSON document;
email gets the summary as text and the self-contained HTML as the alternative part.
HTTP posting reuses the notifiers' `post_json` (errors become `DeliveryError`).
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from vigil.alerting.config import ReceiverConfig
from vigil.alerting.retry import DeliveryError
from vigil.services.notifiers.retry import post_json
from vigil.services.reports.summary import summary_text

DELIVERABLE = ("slack", "webhook", "email")


def deliver_report(cfg: ReceiverConfig, report: Mapping[str, Any], html: str) -> None:
    """Deliver once through the receiver; raises DeliveryError on failure."""
    text = summary_text(report)
    timeout = cfg.timeout.total_seconds()
    if cfg.type == "slack":
        post_json(cfg.url, {"text": text}, timeout, cfg.headers)
    elif cfg.type == "webhook":
        post_json(cfg.url, {"kind": report["kind"], "title": report["title"], "summary": text,
                            "report": report}, timeout, cfg.headers)
    elif cfg.type == "email":
        _send_email(cfg, str(report["title"]), text, html)
    else:
        raise DeliveryError(f"a {cfg.type} receiver cannot take reports: use "
                            f"{', '.join(DELIVERABLE)}", retryable=False)


def _send_email(cfg: ReceiverConfig, subject: str, text: str, html: str) -> None:
    if not cfg.to:
        raise DeliveryError("email receiver has no recipients (set `to`)", retryable=False)
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = cfg.from_addr
    msg["To"] = ", ".join(cfg.to)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.timeout.total_seconds()) as s:
            if cfg.smtp_starttls:
                s.starttls()
            if cfg.smtp_username:
                s.login(cfg.smtp_username, os.environ.get(cfg.smtp_password_env, ""))
            s.send_message(msg)
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}", retryable=True) from exc
    except OSError as exc:
        raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}", retryable=True) from exc
