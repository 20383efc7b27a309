"""Scheduled jobs: one replica runs a due job, retention with extreme ages."""

from __future__ import annotations

import pytest

from vigil.config import Settings


@pytest.mark.postgres
def test_on_postgres_replicas_run_a_due_job_once_per_interval(pg_database: str) -> None:
    from vigil.services.scheduler import Scheduler
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    upgrade(pg_database)
    replicas = [open_database(Settings(database_url=pg_database)) for _ in range(2)]
    calls: list[str] = []
    try:
        schedulers = [Scheduler(db) for db in replicas]
        for number, scheduler in enumerate(schedulers):
            scheduler.register("hourly", 3600, lambda now, n=number: calls.append(f"r{n}"))
        assert schedulers[0].run_due("hourly") == "ok"
        assert schedulers[1].run_due("hourly") == "skipped"
        assert calls == ["r0"]
        assert schedulers[1].run_now("hourly") == "ok"  # an explicit run is never skipped
    finally:
        for db in replicas:
            db.dispose()


def test_a_retention_longer_than_the_calendar_deletes_nothing_and_does_not_fail(
        db: object) -> None:
    from datetime import UTC, datetime

    from vigil.services.retention import apply_retention
    from vigil.storage.database import Database

    assert isinstance(db, Database)
    assert apply_retention(db, 1_000_000, 100, datetime.now(UTC)) == 0
    assert apply_retention(db, 10**12, 100, datetime.now(UTC)) == 0
