"""The detection worker on SQLite and PostgreSQL: ingest -> scored -> anomaly stored -> listed."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.ingest import SeriesInput
from vigil.detection.config import DetectionConfig, WatchRule
from vigil.detection.registry import make_detector
from vigil.services.detection_worker import DetectionWorker
from vigil.services.ingest import ingest
from vigil.storage import detection_repo
from vigil.storage.anomalies_repo import AnomalyFilter, list_anomalies
from vigil.storage.database import Database

STEP = 60.0


def seasonal(n: int, start: float, seed: int = 1) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    return [(start + i * STEP, 50 + 10 * math.sin(2 * math.pi * i / 60) + rng.normal(0, 1))
            for i in range(n)]


def watch_cpu() -> DetectionConfig:
    return DetectionConfig(watch=[WatchRule(name="cpu_.*", labels={"env": "prod"})])


def uninterrupted_state(points: list[tuple[float, float]]) -> bytes:
    """The state of a default detector that scored every point in one run."""
    detector = make_detector("vigil")
    arr = np.asarray(points)
    detector.update_batch(arr[:, 0], arr[:, 1])
    return detector.get_state()


def anomalies(db: Database) -> list[object]:
    with db.session() as session:
        return list_anomalies(session, AnomalyFilter(), None, 1000)


def test_a_spike_in_a_watched_series_is_stored(db: Database, settings: Settings) -> None:
    start = time.time() - 1000 * STEP
    worker = DetectionWorker(db, watch_cpu())
    points = seasonal(600, start)
    report = ingest(db, settings, [SeriesInput("cpu_usage_percent", {"env": "prod"}, points),
                                   SeriesInput("cpu_usage_percent", {"env": "dev"}, points)])
    worker.notify(report)
    first = worker.run_once()
    assert list(first) == [report.series_ids[0]]  # the dev series is not watched
    assert first[report.series_ids[0]].scored == 600
    assert anomalies(db) == []  # clean seasonal noise: nothing stored
    spike = [(start + 600 * STEP, 400.0), *seasonal(5, start + 601 * STEP, seed=2)]
    worker.notify(ingest(db, settings, [SeriesInput("cpu_usage_percent", {"env": "prod"},
                                                    spike)]))
    worker.run_once()
    found = anomalies(db)
    assert len(found) >= 1
    top = found[-1]
    assert top.value == 400.0 and top.severity in {"warning", "critical"}  # type: ignore[attr-defined]
    assert top.expected_upper is not None and top.expected_upper < 400.0  # type: ignore[attr-defined]
    assert "400" in (top.explanation or "")  # type: ignore[attr-defined]


def test_restart_continues_from_stored_state(db: Database, settings: Settings) -> None:
    start = time.time() - 2000 * STEP
    points = seasonal(800, start)
    sid = ingest(db, settings, [SeriesInput("cpu_a", {"env": "prod"}, points[:500])]).series_ids[0]
    first = DetectionWorker(db, watch_cpu())
    first.run_once(poll=True)
    first.stop()
    with db.session() as session:
        saved = detection_repo.load_state(session, sid, "vigil")
    assert saved is not None and saved.last_ts == points[499][0]
    ingest(db, settings, [SeriesInput("cpu_a", {"env": "prod"}, points[500:])])
    restarted = DetectionWorker(db, watch_cpu())
    outcome = restarted.run_once(poll=True)[sid]
    assert outcome.scored == 300 and outcome.warmed_up_on == 0
    with db.session() as session:
        resumed = detection_repo.load_state(session, sid, "vigil")
    assert resumed is not None and resumed.state == uninterrupted_state(points)


def replace_state(db: Database, sid: int, state: bytes, model_version: str) -> float:
    """Overwrite a series' stored state (its last point stays); returns that point."""
    with db.session() as session:
        saved = detection_repo.load_state(session, sid, "vigil")
        assert saved is not None
        detection_repo.save_state(session, sid, "vigil", model_version, state, saved.last_ts)
    return saved.last_ts


