"""Enum and timestamp columns: rows stored as plain text by earlier versions still read,
and what is written now is the same text, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from vigil.alerting.lifecycle import AlertState
from vigil.core.types import Priority, Severity
from vigil.storage import alerting_repo, keys_repo, threats_repo
from vigil.storage.anomalies_repo import AnomalyFilter, list_anomalies
from vigil.storage.engine import make_engine
from vigil.storage.migrate import alembic_config, upgrade
from vigil.storage.models import ApiKeyRow

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _write_rows_as_text(db_url: str) -> None:
    """Insert one row per enum-holding table with plain SQL, as versions before 0007 did."""
    engine = make_engine(db_url)
    naive = T0.replace(tzinfo=None)  # what SQLite held: UTC wall-clock time, no offset
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO series (id, name, labels_key, labels, created_at)"
                " VALUES (1, 'cpu', '', '{}', :t)"), {"t": naive})
            conn.execute(text(
                "INSERT INTO anomaly_detections (series_id, timestamp, value, score, severity,"
                " detector, model_version, status, created_at)"
                " VALUES (1, :t, 9.0, 5.0, 'critical', 'vigil', 'v1', 'open', :t)"), {"t": naive})
            conn.execute(text(
                "INSERT INTO api_keys (name, prefix, key_hash, role, created_at, bootstrap)"
                " VALUES ('ops', 'vgl_abcd', :h, 'operator', :t, :b)"),
                {"h": "0" * 64, "t": naive, "b": False})
            conn.execute(text(
                "INSERT INTO security_threats (type, source_ip, first_seen, last_seen, count,"
                " technique, priority, rule, targets, evidence, details, source, detected_at)"
                " VALUES ('ssh_brute_force', '203.0.113.9', :t, :t, 12, 'T1110', 'P2',"
                " 'ssh_bruteforce', '[]', '[]', '{}', 'cli', :t)"), {"t": naive})
            conn.execute(text(
                "INSERT INTO alerts (id, fingerprint, rule, labels, annotations, severity,"
                " priority, state, value, active_at, fired_at, escalation_level,"
                " escalation_cycle, escalation_done, updated_at, version)"
                " VALUES (1, 'fp', 'HighCpu', '{}', '{}', 'warning', 'P3', 'firing', 97.0,"
                " :t, :t, -1, 0, :b, :t, 0)"), {"t": naive, "b": False})
    finally:
        engine.dispose()


def test_rows_stored_before_enum_columns_still_read(db_url: str) -> None:
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0006_finding_suppression")
    finally:
        engine.dispose()
    _write_rows_as_text(db_url)
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            [anomaly] = list_anomalies(session, AnomalyFilter(severity="critical"), None, 10)
            assert (anomaly.severity, anomaly.timestamp) == ("critical", T0)
            assert anomaly.timestamp.tzinfo is UTC
            [key] = keys_repo.list_keys(session)
            assert (key.role, key.created_at) == ("operator", T0)
            [threat] = threats_repo.list_threats(session, priority="P2")
            assert threat.data["priority"] == "P2"
            assert threat.data["first_seen"] == "2026-01-02T03:04:05+00:00"
            stored = alerting_repo.get_alert(session, 1)
            assert stored is not None
            alert = stored.alert
            assert (alert.severity, alert.priority, alert.state) == (
                Severity.WARNING, Priority.P3, AlertState.FIRING)
            assert alert.fired_at == T0
            assert alerting_repo.count_open_by_priority(session) == {"P3": 1}
    finally:
        engine.dispose()


def test_enum_columns_store_the_same_text_and_refuse_unknown_values(db_url: str) -> None:
    engine = make_engine(db_url)
    paris = timezone(timedelta(hours=1))
    try:
        with Session(engine) as session, session.begin():
            keys_repo.add_key(session, "alice", "vgl_1234", "1" * 64, "admin")
            threats_repo.upsert_threats(session, [{
                "type": "ssh_brute_force", "source_ip": "198.51.100.7",
                "first_seen": T0.astimezone(paris).isoformat(),
                "last_seen": (T0 + timedelta(minutes=5)).isoformat(), "count": 20,
                "technique": "T1110", "priority": "P1", "rule": "ssh_bruteforce",
                "targets": [], "evidence": [], "details": {}}], "api", now=T0)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT role FROM api_keys")).scalar_one() == "admin"
            assert conn.execute(text("SELECT priority FROM security_threats")).scalar_one() \
                == "P1"
        with Session(engine) as session:
            [threat] = threats_repo.list_threats(session)
            # A time with an offset is stored and read back as the same instant in UTC.
            assert threat.data["first_seen"] == "2026-01-02T03:04:05+00:00"
        with Session(engine) as session, session.begin(), pytest.raises(StatementError):
            session.add(ApiKeyRow(name="x", prefix="vgl_9", key_hash="2" * 64, role="root",
                                  created_at=T0, bootstrap=False))
            session.flush()
    finally:
        engine.dispose()
