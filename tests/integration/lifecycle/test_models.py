"""Retraining, model versions and rollback on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import select

from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.core.ingest import SeriesInput
from vigil.detection.config import DetectionConfig, WatchRule
from vigil.detection.lifecycle_config import ModelLifecycleConfig
from vigil.services import feedback, model_versions, retraining
from vigil.services.detection_worker import DetectionWorker
from vigil.services.ingest import ingest
from vigil.storage import detection_repo, lifecycle_repo
from vigil.storage.anomalies_repo import AnomalyFilter, list_anomalies
from vigil.storage.database import Database
from vigil.storage.keys_repo import list_audit
from vigil.storage.models_lifecycle import ModelVersionRow

STEP = 300.0
LABELS = {"env": "prod"}


def points(n: int, start: float, seed: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    return [(start + i * STEP, 50 + 10 * math.sin(2 * math.pi * i / 288) + rng.normal(0, 1))
            for i in range(n)]


def config(budget: float | None = 3.0) -> OperatorConfig:
    return OperatorConfig(detection=DetectionConfig(
        watch=[WatchRule(name="api_.*", alert_budget_per_week=budget)]))


def state_of(db: Database, sid: int) -> detection_repo.StoredState:
    with db.session() as session:
        stored = detection_repo.load_state(session, sid, "vigil")
    assert stored is not None
    return stored


def test_retrain_versions_and_rollback_restores_exact_state(db: Database,
                                                            settings: Settings) -> None:
    cfg = config()
    start = time.time() - 3000 * STEP
    sid = ingest(db, settings, [SeriesInput("api_latency", LABELS,
                                            points(2000, start, 1))]).series_ids[0]
    worker = DetectionWorker(db, cfg.detection)
    worker.run_once(poll=True)
    now = datetime.now(UTC)
    first = retraining.retrain(db, settings, cfg, now, actor="test")
    [one] = first.series
    assert one.version == 1 and one.promoted and 0.05 <= one.threshold <= 0.995
    second = retraining.retrain(db, settings, config(budget=10.0), now, "api_latency", "test")
    assert second.series[0].version == 2 and second.series[0].threshold <= one.threshold
    worker.run_once(poll=True)  # adopts version 2
    with db.session() as session:
        v1 = lifecycle_repo.get_version(session, sid, 1)
        v2 = lifecycle_repo.get_version(session, sid, 2)
    assert v1 is not None and v2 is not None
    assert state_of(db, sid).state == v2.state
    assert v1.parameters["alert_budget_per_week"] == 3.0 and v1.trained_to is not None
    assert "precision_before" in v1.quality and v1.quality["clean_points"] > 0
    model_versions.rollback(db, sid, 1, "admin", now)
    worker.run_once(poll=True)
    assert state_of(db, sid).state == v1.state  # the exact bytes of version 1
    with db.session() as session:
        actions = [e.action for e in list_audit(session)]
        assert lifecycle_repo.active_model(session, sid).version == 1  # type: ignore[union-attr]
    assert "model.rollback" in actions and actions.count("model.retrain") == 2
    assert REGISTRY.get_sample_value(
        "vigil_model_training_last_success_timestamp_seconds") is not None
    # new points are scored by the adopted model and stamped with its version
    ingest(db, settings, [SeriesInput("api_latency", LABELS,
                                      [(start + 2000 * STEP, 500.0)])])
    worker.run_once(poll=True)
    with db.session() as session:
        found = list_anomalies(session, AnomalyFilter(series_id=sid), None, 100)
    assert any(a.value == 500.0 and a.model_version.endswith("+m1") for a in found)


def test_a_version_whose_state_cannot_be_read_gives_its_threshold_only(
        db: Database, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config()
    start = time.time() - 3000 * STEP
    sid = ingest(db, settings, [SeriesInput("api_queue", LABELS,
                                            points(2000, start, 3))]).series_ids[0]
    worker = DetectionWorker(db, cfg.detection)
    worker.run_once(poll=True)
    [one] = retraining.retrain(db, settings, cfg, datetime.now(UTC), actor="test").series
    assert one.promoted
    own = state_of(db, sid).state
    with db.session() as session:  # the version's bytes rot in the database
        row = session.scalar(select(ModelVersionRow).where(ModelVersionRow.series_id == sid,
                                                           ModelVersionRow.version == 1))
        assert row is not None
        row.state = b"VGST" + row.state[4:40]
    capsys.readouterr()
    worker.run_once(poll=True)  # no crash: the worker keeps its own detector
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines()
              if "Model version state unreadable" in line]
    assert len(logged) == 1 and logged[0]["level"] == "WARNING"
    assert logged[0]["series_id"] == sid and "cannot be read" in logged[0]["reason"]
    assert state_of(db, sid).state == own
    with db.session() as session:
        active = lifecycle_repo.active_model(session, sid)
    assert active is not None and active.adopted_version == 1  # not retried every pass
    ingest(db, settings, [SeriesInput("api_queue", LABELS, [(start + 2000 * STEP, 900.0)])])
    worker.run_once(poll=True)
    with db.session() as session:
        found = list_anomalies(session, AnomalyFilter(series_id=sid), None, 100)
    assert any(a.value == 900.0 and a.model_version.endswith("+m1") for a in found)
    assert "Model version state unreadable" not in capsys.readouterr().err


def test_a_retrain_that_lowers_precision_is_not_promoted(db: Database,
                                                         settings: Settings) -> None:
    cfg = config()
    start = time.time() - 3000 * STEP
    series = points(2000, start, 2)
    sid = ingest(db, settings, [SeriesInput("api_errors", LABELS, series)]).series_ids[0]
    DetectionWorker(db, cfg.detection).run_once(poll=True)
    now = datetime.now(UTC)
    assert retraining.retrain(db, settings, cfg, now).series[0].promoted
    # operators call three ordinary points real anomalies; a model tuned to fire almost
    # never (and not allowed to move with feedback) flags none of them: precision 1 -> 0
    from tests.integration.lifecycle.helpers import store_anomalies

    ids = store_anomalies(db, sid, [series[1500][0], series[1600][0], series[1700][0]])
    for anomaly_id in ids:
        feedback.label_anomaly(db, anomaly_id, True, "ops", now)
    strict = OperatorConfig(detection=DetectionConfig(
        watch=[WatchRule(name="api_.*", alert_budget_per_week=0.01)],
        lifecycle=ModelLifecycleConfig(threshold_max_shift=0.0)))
    kept = retraining.retrain(db, settings, strict, now).series[0]
    assert not kept.promoted and "precision" in kept.reason
    with db.session() as session:
        assert lifecycle_repo.active_model(session, sid).version == 1  # type: ignore[union-attr]


def test_retraining_while_ingest_continues_loses_and_double_scores_nothing(
        db: Database, settings: Settings) -> None:
    cfg = config()
    start = time.time() - 4000 * STEP
    series = points(3000, start, 3)
    sid = ingest(db, settings, [SeriesInput("api_rate", LABELS, series[:1000])]).series_ids[0]
    worker = DetectionWorker(db, cfg.detection)
    first = worker.run_once(poll=True)[sid]
    assert first.scored + first.warmed_up_on == 1000
    scored = first.scored
    done = threading.Event()

    def feed() -> None:
        for i in range(1000, 3000, 50):
            ingest(db, settings, [SeriesInput("api_rate", LABELS, series[i:i + 50])])
        done.set()

    feeder = threading.Thread(target=feed)
    feeder.start()
    runs = 0
    while not done.is_set() or runs < 2:
        scored += sum(o.scored for o in worker.run_once(poll=True).values())
        retraining.retrain(db, settings, cfg, datetime.now(UTC))
        runs += 1
    feeder.join()
    scored += sum(o.scored for o in worker.run_once(poll=True).values())
    assert scored == 3000 - first.warmed_up_on  # every new point scored exactly once
    assert state_of(db, sid).last_ts == series[-1][0]
    with db.session() as session:
        assert len(lifecycle_repo.list_versions(session, sid)) == runs


@pytest.fixture
def app_client(settings: Settings, db: Database) -> TestClient:
    app = create_app(settings, db=db, config=config(), background=False)
    return TestClient(app, raise_server_exceptions=False)


def test_models_api(app_client: TestClient, keys: dict[str, str], db: Database,
                    settings: Settings) -> None:
    start = time.time() - 3000 * STEP
    sid = ingest(db, settings, [SeriesInput("api_latency", LABELS,
                                            points(1500, start, 4))]).series_ids[0]
    ingest(db, settings, [SeriesInput("db_latency", LABELS, points(10, start, 5))])
    with app_client as client:
        operator = client.post("/api/v1/models/retrain", json={}, headers=auth(keys["operator"]))
        assert operator.status_code == 403
        run = client.post("/api/v1/models/retrain", json={"series": "api_.*"},
                          headers=auth(keys["admin"]))
        assert run.status_code == 200, run.text
        assert run.json()["series_count"] == 1
        client.post("/api/v1/models/retrain", json={"series": str(sid)},
                    headers=auth(keys["admin"]))
        unknown = client.post("/api/v1/models/retrain", json={"series": "db_.*"},
                              headers=auth(keys["admin"]))
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["matched"] == ['db_latency{env="prod"}']
        listed = client.get(f"/api/v1/series/{sid}/models", headers=auth(keys["viewer"])).json()
        assert [v["version"] for v in listed["items"]] == [2, 1]
        assert listed["active_version"] == 2
        shown = client.get(f"/api/v1/series/{sid}/models/1", headers=auth(keys["viewer"])).json()
        assert shown["detector"] == "vigil" and shown["state_sha256"]
        assert client.post(f"/api/v1/series/{sid}/models/1/rollback",
                           headers=auth(keys["operator"])).status_code == 403
        back = client.post(f"/api/v1/series/{sid}/models/1/rollback",
                           headers=auth(keys["admin"]))
        assert back.status_code == 200 and back.json()["active_version"] == 1
        assert client.post(f"/api/v1/series/{sid}/models/9/rollback",
                           headers=auth(keys["admin"])).status_code == 404