@pytest.mark.parametrize(("broken", "level", "reason"), [
    ("garbage", "WARNING", "cannot be read (not a detector state)"),
    ("truncated", "WARNING", "cannot be read (corrupt detector state"),
    ("old version", "INFO", "written by vigil-0.0.1"),
])
def test_a_state_it_cannot_use_is_relearned_from_history_with_a_log_line(
        db: Database, settings: Settings, capsys: pytest.CaptureFixture[str],
        broken: str, level: str, reason: str) -> None:
    start = time.time() - 2000 * STEP
    points = seasonal(800, start)
    points[450] = (points[450][0], 400.0)  # reported once, before the state breaks
    first = DetectionWorker(db, watch_cpu())  # watching before the series exists: scores it
    sid = ingest(db, settings, [SeriesInput("cpu_c", {"env": "prod"}, points[:500])]).series_ids[0]
    assert first.run_once(poll=True)[sid].scored == 500
    first.stop()  # gives its partitions back
    reported = len(anomalies(db))
    assert reported >= 1
    with db.session() as session:
        good = detection_repo.load_state(session, sid, "vigil")
    assert good is not None
    version = good.model_version
    state, stamp = {"garbage": (b"not a state", version),
                    "truncated": (good.state[:60], version),
                    "old version": (good.state, "vigil-0.0.1")}[broken]
    resume_after = replace_state(db, sid, state, stamp)
    capsys.readouterr()
    ingest(db, settings, [SeriesInput("cpu_c", {"env": "prod"}, points[500:])])
    outcome = DetectionWorker(db, watch_cpu()).run_once(poll=True)[sid]
    # the 500 stored points are learned again silently, the 300 new ones are scored
    assert outcome.warmed_up_on == 500 and outcome.scored == 300
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines()
              if "Detector state re-learned" in line]
    assert len(logged) == 1
    assert logged[0]["level"] == level and reason in logged[0]["reason"]
    assert logged[0]["series_id"] == sid and logged[0]["resumes_after_ts"] == resume_after
    assert len(anomalies(db)) == reported  # the old spike is not reported again
    with db.session() as session:
        resumed = detection_repo.load_state(session, sid, "vigil")
    assert resumed is not None and resumed.model_version == version
    assert resumed.state == uninterrupted_state(points)  # as if nothing had broken


def test_a_series_that_fails_is_skipped_and_retried_the_others_are_scored(
        db: Database, settings: Settings, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from prometheus_client import REGISTRY

    from vigil.services import detection_worker

    start = time.time() - 2000 * STEP
    worker = DetectionWorker(db, watch_cpu())
    report = ingest(db, settings, [SeriesInput("cpu_d", {"env": "prod"}, seasonal(300, start)),
                                   SeriesInput("cpu_e", {"env": "prod"}, seasonal(300, start))])
    poison, healthy = sorted(report.series_ids)
    real_rows = detection_worker.anomaly_rows

    def rows_failing_for_poison(*args: object, **kwargs: object) -> list[dict[str, object]]:
        if args[2] == poison:  # an unforeseen bug on one series' data
            raise RuntimeError("unforeseen")
        return real_rows(*args, **kwargs)  # type: ignore[arg-type]

    def failures() -> float:
        return REGISTRY.get_sample_value("vigil_detection_series_failures_total",
                                         {"detector": "vigil"}) or 0.0

    before = failures()
    monkeypatch.setattr(detection_worker, "anomaly_rows", rows_failing_for_poison)
    capsys.readouterr()
    outcomes = worker.run_once(poll=True)
    assert poison not in outcomes and outcomes[healthy].scored == 300
    assert failures() == before + 1
    (logged,) = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                 if "Series scoring failed" in line]
    assert logged["series_id"] == poison and "RuntimeError: unforeseen" in logged["message"]
    with db.session() as session:  # its pass was rolled back: nothing half-stored
        assert detection_repo.load_state(session, poison, "vigil") is None
    monkeypatch.setattr(detection_worker, "anomaly_rows", real_rows)
    retried = worker.run_once(poll=True)  # the next poll: nothing lost
    assert retried[poison].scored == 300
    assert healthy not in retried or retried[healthy].scored == 0  # scored once, not twice


