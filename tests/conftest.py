"""Shared fixtures: databases on SQLite and the real PostgreSQL, Redis, settings, API clients.

PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) are used for real. When one is not
reachable the tests that need it are skipped with a loud warning, except under CI=true,
where they fail.
"""

from __future__ import annotations

import os
import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.types import Role
from vigil.services.keys import create_key
from vigil.storage.database import Database, open_database
from vigil.storage.migrate import upgrade

PG_HOST = os.environ.get("VIGIL_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("VIGIL_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("VIGIL_TEST_PG_USER", "postgres")
REDIS_URL = os.environ.get("VIGIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def service_missing(what: str, why: str) -> None:
    """Skip loudly, or fail under CI=true, when a real service is not reachable."""
    message = f"{what} is not reachable ({why}); tests that need it are SKIPPED"
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true: {why}")
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def _admin_conn() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                           autocommit=True, connect_timeout=3)


def pg_url_for(dbname: str) -> str:
    """SQLAlchemy URL of a database on the test PostgreSQL server."""
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


@pytest.fixture(scope="session")
def pg_server() -> None:
    """Check once that PostgreSQL answers."""
    try:
        with _admin_conn() as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        service_missing("PostgreSQL at 127.0.0.1:5432", str(exc).strip().splitlines()[0])


def create_pg_database() -> str:
    """Create a fresh, uniquely named database and return its name."""
    name = f"vigil_test_{secrets.token_hex(6)}"
    with _admin_conn() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    """Drop a test database, disconnecting whoever is still on it."""
    with _admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on SQLite and, in a second run, on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'vigil.db'}"
        upgrade(url)
        yield url
        return
    request.getfixturevalue("pg_server")
    name = create_pg_database()
    url = pg_url_for(name)
    try:
        upgrade(url)
        yield url
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
