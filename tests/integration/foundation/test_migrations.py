"""Migrations build exactly the schema the models describe, up and down, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

import vigil.storage.all_models  # noqa: F401
from vigil.storage.database import make_engine
from vigil.storage.migrate import alembic_config, upgrade
from vigil.storage.models import Base


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
