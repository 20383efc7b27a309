"""Feedback -> accuracy / false-positive rate -> the runbook's rules fire and resolve."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from tests.integration.lifecycle.helpers import series_with_anomalies
from tests.support import auth
from vigil.alerting.config import AlertingConfig
from vigil.config import Settings
from vigil.detection.lifecycle_config import ModelLifecycleConfig
from vigil.services import alerting, feedback, model_quality
from vigil.storage.database import Database

CFG = ModelLifecycleConfig()


def firing(db: Database) -> set[str]:
    return {a.rule for a in alerting.list_alerts(db, ["firing"])}


def gauge(name: str, series_id: int) -> float | None:
    return REGISTRY.get_sample_value(name, {"series_id": str(series_id), "series": "checkout",
                                            "model_version": "vigil-test"})


def test_feedback_drives_the_rules_to_fire_and_resolve(db: Database, settings: Settings) -> None:
    t0 = datetime.now(UTC)
    base = t0.timestamp() - 3600
    sid, ids = series_with_anomalies(db, settings, "checkout", [base + 60 * i for i in range(12)])
    for i, anomaly_id in enumerate(ids):
        feedback.label_anomaly(db, anomaly_id, i >= 4, "ops", t0)  # 4 false, 8 true positives
    rules = AlertingConfig()
    for minutes in (0, 16, 31):
        at = t0 + timedelta(minutes=minutes)
        model_quality.quality_job(db, settings, CFG, at)
        alerting.evaluate_alerts(db, settings, rules, at)
    assert gauge("anomaly_detection_accuracy", sid) == 8 / 12
    assert gauge("false_positive_rate", sid) == 4 / 12
    assert {"LowDetectionAccuracy", "HighFalsePositiveRate"} <= firing(db)
    for anomaly_id in ids[:4]:  # the operators change their minds: all were real
        feedback.label_anomaly(db, anomaly_id, True, "ops", t0)
    at = t0 + timedelta(minutes=32)
    model_quality.quality_job(db, settings, CFG, at)
    alerting.evaluate_alerts(db, settings, rules, at)
    assert gauge("anomaly_detection_accuracy", sid) == 1.0
    assert not {"LowDetectionAccuracy", "HighFalsePositiveRate"} & firing(db)


def test_too_few_labels_are_absent_not_zero(db: Database, settings: Settings,
                                            client: TestClient, keys: dict[str, str]) -> None:
    t0 = datetime.now(UTC)
    base = time.time() - 600
    sid, ids = series_with_anomalies(db, settings, "checkout", [base + 60 * i for i in range(5)])
    for anomaly_id in ids:
        feedback.label_anomaly(db, anomaly_id, False, "ops", t0)  # 5 false positives: < 10
    feedback.mark_missed(db, sid, t0 - timedelta(minutes=5), t0, None, "ops", 30, t0)
    rules = AlertingConfig()
    for minutes in (0, 31):
        at = t0 + timedelta(minutes=minutes)
        model_quality.quality_job(db, settings, CFG, at)
        alerting.evaluate_alerts(db, settings, rules, at)
    assert gauge("false_positive_rate", sid) is None
    assert gauge("anomaly_detection_accuracy", sid) is None
    assert REGISTRY.get_sample_value("missed_anomalies",
                                     {"series_id": str(sid), "series": "checkout"}) == 1
    assert not {"LowDetectionAccuracy", "HighFalsePositiveRate"} & firing(db)
    body = client.get(f"/api/v1/models/quality?series_id={sid}",
                      headers=auth(keys["viewer"])).json()
    [row] = body["items"]
    assert row["labelled"] == 5 and row["false_positives"] == 5
    assert row["anomaly_detection_accuracy"] is None and row["false_positive_rate"] is None
    assert row["missed_anomalies"] == 1 and body["min_labels"] == 10
