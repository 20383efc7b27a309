"""A small operations history with hand-computed answers, written through the ORM on
SQLite and PostgreSQL alike.

Week 2026-W48 (Monday 23 November 2026, UTC). Five P1 alerts on Tuesday 24 November:

| id | fired | acknowledged | resolved | response (target 5 min) |
|---|---|---|---|---|
| 1 | 10:00 | 10:03 (3 min) | 10:20 | met |
| 2 | 11:00 | 11:06 (6 min) | 11:30 | missed |
| 3 | 12:00 | 12:01 (1 min) | 12:10 | met |
| 4 | 13:00 | – | 13:02 (flapping) | met (resolved) |
| 5 | 14:00 | 14:10 (10 min) | 15:00 | missed |

MTTA p50 270 s, p90 528 s; MTTR p50 1200 s, p90 2880 s; targets met 3 of 5.
One P4 alert fired Friday 27 November 16:00 UTC, acknowledged Monday 30 November 09:00
(next business day, UTC calendar: met). Pages: alert 1 level 0 alice (10:00, in hours),
alert 5 level 0 alice (14:00) and level 1 bob (14:05), alert 6 level 0 carol (Friday 16:00
UTC is in hours; a page at 20:00 is after hours). Anomalies: series 1 gets 5 in the week
(over the default budget of 3), series 2 gets 1. One CRITICAL finding seen on Monday and
fixed on Wednesday (2 days); two threats; two model versions trained on Tuesday, one
promoted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from vigil.alerting.lifecycle import AlertState
from vigil.core.types import Priority, Severity
from vigil.storage.database import Database
from vigil.storage.models import AnomalyRow, SeriesRow
from vigil.storage.models_alerting import AlertEventRow, AlertRow
from vigil.storage.models_lifecycle import ModelVersionRow
from vigil.storage.models_security import FindingRow
from vigil.storage.models_threats import ThreatRow

WEEK = "2026-W48"
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in November 2026 (UTC)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


ALERTS: list[tuple[int, str, datetime, datetime | None, datetime]] = [
    (1, "P1", t(24, 10), t(24, 10, 3), t(24, 10, 20)),
    (2, "P1", t(24, 11), t(24, 11, 6), t(24, 11, 30)),
    (3, "P1", t(24, 12), t(24, 12, 1), t(24, 12, 10)),
    (4, "P1", t(24, 13), None, t(24, 13, 2)),
    (5, "P1", t(24, 14), t(24, 14, 10), t(24, 15)),
    (6, "P4", t(27, 16), t(30, 9), t(30, 10)),
]
PAGES: list[tuple[int, datetime, int, str]] = [
    (1, t(24, 10), 0, "alice"), (5, t(24, 14), 0, "alice"), (5, t(24, 14, 5), 1, "bob"),
    (6, t(27, 16), 0, "carol"), (6, t(27, 20), 0, "carol"),
]


def _page_detail(level: int, user: str) -> dict[str, Any]:
    return {"policy": "default", "level": level, "cycle": 0, "status": "sent",
            "targets": [user], "contacts": [{"user": user, "name": user.title(),
                                             "role": "primary", "phone": "", "email": ""}]}


def seed_history(db: Database) -> None:
    """Write the history above."""
    with db.session() as s:
        for sid in (1, 2):
            s.add(SeriesRow(id=sid, name="cpu_usage_percent", labels_key=f"host=h{sid}",
                            labels={"host": f"h{sid}"}, created_at=MONDAY))
        s.flush()
        for aid, prio, fired, acked, resolved in ALERTS:
            rule = "HighCpu" if prio == "P1" else "DiskFilling"
            s.add(AlertRow(id=aid, fingerprint=f"{aid:032x}", rule=rule,
                           labels={"alertname": rule, "service": "api" if aid != 6 else "db",
                                   "host": "h1"},
                           annotations={}, severity=Severity.CRITICAL,
                           priority=Priority(prio), state=AlertState.RESOLVED, value=1.0,
                           active_at=fired, fired_at=fired, acknowledged_at=acked,
                           acknowledged_by="alice" if acked else None, resolved_at=resolved,
                           resolved_by="auto", escalation_level=0, escalation_cycle=0,
                           escalation_done=True, updated_at=resolved, version=0))
        s.flush()
        for aid, at, level, user in PAGES:
            s.add(AlertEventRow(alert_id=aid, ts=at, kind="page", detail=_page_detail(level, user)))
        # a failed page is not a page
        s.add(AlertEventRow(alert_id=2, ts=t(24, 11), kind="page",
                            detail={**_page_detail(0, "dave"), "status": "failed"}))
        for i in range(5):
            _anomaly(s, 1, MONDAY + timedelta(hours=10 + i))
        _anomaly(s, 2, MONDAY + timedelta(days=2))
        _anomaly(s, 2, MONDAY - timedelta(days=1))  # the week before: not counted
        s.add(FindingRow(fingerprint="f" * 64, target="/srv/app", package="requests",
                         version="2.0", ecosystem="PyPI", vuln_id="GHSA-x", aliases=[],
                         severity="CRITICAL", score=9.8, summary="x", fixed=["2.1"],
                         location="requirements.txt", first_seen=t(23, 8), last_seen=t(25, 8),
                         fixed_at=t(25, 8)))
        for version, promoted in ((1, True), (2, False)):
            s.add(ModelVersionRow(series_id=1, version=version, detector="vigil",
                                  detector_version="1", parameters={}, threshold=0.9,
                                  quality={}, state=b"", promoted=promoted,
                                  created_at=t(24, 3)))
        for kind, source in (("ssh_brute_force", "sshd"), ("web_scanner", "nginx")):
            s.add(ThreatRow(type=kind, source_ip="203.0.113.5", first_seen=t(25, 1),
                            last_seen=t(25, 2), count=30, technique="T1110",
                            priority=Priority.P2, rule=kind, targets=[], evidence=[],
                            details={}, source=source, detected_at=t(25, 2)))


def _anomaly(s: Any, sid: int, at: datetime) -> None:
    s.add(AnomalyRow(series_id=sid, timestamp=at, value=1.0, score=0.9, severity=Severity.WARNING,
                     detector="vigil", model_version="1", status="open", created_at=at))
