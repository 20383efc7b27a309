"""Message bodies built from pipeline notices: generic JSON, Slack text, email text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vigil.alerting.pipeline import Context, Notice


def _iso(n: Notice, end: bool = False) -> str | None:
    ts = n.ends_at if end else n.starts_at
    return None if ts is None else ts.isoformat().replace("+00:00", "Z")


def contacts_of(ctx: Context) -> list[dict[str, str]]:
    """People a page is addressed to (empty for group notifications)."""
    raw = ctx.extra.get("contacts", [])
    return list(raw) if isinstance(raw, list) else []


def webhook_body(ctx: Context, notices: Sequence[Notice], external_url: str) -> dict[str, Any]:
    """Alertmanager-webhook-shaped JSON, plus `kind`, `priority` and page `contacts`."""
    firing = [n for n in notices if n.status == "firing"]
    common = dict(notices[0].labels) if notices else {}
    for n in notices[1:]:
        common = {k: v for k, v in common.items() if n.labels.get(k) == v}
    return {
        "version": "4",
        "kind": ctx.kind,
        "receiver": ctx.receiver,
        "groupKey": ctx.group_key,
        "status": "firing" if firing else "resolved",
        "externalURL": external_url,
        "commonLabels": common,
        "escalation": {k: v for k, v in ctx.extra.items() if k != "contacts"},
        "contacts": contacts_of(ctx),
        "alerts": [
            {"status": n.status, "fingerprint": n.fingerprint, "priority": n.priority,
             "labels": dict(n.labels), "annotations": dict(n.annotations),
             "startsAt": _iso(n), "endsAt": _iso(n, end=True), "generatorURL": n.generator_url}
            for n in notices
        ],
    }


def title(ctx: Context, notices: Sequence[Notice]) -> str:
    """One-line subject: status, count, priority and alert names."""
    firing = [n for n in notices if n.status == "firing"]
    status = f"FIRING:{len(firing)}" if firing else "RESOLVED"
    names = sorted({n.labels.get("alertname", "?") for n in notices})
    prio = min((n.priority for n in notices), default="")
    prefix = "[PAGE] " if ctx.kind == "page" else ""
    return f"{prefix}[{status}] [{prio}] {', '.join(names)}"


def text_body(ctx: Context, notices: Sequence[Notice]) -> str:
    """Plain-text body listing each alert with its summary, labels and link."""
    lines = [title(ctx, notices), ""]
    for n in notices:
        summary = n.annotations.get("summary", "")
        desc = n.annotations.get("description", "")
        lines.append(f"- {n.status.upper()} {n.labels.get('alertname', '?')} ({n.priority}): "
                     f"{summary}")
        if desc:
            lines.append(f"  {desc}")
        lines.append(f"  since {_iso(n)}  {n.generator_url}")
    contacts = contacts_of(ctx)
    if contacts:
        lines.append("")
        lines.append(f"Escalation level {ctx.extra.get('level', 0)}: paging "
                     + ", ".join(f"{c['name']} ({c['role']}, {c['phone']})" for c in contacts))
    return "\n".join(lines)


def slack_escape(text: str) -> str:
    """Escape `&`, `<` and `>` as Slack requires: text from labels or annotations can then
    neither mention everyone (`<!channel>`) nor turn into links, and `value < 0.85` stays."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(ctx: Context, notices: Sequence[Notice]) -> dict[str, Any]:
    """A Slack incoming-webhook message (`text`, understood by Slack-compatible chats)."""
    return {"text": slack_escape(text_body(ctx, notices))}