def test_history_that_predates_watching_is_learned_silently(db: Database,
                                                           settings: Settings) -> None:
    start = time.time() - 3000 * STEP
    points = seasonal(700, start)
    points[650] = (points[650][0], 500.0)  # an old spike: history, not news
    sid = ingest(db, settings, [SeriesInput("cpu_b", {"env": "prod"}, points)]).series_ids[0]
    worker = DetectionWorker(db, watch_cpu())
    outcome = worker.run_once(poll=True)[sid]
    assert outcome.warmed_up_on == 700 and outcome.scored == 0
    assert anomalies(db) == []
    later = [(start + 700 * STEP, 500.0)]
    worker.notify(ingest(db, settings, [SeriesInput("cpu_b", {"env": "prod"}, later)]))
    assert worker.run_once()[sid].scored == 1


def test_unwatched_config_does_nothing(db: Database, settings: Settings) -> None:
    worker = DetectionWorker(db, DetectionConfig())
    report = ingest(db, settings, [SeriesInput("cpu_usage_percent", {}, seasonal(10, 1e9))])
    worker.notify(report)
    assert not worker.enabled and worker.run_once(poll=True) == {}


def test_served_app_scores_ingested_points_and_lists_them(settings: Settings, db: Database,
                                                          keys: dict[str, str]) -> None:
    config = OperatorConfig(detection=watch_cpu())
    app = create_app(settings, db=db, config=config, background=False)
    worker: DetectionWorker = app.state.runtime.detection
    start = time.time() - 1000 * STEP
    with TestClient(app) as client:
        body = {"series": [{"name": "cpu_usage_percent", "labels": {"env": "prod"},
                            "points": [list(p) for p in seasonal(600, start)]}]}
        assert client.post("/api/v1/ingest", json=body,
                           headers=auth(keys["operator"])).status_code == 200
        worker.run_once()
        spike = {"series": [{"name": "cpu_usage_percent", "labels": {"env": "prod"},
                             "points": [[start + 600 * STEP, 900.0]]}]}
        client.post("/api/v1/ingest", json=spike, headers=auth(keys["operator"]))
        worker.run_once()
        listed = client.get("/api/v1/anomalies", headers=auth(keys["viewer"])).json()["items"]
        assert listed and listed[0]["value"] == 900.0
        assert listed[0]["timestamp"] == datetime.fromtimestamp(
            start + 600 * STEP, UTC).isoformat().replace("+00:00", "Z")
        metrics = client.get("/metrics").text
        assert "model_inference_time_bucket" in metrics
        assert "vigil_anomalies_detected_total" in metrics
        assert "data_processing_lag " in metrics


@pytest.mark.postgres
def test_replicas_share_partitions_on_postgres(pg_database: str) -> None:
    from vigil.services.partitions import PartitionClaims
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    upgrade(pg_database)
    dbs = [open_database(Settings(database_url=pg_database)) for _ in range(2)]
    try:
        a, b = PartitionClaims(dbs[0], 8), PartitionClaims(dbs[1], 8)
        assert a.refresh() == set(range(8))
        b.refresh()  # b sees two live workers, claims what is free (nothing yet)
        a.refresh()  # a gives back its extras
        b.refresh()
        assert len(a.owned) == 4 and len(b.owned) == 4 and not (a.owned & b.owned)
        a.release()  # a shuts down: its locks are given back before release() returns
        assert b.refresh() == set(range(8))  # so b takes over everything at once
        b.release()
    finally:
        for db in dbs:
            db.dispose()


