"""Fixtures shared by the integration tests: the database a `vigil serve` under test uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import create_pg_database, drop_pg_database, pg_url_for


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def vigil_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """'' (the SQLite file under the data dir) or a throw-away PostgreSQL database URL."""
    if request.param == "sqlite":
        yield ""
        return
    request.getfixturevalue("pg_server")
    name = create_pg_database()
    try:
        yield pg_url_for(name)
    finally:
        drop_pg_database(name)
