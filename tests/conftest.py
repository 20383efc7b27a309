"""Shared fixtures: databases on SQLite and the real PostgreSQL, Redis, settings, API clients.

PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are used for real. When one is not
reachable the tests that need it are skipped with a loud warning, except under CI=true,
where they fail.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.support import (
    REDIS_URL,
    admin_connection,
    create_pg_database,
    drop_pg_database,
    pg_url_for,
    service_missing,
)
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.types import Role
from vigil.services.keys import create_key
from vigil.storage.database import Database, open_database
from vigil.storage.migrate import upgrade


@pytest.fixture(scope="session")
def pg_server() -> None:
    """Check once that PostgreSQL answers."""
    try:
        with admin_connection() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        service_missing("PostgreSQL at 127.0.0.1:5432", str(exc).strip().splitlines()[0])


@pytest.fixture
def pg_database(pg_server: None) -> Iterator[str]:
    """A fresh PostgreSQL database URL for one test, dropped afterwards."""
    name = create_pg_database()
    try:
        yield pg_url_for(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
def redis_url() -> str:
    """URL of the real Redis (database 15), checked to answer."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis at 127.0.0.1:6379", str(exc))
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per test process (`upgrade`, every migration)."""
    path = tmp_path_factory.mktemp("migrated") / "vigil.db"
    upgrade(f"sqlite:///{path}")  # disposes its engine: nothing holds the file after
    return path


@pytest.fixture(scope="session")
def migrated_pg(pg_server: None) -> Iterator[str]:
    """A PostgreSQL database migrated once per test process, the template of `db_url`'s."""
    name = create_pg_database()
    try:
        upgrade(pg_url_for(name))  # disposes its engine: no session is left on the template
        yield name
    finally:
        drop_pg_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on SQLite and, in a second run, on PostgreSQL.

    Each is a copy of one migrated once per test process (a SQLite backup of the file;
    CREATE DATABASE ... TEMPLATE): the same schema as running every migration per test,
    in a fraction of the time.
    """
    if request.param == "sqlite":
        path = tmp_path / "vigil.db"
        template = request.getfixturevalue("migrated_sqlite")
        with closing(sqlite3.connect(template)) as source, \
                closing(sqlite3.connect(path)) as target:
            source.backup(target)
        yield f"sqlite:///{path}"
        return
    name = create_pg_database(template=request.getfixturevalue("migrated_pg"))
    try:
        yield pg_url_for(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """Settings pointing at the test database and a temporary data directory."""
    return Settings(data_dir=tmp_path / "data", database_url=db_url, scheduler_enabled=False)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    """An open handle on the test database."""
    database = open_database(settings)
    yield database
    database.dispose()


@pytest.fixture
def keys(db: Database) -> dict[str, str]:
    """One API key per role."""
    return {role.value: create_key(db, f"test-{role.value}", role, actor="test").secret
            for role in Role}


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """An in-process HTTP client of the app (no background jobs)."""
    app = create_app(settings, db=db, config=OperatorConfig(), background=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
