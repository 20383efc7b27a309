"""Storage on both databases: runbook checks, migrations, retention, scheduler, atomicity."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.services.ingest import ingest
from vigil.services.retention import apply_retention
from vigil.services.scheduler import Scheduler
from vigil.storage import scaling_repo, series_repo
from vigil.storage.database import (
    Database,
    DatabaseUnavailable,
    health_check,
    open_database,
)
from vigil.storage.database import (
    test_connection as check_connection,
)
from vigil.storage.jobs_repo import list_runs
from vigil.storage.migrate import current_revisions, expected_revisions, upgrade


def test_runbook_checks_on_a_current_database(settings: Settings) -> None:
    assert check_connection(settings) is True
    report = health_check(settings)
    assert report["status"] == "ok" and report["schema_current"] is True
    assert report["latency_ms"] >= 0


def test_runbook_checks_on_an_unmigrated_and_an_unreachable_database(tmp_path: Path) -> None:
    fresh = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'new.db'}")
    assert health_check(fresh)["status"] == "degraded"
    upgrade(fresh.effective_database_url())
    assert health_check(fresh)["status"] == "ok"
    down = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable):
        check_connection(down)
    report = health_check(down)
    assert report["status"] == "down" and report["error"]


def test_upgrade_is_idempotent(db_url: str) -> None:
    upgrade(db_url)
    db = open_database(Settings(database_url=db_url))
    try:
        now = time.time()
        report = ingest(db, Settings(database_url=db_url),
                        [SeriesInput("m", {}, [(now - 1, 1.0), (now, 2.0)])])
        assert report.accepted == 2
        upgrade(db_url)  # a second upgrade neither fails, nor moves the schema, nor loses rows
        with db.engine.connect() as conn:
            assert current_revisions(conn) == expected_revisions()
        with db.session() as session:
            assert series_repo.count_samples(session) == 2
    finally:
        db.dispose()


def test_ingest_is_idempotent_and_cached_ids_survive(db: Database, settings: Settings) -> None:
    now = time.time()
    batch = [SeriesInput("m", {"a": "1"}, [(now - i, float(i)) for i in range(100)])]
    first = ingest(db, settings, batch)
    second = ingest(db, settings, batch)
    assert (first.accepted, first.duplicates) == (100, 0)
    assert (second.accepted, second.duplicates) == (0, 100)
    with db.session() as session:
        assert series_repo.count_samples(session) == 100


def test_retention_deletes_only_old_samples_in_batches(db: Database, settings: Settings) -> None:
    now = datetime.now(UTC)
    old = (now - timedelta(days=40)).timestamp()
    recent = (now - timedelta(days=1)).timestamp()
    batch = [SeriesInput("m", {}, [(old + i, 1.0) for i in range(25)] +
                         [(recent + i, 2.0) for i in range(5)])]
    ingest(db, settings, batch, now=now.timestamp())
    assert apply_retention(db, days=30, batch_size=7, now=now) == 25
    with db.session() as session:
        assert series_repo.count_samples(session) == 5


def test_retention_expires_the_scaling_recommendation_history(db: Database) -> None:
    now = datetime.now(UTC)
    old = (now - timedelta(days=40)).timestamp()
    recent = (now - timedelta(days=1)).timestamp()
    with db.session() as session:
        for i in range(9):
            scaling_repo.add(session, scaling_repo.StoredRecommendation(
                "web", old + i, 3, 3, "hpa", None, {}))
        scaling_repo.add(session, scaling_repo.StoredRecommendation(
            "web", recent, 4, 4, "predictive", None, {}))
    apply_retention(db, days=30, batch_size=4, now=now)
    with db.session() as session:
        kept = scaling_repo.history(session, "web", limit=100)
    assert [rec.computed_at for rec in kept] == [recent]


def test_scheduler_runs_jobs_and_records_them(db: Database) -> None:
    calls: list[datetime] = []
    scheduler = Scheduler(db, tick=0.05)
    scheduler.register("probe", 0.1, lambda now: calls.append(now) or "fine")
    scheduler.register("broken", 100.0, lambda now: 1 / 0)
    scheduler.start()
    deadline = time.monotonic() + 10
    while len(calls) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.stop()
    assert len(calls) >= 3
    runs = {r.name: r for r in list_runs(db)}
    assert runs["probe"].last_status == "ok" and runs["probe"].last_detail == "fine"
    assert runs["broken"].last_status == "error"
    assert "ZeroDivisionError" in (runs["broken"].last_detail or "")


@pytest.mark.postgres
def test_on_postgres_a_job_runs_on_one_replica_at_a_time(pg_database: str) -> None:
    upgrade(pg_database)
    replicas = [open_database(Settings(database_url=pg_database)) for _ in range(2)]
    try:
        second = Scheduler(replicas[1])
        second.register("exclusive", 60, lambda now: "ran on replica 2")
        first = Scheduler(replicas[0])
        outcomes: list[str] = []

        def job(now: datetime) -> str:
            outcomes.append(second.run_now("exclusive"))
            return "ran on replica 1"

        first.register("exclusive", 60, job)
        assert first.run_now("exclusive") == "ok"
        assert outcomes == ["skipped"]
        assert second.run_now("exclusive") == "ok"
    finally:
        for db in replicas:
            db.dispose()


@pytest.mark.postgres
def test_a_failing_batch_writes_nothing(pg_database: str) -> None:
    """One transaction per request: a failure midway leaves no half-written batch."""
    upgrade(pg_database)
    settings = Settings(database_url=pg_database)
    db = open_database(settings)
    try:
        with db.engine.begin() as conn:
            conn.execute(text("""
                CREATE FUNCTION refuse_666() RETURNS trigger AS $$
                BEGIN IF NEW.value = 666 THEN RAISE EXCEPTION 'refused'; END IF;
                RETURN NEW; END $$ LANGUAGE plpgsql"""))
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON samples "
                              "FOR EACH ROW EXECUTE FUNCTION refuse_666()"))
        now = time.time()
        batch = [SeriesInput("a", {}, [(now - 2, 1.0)]),
                 SeriesInput("b", {}, [(now - 1, 666.0)])]
        with pytest.raises(Exception, match="refused"):
            ingest(db, settings, batch)
        with db.session() as session:
            assert series_repo.count_samples(session) == 0
            assert series_repo.list_series(session, None, {}, 0, 10) == []
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_database_down_is_reported(pg_database: str) -> None:
    upgrade(pg_database)
    dbname = pg_database.rsplit("/", 1)[1]
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS false')
    try:
        report = health_check(Settings(database_url=pg_database))
        assert report["status"] == "down"
    finally:
        with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{dbname}" ALLOW_CONNECTIONS true')
