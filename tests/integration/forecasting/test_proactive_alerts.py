"""Forecast → prediction → P3 alert → resolution, end to end on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np
from fastapi.testclient import TestClient

from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.services.alerting import evaluate_alerts, list_alerts
from vigil.services.predictions import forecasting_job
from vigil.storage.database import Database

STEP = 300.0
DAY = 86_400.0


def _config() -> OperatorConfig:
    return OperatorConfig.model_validate({"forecasting": {
        "p2_lead_time": "4h",
        "targets": [{"name": "disk-full", "metric": "disk_usage_percent",
                     "selector": ['mount="/"'], "threshold": 95, "horizon": "24h"}]}})


def _ingest(client: TestClient, key: str, ts: np.ndarray, values: np.ndarray) -> None:
    body = {"series": [{"name": "disk_usage_percent", "labels": {"mount": "/", "host": "db-1"},
                        "points": [[float(t), float(v)] for t, v in zip(ts, values,
                                                                        strict=True)]}]}
    r = client.post("/api/v1/ingest", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text


def test_predicted_breach_raises_a_p3_that_resolves(settings: Settings, db: Database,
                                                    keys: dict[str, str]) -> None:
    config = _config()
    app = create_app(settings, db=db, config=config, background=False)
    real_now = time.time()
    t1 = real_now - DAY  # phase 1 ends a day ago
    n = 3 * 288
    ts = t1 - STEP * np.arange(n)[::-1]
    rng = np.random.default_rng(0)
    # 0.06 a step (0.72 an hour), at 83.0 by t1: 95 in ~16.7 h, within the 24 h horizon
    # and beyond the 4 h lead time, so a P3
    fill = 83.0 + 0.06 * (np.arange(n) - (n - 1)) + rng.normal(0, 0.1, n)
    job = forecasting_job(db, config.forecasting)
    with TestClient(app) as client:
        _ingest(client, keys["operator"], ts, fill)
        summary = job(datetime.fromtimestamp(t1, UTC))
        assert "1 breaches predicted" in summary
        evaluate_alerts(db, settings, config.alerting, datetime.fromtimestamp(t1, UTC))
        [alert] = [a for a in list_alerts(db, ["firing"]) if a.rule == "PredictedBreach"]
        assert alert.priority.value == "P3"
        assert alert.labels["target"] == "disk-full" and alert.labels["host"] == "db-1"
        hours = alert.value / 3600
        assert 14 < hours < 20  # (95 - 83) / 0.72 per hour = 16.7 h
        for key in ("forecast", "interval", "breach_at", "breach_at_lower",
                    "breach_at_upper", "probability"):
            assert alert.annotations[key] not in ("", "-"), key
        assert alert.annotations["summary"].startswith('disk_usage_percent{host="db-1"')

        # A cleanup: the disk drops to 30% and grows slowly: no breach within a day
        ts2 = t1 + STEP * np.arange(1, 289)
        after = 30 + 0.005 * np.arange(1, 289) + rng.normal(0, 0.1, 288)
        _ingest(client, keys["operator"], ts2, after)
        t2 = float(ts2[-1])
        summary = job(datetime.fromtimestamp(t2, UTC))
        assert "0 breaches predicted" in summary
        evaluate_alerts(db, settings, config.alerting, datetime.fromtimestamp(t2, UTC))
        assert not [a for a in list_alerts(db, ["firing"]) if a.rule == "PredictedBreach"]
        [resolved] = [a for a in list_alerts(db, ["resolved"]) if a.rule == "PredictedBreach"]
        assert resolved.id == alert.id
