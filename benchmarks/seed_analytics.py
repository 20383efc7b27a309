"""Seed a PostgreSQL database with an operations history at the scale of issue #14.

10,000 series, 100,000 alerts (with acknowledge/resolve/page history and a notification
log, spread over `weeks` weeks), 1,000,000 anomalies, plus vulnerability findings,
threats, anomaly feedback, predicted breaches and scaling recommendations. Rows go in
with PostgreSQL COPY, so the whole seed takes well under a few minutes.

Reused by other benchmarks (`from benchmarks.seed_analytics import seed`) and runnable:

    .venv/bin/python benchmarks/seed_analytics.py postgresql+psycopg://postgres@127.0.0.1/bench

The database must exist; it is migrated to the head revision and the seeded tables are
emptied first. Everything is drawn from a seeded generator, so two runs give the same data.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import psycopg
from sqlalchemy.engine import make_url

from vigil.storage.migrate import upgrade

SERVICES = ("api", "checkout", "search", "payments", "auth", "db", "cache", "queue",
            "billing", "frontend", "mail", "storage")
METRICS = ("cpu_usage_percent", "memory_usage_percent", "http_request_duration_seconds",
           "http_errors_total", "disk_used_percent", "queue_depth", "db_connections",
           "gc_pause_seconds")
RULES = ("HighCpu", "HighMemory", "SlowRequests", "ErrorBurst", "DiskFilling", "QueueBacklog",
         "DbConnectionsHigh", "AnomalyDetected", "LongGcPause", "ServiceDown")
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank")
SEVERITY_OF_PRIORITY = {"P1": "critical", "P2": "critical", "P3": "warning", "P4": "info"}
VULN_LEVELS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
THREAT_TYPES = ("ssh_brute_force", "web_scanner", "api_key_brute_force", "sql_injection",
                "path_traversal")
SEEDED_TABLES = ("anomaly_feedback", "anomaly_detections", "alert_notifications", "alert_events",
                 "alerts", "security_findings", "security_threats", "predicted_breaches",
                 "scaling_recommendations", "data_quality", "series")


@dataclass(frozen=True)
class SeedReport:
    """How many rows of each kind were written, and how long it took (seconds)."""

    counts: dict[str, int]
    seconds: float
    start: datetime
    end: datetime


def _libpq(database_url: str) -> str:
    """A SQLAlchemy URL as a libpq connection string for psycopg."""
    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _ts(epoch: float) -> str:
    """An epoch second as a PostgreSQL timestamptz literal."""
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _copy(cur: psycopg.Cursor[Any], table: str, columns: Sequence[str],
          rows: Iterable[Sequence[object]]) -> int:
    """COPY rows into a table; returns how many."""
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _series_rows(n: int, now: datetime) -> Iterable[tuple[object, ...]]:
    for i in range(n):
        labels = {"host": f"host-{i // len(METRICS):04d}", "service": SERVICES[i % len(SERVICES)]}
        key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        yield (i + 1, METRICS[i % len(METRICS)], key, json.dumps(labels), now.isoformat())


def _alert_rows(rng: np.random.Generator, n: int, n_series: int, start: float, end: float,
                now: datetime) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]],
                                        list[tuple[object, ...]]]:
    """Alerts plus their timelines (pending/firing/page/acknowledged/resolved) and the
    notification log of their pages."""
    priorities = rng.choice(np.array(["P1", "P2", "P3", "P4"]), n, p=[0.05, 0.2, 0.45, 0.3])
    fired = np.sort(rng.uniform(start, end, n))
    # acknowledgement delay: log-normal around the priority's target; some never acked
    target = {"P1": 180.0, "P2": 900.0, "P3": 3600.0, "P4": 20_000.0}
    flapping = rng.random(n) < 0.15
    never_ack = rng.random(n) < 0.1
    ack_scale = rng.lognormal(0.0, 0.9, n)
    resolve_scale = rng.lognormal(0.5, 0.8, n)
    series_ids = rng.integers(1, n_series + 1, n)
    rules = rng.integers(0, len(RULES), n)
    alerts: list[tuple[object, ...]] = []
    events: list[tuple[object, ...]] = []
    notes: list[tuple[object, ...]] = []
    event_id = 0
    note_id = 0
    now_epoch = now.timestamp()
    for i in range(n):
        pri = str(priorities[i])
        sid = int(series_ids[i])
        service = SERVICES[sid % len(SERVICES)]
        labels = {"alertname": RULES[rules[i]], "service": service,
                  "host": f"host-{sid % 500:03d}", "series_id": str(sid)}
        f = float(fired[i])
        if flapping[i]:
            ack = None
            res: float | None = f + float(rng.uniform(30, 290))
        else:
            ack = None if never_ack[i] else f + target[pri] * float(ack_scale[i])
            res = (ack or f) + target[pri] * float(resolve_scale[i])
        if res is not None and res > now_epoch:
            res = None
        if ack is not None and ack > now_epoch:
            ack = None
        state = "resolved" if res is not None else ("acknowledged" if ack else "firing")
        # escalation: a page per level passed before the acknowledgement (5 min a level)
        until = ack if ack is not None else (res if res is not None else f + 3600)
        levels = 0 if flapping[i] else min(3, 1 + int((until - f) // 300))
        fp = f"{i:032x}"
        alerts.append((i + 1, fp, RULES[rules[i]], json.dumps(labels), "{}",
                       SEVERITY_OF_PRIORITY[pri], pri, state, float(rng.uniform(0, 100)),
                       _ts(f - 60), _ts(f), None if ack is None else _ts(ack),
                       None if ack is None else PEOPLE[i % len(PEOPLE)],
                       None if res is None else _ts(res), None if res is None else "auto",
                       "default" if levels else None, levels - 1, 0,
                       None, res is not None or ack is not None, None,
                       _ts(res or ack or f), 0))
        timeline: list[tuple[float, str, dict[str, object]]] = [
            (f - 60, "pending", {"value": 1.0}), (f, "firing", {"value": 1.0})]
        for level in range(levels):
            person = PEOPLE[(i + level) % len(PEOPLE)]
            ts = f + 300 * level
            contact = {"user": person, "name": person.title(), "role": "primary" if level == 0
                       else "secondary", "phone": "+100000000", "email": f"{person}@example.org"}
            timeline.append((ts, "page", {"policy": "default", "level": level, "cycle": 0,
                                          "due_at": _ts(ts), "skipped_levels": 0,
                                          "targets": [person], "status": "sent",
                                          "contacts": [contact]}))
            note_id += 1
            notes.append((note_id, _ts(ts), "page", "oncall-slack",
                          f"page/{i + 1}/0/{level}", json.dumps([fp]), "[]",
                          json.dumps([i + 1]), "sent", 1, None))
        if ack is not None:
            timeline.append((ack, "acknowledged", {"by": PEOPLE[i % len(PEOPLE)]}))
        if res is not None:
            timeline.append((res, "resolved", {"by": "auto"}))
        for ts, kind, detail in timeline:
            event_id += 1
            events.append((event_id, i + 1, _ts(ts), kind, json.dumps(detail)))
    return alerts, events, notes


ALERT_COLUMNS = ("id", "fingerprint", "rule", "labels", "annotations", "severity", "priority",
                 "state", "value", "active_at", "fired_at", "acknowledged_at",
                 "acknowledged_by", "resolved_at", "resolved_by", "escalation_policy",
                 "escalation_level", "escalation_cycle", "escalation_next_at",
                 "escalation_done", "muted", "updated_at", "version")


def _anomaly_rows(rng: np.random.Generator, n: int, n_series: int, start: float,
                  end: float) -> Iterable[tuple[object, ...]]:
    """Anomalies on a skewed set of series (a few noisy ones), unique per series and time."""
    # Zipf-like weights: series 1..n_series, the first ones much noisier
    weights = 1.0 / np.arange(1, n_series + 1) ** 0.8
    weights /= weights.sum()
    draw = n + n // 50 + 10  # a few spare draws: duplicates of (series, second) are dropped
    series = rng.choice(np.arange(1, n_series + 1), draw, p=weights)
    span = int(end - start)
    seconds = rng.integers(0, span, draw)
    keys = np.unique(series.astype(np.int64) * (span + 1) + seconds)
    if len(keys) > n:
        keys = np.sort(rng.choice(keys, n, replace=False))
    severities = np.array(["info", "warning", "critical"])
    sev_idx = rng.choice(3, len(keys), p=[0.5, 0.35, 0.15])
    scores = rng.uniform(0.5, 1.0, len(keys))
    for j, key in enumerate(keys):
        sid = int(key // (span + 1))
        ts = _ts(start + float(key % (span + 1)))
        yield (j + 1, sid, ts, 1.0, float(scores[j]), 0.5, 0.2, 0.8, str(severities[sev_idx[j]]),
               "vigil", "1", None, "open", ts)


ANOMALY_COLUMNS = ("id", "series_id", "timestamp", "value", "score", "expected_value",
                   "expected_lower", "expected_upper", "severity", "detector", "model_version",
                   "explanation", "status", "created_at")


def _finding_rows(rng: np.random.Generator, n: int, start: float,
                  now: datetime) -> Iterable[tuple[object, ...]]:
    now_epoch = now.timestamp()
    for i in range(n):
        level = VULN_LEVELS[int(rng.choice(5, p=[0.1, 0.25, 0.35, 0.2, 0.1]))]
        first = float(rng.uniform(start, now_epoch))
        fixed = first + float(rng.exponential(5 * 86_400))
        fixed_at = _ts(fixed) if fixed < now_epoch and rng.random() < 0.7 else None
        yield (i + 1, f"{i:064x}", f"/srv/app{i % 7}", f"pkg{i % 300}", "1.0.0", "PyPI",
               f"GHSA-{i:04d}-seed", "[]", level, None, "seeded finding", "[\"1.0.1\"]",
               "requirements.lock", _ts(first), _ts(fixed if fixed_at else now_epoch), fixed_at,
               None, None, None)


FINDING_COLUMNS = ("id", "fingerprint", "target", "package", "version", "ecosystem", "vuln_id",
                   "aliases", "severity", "score", "summary", "fixed", "location", "first_seen",
                   "last_seen", "fixed_at", "last_scan_id", "suppressed_reason",
                   "suppressed_until")


def _threat_rows(rng: np.random.Generator, n: int, start: float,
                 end: float) -> Iterable[tuple[object, ...]]:
    sources = ("api", "sshd", "nginx", "pam")
    for i in range(n):
        t = float(rng.uniform(start, end))
        kind = THREAT_TYPES[int(rng.integers(0, len(THREAT_TYPES)))]
        yield (i + 1, kind, f"203.0.113.{i % 250}", _ts(t), _ts(t + 60), int(rng.integers(5, 500)),
               "T1110", ["P1", "P2", "P3"][i % 3], kind, "[]", "[]", "{}",
               sources[i % len(sources)], _ts(t + 60))


THREAT_COLUMNS = ("id", "type", "source_ip", "first_seen", "last_seen", "count", "technique",
                  "priority", "rule", "targets", "evidence", "details", "source", "detected_at")


def seed(database_url: str, *, series: int = 10_000, alerts: int = 100_000,
         anomalies: int = 1_000_000, findings: int = 2_000, threats: int = 5_000,
         weeks: int = 8, end: datetime | None = None, seed_value: int = 14) -> SeedReport:
    """Migrate `database_url` (PostgreSQL) and fill it with a seeded operations history.

    History spans `weeks` weeks up to `end` (default: now). Existing rows of the seeded
    tables are deleted first. Returns the row counts and the time taken.
    """
    started = time.perf_counter()
    now = (end or datetime.now(UTC)).astimezone(UTC)
    start = now - timedelta(weeks=weeks)
    upgrade(database_url)
    rng = np.random.default_rng(seed_value)
    counts: dict[str, int] = {}
    with psycopg.connect(_libpq(database_url)) as conn, conn.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(SEEDED_TABLES)} RESTART IDENTITY CASCADE")
        counts["series"] = _copy(cur, "series", ("id", "name", "labels_key", "labels",
                                                 "created_at"), _series_rows(series, start))
        alert_rows, event_rows, note_rows = _alert_rows(rng, alerts, series, start.timestamp(),
                                                        now.timestamp(), now)
        counts["alerts"] = _copy(cur, "alerts", ALERT_COLUMNS, alert_rows)
        counts["alert_events"] = _copy(cur, "alert_events",
                                       ("id", "alert_id", "ts", "kind", "detail"), event_rows)
        counts["alert_notifications"] = _copy(
            cur, "alert_notifications", ("id", "ts", "kind", "receiver", "group_key", "firing",
                                         "resolved", "alert_ids", "status", "attempts", "error"),
            note_rows)
        counts["anomaly_detections"] = _copy(
            cur, "anomaly_detections", ANOMALY_COLUMNS,
            _anomaly_rows(rng, anomalies, series, start.timestamp(), now.timestamp()))
        # feedback on every 50th anomaly: about a quarter judged false positives
        cur.execute("INSERT INTO anomaly_feedback (anomaly_id, series_id, verdict, actor, "
                    "created_at, updated_at) SELECT id, series_id, (id % 4) <> 0, 'seed', "
                    "timestamp, timestamp FROM anomaly_detections WHERE id % 50 = 0")
        counts["anomaly_feedback"] = cur.rowcount
        counts["security_findings"] = _copy(cur, "security_findings", FINDING_COLUMNS,
                                            _finding_rows(rng, findings, start.timestamp(), now))
        counts["security_threats"] = _copy(cur, "security_threats", THREAT_COLUMNS,
                                           _threat_rows(rng, threats, start.timestamp(),
                                                        now.timestamp()))
        cur.execute("INSERT INTO data_quality (series_id, score, components, computed_at) "
                    "SELECT id, 0.6 + (id %% 40) / 100.0, '{}', %s FROM series", (now,))
        counts["data_quality"] = cur.rowcount
        cur.execute("INSERT INTO predicted_breaches (target, series_id, computed_at, valid_until,"
                    " active, priority, probability, seconds_to_breach, details) SELECT "
                    "'disk-' || id, id, %s, %s, id %% 3 = 0, 'P3', 0.2 + (id %% 8) / 10.0, "
                    "3600 * (id %% 48 + 1), '{}' FROM series WHERE id <= 20",
                    (now.timestamp(), now.timestamp() + 3600))
        counts["predicted_breaches"] = cur.rowcount
        cur.execute("INSERT INTO scaling_recommendations (target, computed_at, replicas, "
                    "proposal, winner, fallback, details) SELECT 'web', %s - g * 3600, "
                    "3 + g %% 5, 3 + g %% 5, 'predictive', NULL, '{}' "
                    "FROM generate_series(0, 167) AS g", (now.timestamp(),))
        counts["scaling_recommendations"] = cur.rowcount
        for table in ("series", "alerts", "alert_events", "alert_notifications",
                      "anomaly_detections", "security_findings", "security_threats"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")  # as autovacuum would: index-only scans, fresh statistics
    return SeedReport(counts, time.perf_counter() - started, start, now)


def main(argv: list[str] | None = None) -> int:
    """Seed the database named on the command line; print the counts as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="postgresql+psycopg://user@host:5432/db (must exist)")
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--alerts", type=int, default=100_000)
    parser.add_argument("--anomalies", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--end", help="end of the history (ISO 8601, default now)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgresql"):
        print("seed_analytics: a PostgreSQL URL is required", file=sys.stderr)
        return 2
    end = datetime.fromisoformat(args.end) if args.end else None
    report = seed(args.database_url, series=args.series, alerts=args.alerts,
                  anomalies=args.anomalies, weeks=args.weeks, end=end)
    print(json.dumps({"counts": report.counts, "seconds": round(report.seconds, 1),
                      "start": report.start.isoformat(), "end": report.end.isoformat()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
