"""Scaling recommendations from stored series: KEDA endpoint, history, ramp ahead of load."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.services.scaling import Recommendation, compute_recommendations, recommend_target
from vigil.storage.database import Database

STEP = 300.0
DAY = 86400.0
STARTUP = 1800.0  # 30 min: six steps of the series
RAMP_AT = 10 * 3600.0  # every day the load ramps from 100 to 500 at 10:00 UTC
T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def _config() -> OperatorConfig:
    return OperatorConfig.model_validate({"scaling": {"targets": [{
        "name": "api", "metric": "http_requests_per_second", "selector": ['service="api"'],
        "capacity_per_replica": 10, "target_utilization": 0.7, "min_replicas": 3,
        "max_replicas": 200, "startup": "30m", "scale_down_stabilization": "5m",
        "margin_weight": 0.5}]}})


def _load(ts: np.ndarray) -> np.ndarray:
    tod = ts % DAY
    ramp = np.clip((tod - RAMP_AT) / 3600.0, 0.0, 1.0)  # one hour up, then flat until 20:00
    ramp = np.where(tod >= 20 * 3600.0, 0.0, ramp)
    return 100.0 + 400.0 * ramp


@pytest.fixture
def api(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with a scaling target (no background jobs)."""
    app = create_app(settings, db=db, config=_config(), background=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _ingest(client: TestClient, key: str, until: float) -> None:
    ts = np.arange(T0, until + 1, STEP)
    for chunk in range(0, len(ts), 2000):
        part = ts[chunk:chunk + 2000]
        body = {"series": [{"name": "http_requests_per_second", "labels": {"service": "api"},
                            "points": [[float(t), float(v)] for t, v in
                                       zip(part, _load(part), strict=True)]}]}
        r = client.post("/api/v1/ingest", json=body,
                        headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.text


def test_recommendation_rises_before_the_ramp_by_the_startup_time(
        api: TestClient, keys: dict[str, str], db: Database) -> None:
    day3 = T0 + 3 * DAY
    _ingest(api, keys["operator"], day3 + RAMP_AT + 2 * 3600)
    config = _config().scaling
    target = config.targets[0]

    def at(minutes_to_ramp: float) -> Recommendation:
        # the service reads only samples up to `now`: as if it ran at that time
        return recommend_target(db, target, day3 + RAMP_AT - minutes_to_ramp * 60.0)

    hour_before, at_startup, inside = at(60), at(STARTUP / 60 - 5), at(-30)
    assert hour_before.replicas <= 20  # load 100: ceil(100 / 7) = 15, plus the margin
    assert hour_before.decision.fallback is None
    # 25 min before the ramp (start-up 30 min) the forecast already sees it coming
    assert at_startup.decision.winner == "predictive"
    assert at_startup.replicas >= hour_before.replicas + 3
    assert at_startup.decision.hpa_replicas == hour_before.decision.hpa_replicas
    assert inside.replicas > at_startup.replicas  # and keeps rising with the ramp
    assert compute_recommendations(db, config, day3 + RAMP_AT)[0].replicas <= 200


def test_keda_endpoint_history_and_errors(api: TestClient, keys: dict[str, str]) -> None:
    now = time.time()
    ts = np.arange(now - 2 * DAY, now, STEP)
    body = {"series": [{"name": "http_requests_per_second", "labels": {"service": "api"},
                        "points": [[float(t), 70.0] for t in ts]}]}
    viewer = {"Authorization": f"Bearer {keys['viewer']}"}
    r = api.post("/api/v1/ingest", json=body,
                 headers={"Authorization": f"Bearer {keys['operator']}"})
    assert r.status_code == 200, r.text
    r = api.get("/api/v1/scaling/api/keda", headers=viewer)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["replicas"] == 10 and out["forecastLoad"] == pytest.approx(70.0)
    assert out["fallback"] is None
    r = api.get("/api/v1/scaling/api/keda")
    assert r.status_code == 401
    r = api.get("/api/v1/scaling/nope/keda", headers=viewer)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "nope" in r.json()["detail"]
    r = api.get("/api/v1/scaling/api/recommendations", headers=viewer)
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 1 and items[0]["replicas"] == 10 and items[0]["winner"] == "hpa"
    assert api.get("/api/v1/scaling/nope/recommendations", headers=viewer).status_code == 404
    r = api.get("/api/v1/scaling", headers=viewer)
    assert r.json()["items"][0]["target"] == "api"
    metrics = api.get("/metrics").text
    assert 'vigil_scaling_recommended_replicas{target="api"} 10.0' in metrics


def test_stale_series_falls_back_to_hpa_and_says_so(api: TestClient,
                                                    keys: dict[str, str]) -> None:
    now = time.time()
    ts = np.arange(now - 2 * DAY, now - 3600, STEP)  # newest sample an hour old
    body = {"series": [{"name": "http_requests_per_second", "labels": {"service": "api"},
                        "points": [[float(t), 140.0] for t in ts]}]}
    r = api.post("/api/v1/ingest", json=body,
                 headers={"Authorization": f"Bearer {keys['operator']}"})
    assert r.status_code == 200
    out = api.get("/api/v1/scaling/api/keda",
                  headers={"Authorization": f"Bearer {keys['viewer']}"}).json()
    assert out["winner"] == "hpa" and out["replicas"] == 20
    assert "stale" in out["fallback"]
    assert 'vigil_scaling_fallbacks_total{reason="stale",target="api"}' in api.get(
        "/metrics").text
