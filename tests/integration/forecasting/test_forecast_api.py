"""GET /api/v1/series/{id}/forecast, /predictions and /slos on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.storage.database import Database

STEP = 300.0


def _config() -> OperatorConfig:
    return OperatorConfig.model_validate({"forecasting": {
        "max_horizon": "2d",
        "targets": [{"name": "disk-full", "metric": "disk_usage_percent",
                     "selector": ['mount="/"'], "threshold": 95, "horizon": "24h"}],
        "slos": [{"name": "api", "metric": "error_rate", "objective": 0.99, "window": "1d"}]}})


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with a forecasting config (no background jobs)."""
    app = create_app(settings, db=db, config=_config(), background=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _ingest(client: TestClient, key: str, name: str, labels: dict[str, str],
            values: np.ndarray) -> int:
    now = time.time()
    ts = now - STEP * (len(values) - 1 - np.arange(len(values)))
    body = {"series": [{"name": name, "labels": labels,
                        "points": [[float(t), float(v)] for t, v in zip(ts, values, strict=True)]}]}
    r = client.post("/api/v1/ingest", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    r = client.get(f"/api/v1/series?name={name}", headers={"Authorization": f"Bearer {key}"})
    return int(r.json()["items"][0]["id"])


def test_forecast_predictions_and_slos(api: TestClient, keys: dict[str, str]) -> None:
    auth = {"Authorization": f"Bearer {keys['viewer']}"}
    n = 2 * 288
    rng = np.random.default_rng(0)
    disk = 70 + 0.02 * np.arange(n) + rng.normal(0, 0.1, n)  # ~81.5 now, +5.76 a day
    sid = _ingest(api, keys["operator"], "disk_usage_percent", {"mount": "/"}, disk)
    _ingest(api, keys["operator"], "error_rate", {}, np.full(n, 0.002))

    r = api.get(f"/api/v1/series/{sid}/forecast?horizon=6h", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["points"]) == 72 and body["step_seconds"] == pytest.approx(STEP)
    last = body["points"][-1]
    assert last["lower"] <= last["mean"] <= last["upper"]
    assert last["mean"] == pytest.approx(disk[-1] + 0.02 * 72, abs=0.5)

    r = api.get("/api/v1/predictions", headers=auth)
    assert r.status_code == 200
    [item] = r.json()["items"]
    assert item["target"] == "disk-full" and item["series_id"] == sid
    # 95 is (95 - 81.5) / 0.02 = ~675 steps (~56 h) away: beyond the 24 h horizon
    assert item["breach_predicted"] is False and item["priority"] is None

    r = api.get("/api/v1/slos", headers=auth)
    [slo] = r.json()["items"]
    assert slo["budget_remaining"] == pytest.approx(0.8)  # 0.2% of a 1% budget spent
    assert not any(a["firing"] for a in slo["alerts"])

    metrics = api.get("/metrics").text
    assert 'vigil_slo_error_budget_remaining{metric="error_rate",series_id=' in metrics
    assert "vigil_predicted_breach_seconds{" in metrics


def test_bad_forecast_requests(api: TestClient, keys: dict[str, str]) -> None:
    auth = {"Authorization": f"Bearer {keys['viewer']}"}
    sid = _ingest(api, keys["operator"], "disk_usage_percent", {"mount": "/"},
                  np.arange(10, dtype=float))
    r = api.get(f"/api/v1/series/{sid}/forecast?horizon=3d", headers=auth)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["path"] == "horizon"
    assert "max_horizon" in r.json()["detail"]
    r = api.get(f"/api/v1/series/{sid}/forecast?horizon=soon", headers=auth)
    assert r.status_code == 422
    r = api.get(f"/api/v1/series/{sid}/forecast?horizon=1h", headers=auth)
    assert r.status_code == 422 and r.json()["type"].endswith("insufficient-history")
    assert "need ≥ 24 points, have 10" in r.json()["detail"]
    assert api.get("/api/v1/series/999999/forecast", headers=auth).status_code == 404
    assert api.get(f"/api/v1/series/{sid}/forecast").status_code == 401
