"""Message bodies: webhook JSON, Slack text, Alertmanager entries, email recipients."""

from __future__ import annotations

from datetime import UTC, datetime

from vigil.alerting.config import ReceiverConfig
from vigil.alerting.pipeline import Context, Notice
from vigil.services.notifiers.dispatch import am_alerts
from vigil.services.notifiers.email import recipients
from vigil.services.notifiers.payloads import slack_body, webhook_body

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FIRING = Notice(3, "f1", "firing", {"alertname": "HighCpuUsage", "severity": "critical",
                                     "host": "a"},
                {"summary": "CPU usage is high", "description": "cpu is 97"}, T0, None, "P2",
                "http://vigil/api/v1/alerts/3")
RESOLVED = Notice(4, "f2", "resolved", {"alertname": "HighCpuUsage", "severity": "critical",
                                        "host": "b"}, {"summary": "CPU usage is high"},
                  T0, T0.replace(hour=13), "P2", "http://vigil/api/v1/alerts/4")
CONTACT = {"user": "erin", "name": "Erin Example", "role": "Engineering Manager",
           "email": "erin@example.com", "phone": "+1-555-0104", "slack": "@erin", "via": "x"}


def test_webhook_body_is_alertmanager_shaped() -> None:
    body = webhook_body(Context("hook", "g1", T0), [FIRING, RESOLVED], "http://vigil")
    assert body["status"] == "firing" and body["groupKey"] == "g1"
    assert body["commonLabels"] == {"alertname": "HighCpuUsage", "severity": "critical"}
    assert [a["status"] for a in body["alerts"]] == ["firing", "resolved"]
    assert body["alerts"][1]["endsAt"] == "2026-11-26T13:00:00Z"
    assert body["alerts"][0]["endsAt"] is None and body["contacts"] == []


def test_page_text_names_contacts() -> None:
    ctx = Context("pager", "p", T0, kind="page", extra={"level": 1, "contacts": [CONTACT]})
    text = slack_body(ctx, [FIRING])["text"]
    assert text.startswith("[PAGE] [FIRING:1] [P2] HighCpuUsage")
    assert "Escalation level 1: paging Erin Example (Engineering Manager, +1-555-0104)" in text
    assert "cpu is 97" in text


def test_alertmanager_entries_and_email_recipients() -> None:
    entries = am_alerts([FIRING, RESOLVED])
    assert "endsAt" not in entries[0] and entries[1]["endsAt"] == "2026-11-26T13:00:00Z"
    assert entries[0]["labels"] == {"alertname": "HighCpuUsage", "severity": "critical",
                                    "host": "a", "priority": "P2"}
    mail = ReceiverConfig(type="email")
    page = Context("mail", "p", T0, kind="page", extra={"contacts": [CONTACT]})
    assert recipients(mail, page) == ["erin@example.com"]
    assert recipients(ReceiverConfig(type="email", to=["ops@example.com"]), page) == [
        "ops@example.com"]


def test_slack_text_escapes_control_characters() -> None:
    """Before: a description from series labels could contain `<!channel>` and ping a whole
    channel at 3 a.m.; Slack requires &, < and > to be escaped."""
    sneaky = Notice(5, "f5", "firing", {"alertname": "LowAccuracy"},
                    {"summary": "accuracy < 0.85 & falling",
                     "description": "host <!channel> is <http://evil|here>"},
                    T0, None, "P3", "http://vigil/api/v1/alerts/5")
    text = slack_body(Context("chat", "g", T0), [sneaky])["text"]
    assert "<!channel>" not in text and "<http" not in text
    assert "accuracy &lt; 0.85 &amp; falling" in text
    assert "&lt;!channel&gt;" in text
