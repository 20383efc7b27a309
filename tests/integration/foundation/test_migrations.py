"""Migrations build exactly the schema the models describe, up and down, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

import vigil.storage.all_models  # noqa: F401
from vigil.storage.engine import make_engine
from vigil.storage.migrate import alembic_config, upgrade
from vigil.storage.models import Base
from vigil.storage.security_repo import list_findings, open_counts_by_severity


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == []
            index_names = {i["name"] for i in inspect(conn).get_indexes("anomaly_detections")}
            assert "idx_anomaly_timestamp" in index_names
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(db_url: str) -> None:
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        with engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(db_url)


def test_findings_stored_before_0006_stay_open_and_unsuppressed(db_url: str) -> None:
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0005_merge_heads")
        with engine.begin() as conn:
            assert "suppressed_reason" not in {
                c["name"] for c in inspect(conn).get_columns("security_findings")}
            conn.execute(text(
                "INSERT INTO security_findings (fingerprint, target, package, version, ecosystem,"
                " vuln_id, aliases, severity, summary, fixed, location, first_seen, last_seen)"
                " VALUES ('fp', 'svc', 'django', '2.2.5', 'PyPI', 'PYSEC-TEST-1', '[]',"
                " 'CRITICAL', 's', '[]', 'requirements.txt:1', :t, :t)"),
                {"t": datetime(2026, 1, 1, tzinfo=UTC)})
        upgrade(db_url)
        with Session(engine) as session:
            assert [(r.vuln_id, r.suppressed_reason) for r in list_findings(session)] == [
                ("PYSEC-TEST-1", None)]
            assert open_counts_by_severity(session) == {"CRITICAL": 1}
    finally:
        engine.dispose()


def test_console_sessions_migration_goes_down_and_up(db_url: str) -> None:
    cfg = alembic_config(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert "console_sessions" in inspect(conn).get_table_names()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0010_analytics_reports")
        with engine.connect() as conn:
            assert "console_sessions" not in inspect(conn).get_table_names()
            assert "api_keys" in inspect(conn).get_table_names()
    finally:
        engine.dispose()
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("console_sessions")}
            assert columns == {"token_hash", "key_id", "csrf_token", "created_at", "expires_at"}
    finally:
        engine.dispose()
