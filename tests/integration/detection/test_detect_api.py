"""POST /api/v1/detect: stateless scoring, bad input, limits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.support import auth


def series(n: int = 400) -> list[list[object]]:
    rng = np.random.default_rng(3)
    return [[1.7e9 + 300 * i, 20 + 5 * math.sin(i / 10) + float(rng.normal(0, 0.5))]
            for i in range(n)]


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> str:  # one backend suffices
    from vigil.storage.migrate import upgrade

    url = f"sqlite:///{tmp_path}/v.db"
    upgrade(url)
    return url


def test_scores_every_point_and_lists_anomalies(client: TestClient, keys: dict[str, str]) -> None:
    points = series()
    points[350][1] = 500.0
    response = client.post("/api/v1/detect", json={"points": points},
                           headers=auth(keys["viewer"]))
    assert response.status_code == 200
    body = response.json()
    assert body["detector"] == "vigil" and len(body["points"]) == 400
    assert body["points"][0]["warming_up"] is True
    assert all(0.0 <= p["score"] <= 1.0 for p in body["points"])
    assert 350 in [a["index"] for a in body["anomalies"]]
    spike = next(a for a in body["anomalies"] if a["index"] == 350)
    assert spike["upper"] < 500 and "500" in spike["explanation"]


def test_out_of_order_duplicates_and_missing_values(client: TestClient,
                                                   keys: dict[str, str]) -> None:
    points = series(50)
    points[10][1] = None
    points[11][1] = "NaN"
    shuffled = points[25:] + points[:25] + [points[3]]
    body = client.post("/api/v1/detect", json={"points": shuffled},
                       headers=auth(keys["viewer"])).json()
    assert len(body["points"]) == 51
    stamps = [p["timestamp"] for p in body["points"]]
    assert stamps == sorted(stamps)
    assert all(p["score"] == p["score"] for p in body["points"])  # no NaN scores
    missing = [p for p in body["points"] if p["value"] is None]
    assert len(missing) == 2 and all(p["severity"] is None for p in missing)


@pytest.mark.parametrize(("payload", "status", "path"), [
    ({"points": []}, 422, "points"),
    ({"points": [["yesterday", 1.0]]}, 422, "points.0.0"),
    ({"points": [[1.7e9, "lots"]]}, 422, "points.0.1"),
    ({"points": [[1.7e9, 1.0]], "detector": "magic"}, 422, "detector"),
    ({"points": [[1.7e9, 1.0, 2.0]]}, 422, "points.0"),
])
def test_bad_input_gets_422_with_paths(client: TestClient, keys: dict[str, str],
                                       payload: dict[str, object], status: int,
                                       path: str) -> None:
    response = client.post("/api/v1/detect", json=payload, headers=auth(keys["viewer"]))
    assert response.status_code == status
    assert path in [e["path"] for e in response.json()["errors"]]


def test_single_point_constant_and_huge_values(client: TestClient, keys: dict[str, str]) -> None:
    for points in ([[1.7e9, 1.0]], [[1.7e9 + i, 7.0] for i in range(300)],
                   [[1.7e9 + i, 1e308 if i % 2 else -1e308] for i in range(300)]):
        response = client.post("/api/v1/detect", json={"points": points},
                               headers=auth(keys["viewer"]))
        assert response.status_code == 200
        assert all(0.0 <= p["score"] <= 1.0 for p in response.json()["points"])
    constant = client.post("/api/v1/detect", json={"points": [[1.7e9 + i, 7.0]
                                                              for i in range(300)]},
                           headers=auth(keys["viewer"])).json()
    assert constant["anomalies"] == []


def test_needs_a_key_and_limits_points(client: TestClient, keys: dict[str, str]) -> None:
    assert client.post("/api/v1/detect", json={"points": series(5)}).status_code == 401
    client.app.state.settings.max_points_per_request = 10  # type: ignore[attr-defined]
    response = client.post("/api/v1/detect", json={"points": series(11)},
                           headers=auth(keys["viewer"]))
    assert response.status_code == 413
    assert client.post("/api/v1/detect", content=b"{", headers=auth(keys["viewer"])
                       ).status_code == 400