@pytest.mark.postgres
def test_a_worker_whose_connection_is_cut_loses_its_partitions_to_the_others(
        pg_database: str) -> None:
    """A worker that dies without releasing: the server frees its locks once its backend
    has exited, which is asynchronous, so the survivor is polled until it took over."""
    import psycopg

    from vigil.services.partitions import PARTITION_NAMESPACE, PartitionClaims
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    upgrade(pg_database)
    dbs = [open_database(Settings(database_url=pg_database)) for _ in range(2)]
    try:
        a, b = PartitionClaims(dbs[0], 8), PartitionClaims(dbs[1], 8)
        for claims in (a, b, a, b):
            claims.refresh()
        assert len(a.owned) == 4 and len(b.owned) == 4
        with psycopg.connect(pg_database.replace("postgresql+psycopg://", "postgresql://"),
                             autocommit=True) as admin:  # cut the connection holding a's locks
            cut = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM (SELECT DISTINCT pid FROM pg_locks "
                "WHERE locktype = 'advisory' AND classid = %s AND objid = ANY(%s) "
                "AND objsubid = 2 AND database = "  # pg_locks shows every database's locks
                "(SELECT oid FROM pg_database WHERE datname = current_database())) AS holders",
                (PARTITION_NAMESPACE, sorted(a.owned))).fetchone()
        assert cut == (1,)
        deadline = time.monotonic() + 30
        while b.refresh() != set(range(8)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert b.owned == set(range(8))
        assert a.refresh() == set()  # a notices the loss and drops its claims
        b.release()
    finally:
        for db in dbs:
            db.dispose()


@pytest.mark.postgres
def test_workers_of_another_database_on_the_same_server_do_not_count(pg_database: str) -> None:
    from tests.support import create_pg_database, drop_pg_database, pg_url_for
    from vigil.services.partitions import PartitionClaims
    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    other_name = create_pg_database()
    other_url = pg_url_for(other_name)
    upgrade(pg_database)
    upgrade(other_url)
    ours_db = open_database(Settings(database_url=pg_database))
    other_db = open_database(Settings(database_url=other_url))
    try:
        other = PartitionClaims(other_db, 8)
        assert other.refresh() == set(range(8))  # a worker of another Vigil on the server
        ours = PartitionClaims(ours_db, 8)
        assert ours.refresh() == set(range(8))  # still the only worker of this database
        ours.release()
        other.release()
    finally:
        ours_db.dispose()
        other_db.dispose()
        drop_pg_database(other_name)


@pytest.mark.postgres
def test_a_series_another_process_is_scoring_is_skipped_not_scored_twice(
        pg_database: str) -> None:
    """Claims can be lost mid-pass (their connection dropped); the per-series lock taken
    in the scoring transaction keeps two replicas from scoring one series at once."""
    import psycopg

    from vigil.storage.database import open_database
    from vigil.storage.migrate import upgrade

    upgrade(pg_database)
    settings = Settings(database_url=pg_database)
    db = open_database(settings)
    try:
        worker = DetectionWorker(db, watch_cpu())
        report = ingest(db, settings, [SeriesInput("cpu_usage_percent", {"env": "prod"},
                                                   seasonal(300, time.time() - 400 * STEP))])
        series_id = report.series_ids[0]
        other = psycopg.connect(pg_database.replace("postgresql+psycopg://", "postgresql://"))
        try:  # "another replica" inside its scoring transaction for this series
            other.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                          (detection_repo.SERIES_LOCK_NAMESPACE, series_id))
            worker.notify(report)
            assert worker.run_once()[series_id].scored == 0
            with db.session() as session:
                assert detection_repo.load_state(session, series_id, "vigil") is None
            other.commit()  # it finished: the lock goes with its transaction
            worker.notify(report)
            assert worker.run_once()[series_id].scored == 300
        finally:
            other.close()
        worker.stop()
    finally:
        db.dispose()
