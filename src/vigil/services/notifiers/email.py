"""Email over SMTP (smtplib): one message per notification, plain text."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage

from vigil.alerting.config import ReceiverConfig
from vigil.alerting.pipeline import Context, Notice
from vigil.alerting.retry import DeliveryError
from vigil.services.notifiers.payloads import contacts_of, text_body, title


def recipients(cfg: ReceiverConfig, ctx: Context) -> list[str]:
    """The configured addresses, or for a page without any, the paged people's addresses."""
    if cfg.to:
        return list(cfg.to)
    return [c["email"] for c in contacts_of(ctx) if c.get("email")]


def send_email(cfg: ReceiverConfig, ctx: Context, notices: Sequence[Notice]) -> None:
    """Send one plain-text message; SMTP 4xx and connection errors are retryable."""
    to = recipients(cfg, ctx)
    if not to:
        raise DeliveryError("email receiver has no recipients", retryable=False)
    msg = EmailMessage()
    msg["Subject"] = title(ctx, notices)
    msg["From"] = cfg.from_addr
    msg["To"] = ", ".join(to)
    msg.set_content(text_body(ctx, notices))
    timeout = cfg.timeout.total_seconds()
    try:
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=timeout) as smtp:
            if cfg.smtp_starttls:
                smtp.starttls()
            if cfg.smtp_username:
                smtp.login(cfg.smtp_username, os.environ.get(cfg.smtp_password_env, ""))
            smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                            retryable=400 <= exc.smtp_code < 500) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"SMTP recipients refused: {list(exc.recipients)}",
                            retryable=False) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}", retryable=True) from exc
