"""Sessions and the runbook's database checks: `test_connection`, `health_check`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.storage.engine import make_engine


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or answered with a connection-level error."""


class SchemaOutOfDate(RuntimeError):
    """The database schema is not at the version this Vigil expects."""


@dataclass
class Database:
    """One engine plus its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(settings: Settings | None = None) -> Database:
    """Open the database the settings name (SQLite under the data directory by default)."""
    settings = settings or Settings()
    engine = make_engine(settings.effective_database_url())
    return Database(engine, sessionmaker(engine, expire_on_commit=False))


def test_connection(settings: Settings | None = None) -> bool:
    """Connect and run `SELECT 1`; True on success, raises DatabaseUnavailable with the reason."""
    try:
        db = open_database(settings)
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(_reason(exc)) from exc
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(_reason(exc)) from exc
    finally:
        db.dispose()


def health_check(settings: Settings | None = None) -> dict[str, Any]:
    """Report database health: status, dialect, latency, schema revision and whether it is current.

    Never raises: `status` is "ok", "degraded" (reachable, schema not current) or "down".
    Scripts that must fail when the database is down use `require_healthy()` or
    `vigil db check` (exit 1) instead.
    """
    from vigil.storage.migrate import current_revisions, expected_revisions  # alembic: lazily
    settings = settings or Settings()
    try:
        db = open_database(settings)
    except SQLAlchemyError as exc:
        dialect = make_url(settings.effective_database_url()).get_backend_name()
        return {"status": "down", "dialect": dialect, "error": _reason(exc)}
    started = time.perf_counter()
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = current_revisions(conn)
        latency_ms = (time.perf_counter() - started) * 1000
        expected = expected_revisions()
        status = "ok" if current == expected else "degraded"
        return {"status": status, "dialect": db.dialect, "latency_ms": round(latency_ms, 2),
                "schema_revision": sorted(current), "expected_revision": sorted(expected),
                "schema_current": current == expected}
    except SQLAlchemyError as exc:
        return {"status": "down", "dialect": db.dialect, "error": _reason(exc)}
    finally:
        db.dispose()


def is_connection_error(exc: BaseException) -> bool:
    """True for errors that mean the database is unreachable (retryable), not bad SQL or data."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        name = type(exc.orig).__name__ if exc.orig is not None else ""
        return name in {"OperationalError", "InterfaceError"} and "locked" not in str(exc.orig)
    return isinstance(exc, (DatabaseUnavailable, ConnectionError, TimeoutError))


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    msg = str(orig if orig is not None else exc).strip().splitlines()
    return msg[0] if msg else type(exc).__name__


def require_healthy(settings: Settings | None = None) -> dict[str, Any]:
    """`health_check()` for scripts: the report when healthy, else raise (a non-zero exit).

    Raises DatabaseUnavailable when the database cannot be reached and SchemaOutOfDate when
    its schema is not current, so `python -c "...; require_healthy()"` exits 1 on either.
    """
    report = health_check(settings)
    if report["status"] == "down":
        raise DatabaseUnavailable(report["error"])
    if report["status"] != "ok":
        raise SchemaOutOfDate(f"schema at {','.join(report['schema_revision']) or 'none'}, "
                              f"expected {','.join(report['expected_revision'])}: "
                              "run `vigil db upgrade`")
    return report
