"""Data quality computed by the detection worker raises LowDataQuality (SQLite, PostgreSQL)."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

import numpy as np
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from tests.support import auth
from vigil.alerting.config import AlertingConfig
from vigil.config import Settings
from vigil.core.ingest import SeriesInput
from vigil.detection.config import DetectionConfig, WatchRule
from vigil.detection.lifecycle_config import ModelLifecycleConfig
from vigil.services import alerting, model_quality
from vigil.services.data_quality import DataQualityMonitor
from vigil.services.detection_worker import DetectionWorker
from vigil.services.ingest import ingest
from vigil.storage import detection_repo
from vigil.storage.database import Database

STEP = 60.0


def test_gaps_and_duplicates_lower_the_score_and_raise_the_alert(
        db: Database, settings: Settings, client: TestClient, keys: dict[str, str]) -> None:
    now = time.time()
    rng = np.random.default_rng(5)
    points = [(now - (1000 - i) * STEP, 50 + 5 * math.sin(i / 20) + rng.normal())
              for i in range(1000) if i % 10 != 3]  # 10% gaps
    labels = {"env": "prod"}
    sid = ingest(db, settings, [SeriesInput("queue_depth", labels, points)]).series_ids[0]
    ingest(db, settings, [SeriesInput("queue_depth", labels, points[::10])])  # 10% duplicates
    clean = ingest(db, settings, [SeriesInput("queue_ok", labels,
                                              [(now - (300 - i) * STEP, float(i % 7))
                                               for i in range(300)])]).series_ids[0]
    worker = DetectionWorker(db, DetectionConfig(watch=[WatchRule(name="queue_.*")]))
    worker.run_once(poll=True)
    assert REGISTRY.get_sample_value("data_quality_score",
                                     {"series_id": str(sid), "series": "queue_depth"}) < 0.9
    assert REGISTRY.get_sample_value("data_quality_score",
                                     {"series_id": str(clean), "series": "queue_ok"}) > 0.95
    body = client.get(f"/api/v1/series/{sid}/quality", headers=auth(keys["viewer"])).json()
    assert body["data_quality_score"] < 0.9
    assert body["components"]["gaps"]["cost"] > 0 and body["components"]["late"]["cost"] > 0
    assert REGISTRY.get_sample_value("vigil_data_quality_cost", {
        "series_id": str(sid), "series": "queue_depth", "component": "gaps"}) > 0
    t0 = datetime.now(UTC)
    monitor = DataQualityMonitor(db, ModelLifecycleConfig())
    with db.session() as session:
        [info] = detection_repo.series_by_ids(session, [sid])
    for minutes in (0, 8, 16):  # the worker re-assesses every minute; here every 8
        at = t0 + timedelta(minutes=minutes)
        monitor.assess(info, at.timestamp())
        model_quality.quality_job(db, settings, ModelLifecycleConfig(), at)
        alerting.evaluate_alerts(db, settings, AlertingConfig(), at)
    fired = [a for a in alerting.list_alerts(db, ["firing"]) if a.rule == "LowDataQuality"]
    assert [a.labels["series_id"] for a in fired] == [str(sid)]
    assert fired[0].labels["series_name"] == "queue_depth"
