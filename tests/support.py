"""Small helpers shared by tests (import as tests.support)."""

from __future__ import annotations

import os
import secrets
import socket
import warnings

import psycopg
import pytest


def auth(key: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


def admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres",
                           autocommit=True, connect_timeout=3)


def pg_url_for(dbname: str) -> str:
    """SQLAlchemy URL of a database on the test PostgreSQL server."""
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{dbname}"


def create_pg_database(template: str | None = None) -> str:
    """Create a fresh, uniquely named database (a copy of `template` when given: nobody
    may be connected to it) and return its name."""
    name = f"vigil_test_{secrets.token_hex(6)}"
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
    return name


def drop_pg_database(name: str) -> None:
    """Drop a test database, disconnecting whoever is still on it."""
    with admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
