"""Schemathesis set-up shared by the fuzz tests: an app on a fresh database and a key."""

from __future__ import annotations

import atexit
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import schemathesis

from tests.support import create_pg_database, drop_pg_database, pg_url_for
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.types import Role
from vigil.services.keys import create_key
from vigil.storage.database import Database, open_database
from vigil.storage.migrate import upgrade


@dataclass
class FuzzTarget:
    """An app under fuzzing, its database and an API key to call it with."""

    schema: Any
    db: Database
    settings: Settings
    key: str

    def check(self, case: Any) -> None:
        """Call one generated case: never a 5xx, and every error is problem+json."""
        response = case.call(headers={"Authorization": f"Bearer {self.key}"})
        assert response.status_code < 500, (case.method, case.path, response.text[:500])
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/problem+json")


def fuzz_target(name: str, role: Role = Role.ADMIN,
                prepare: Callable[[Database, Settings], None] | None = None,
                database_url: str | None = None,
                config: OperatorConfig | None = None) -> FuzzTarget:
    """A migrated app (SQLite unless `database_url` is given; optionally seeded by
    `prepare`, with an operator `config`) with positive+negative cases."""
    tmp = Path(tempfile.mkdtemp(prefix=f"vigil-fuzz-{name}-"))
    url = database_url or f"sqlite:///{tmp / 'fuzz.db'}"
    upgrade(url)
    settings = Settings(data_dir=tmp, database_url=url, scheduler_enabled=False)
    db = open_database(settings)
    if prepare is not None:
        prepare(db, settings)
    key = create_key(db, "fuzz", role, actor="test").secret
    app = create_app(settings, db=db, config=config or OperatorConfig(), background=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        deterministic=True)
    return FuzzTarget(schema, db, settings, key)


def postgres_fuzz_target(name: str, role: Role = Role.ADMIN,
                         prepare: Callable[[Database, Settings], None] | None = None,
                         ) -> tuple[FuzzTarget | None, str]:
    """`fuzz_target` on a throw-away PostgreSQL database (dropped at exit), or None and why
    PostgreSQL could not be reached."""
    try:
        db_name = create_pg_database()
    except psycopg.Error as exc:
        return None, str(exc).strip().splitlines()[0]
    target = fuzz_target(name, role=role, prepare=prepare, database_url=pg_url_for(db_name))

    def _drop() -> None:
        target.db.dispose()
        drop_pg_database(db_name)

    atexit.register(_drop)
    return target, ""
