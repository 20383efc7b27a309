"""The HTTP API on SQLite and PostgreSQL: auth, ingest, reads, pagination, errors, metrics."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.support import auth
from vigil.storage.anomalies_repo import insert_anomalies
from vigil.storage.database import Database
from vigil.telemetry.logging import configure_logging

NOW = int(time.time())


def ingest(client: TestClient, key: str, body: object) -> object:
    return client.post("/api/v1/ingest", headers=auth(key), content=json.dumps(body))


def series_body(name: str = "cpu_usage_percent", labels: dict[str, str] | None = None,
                points: list[list[object]] | None = None) -> dict[str, object]:
    return {"series": [{"name": name, "labels": labels or {"host": "a"},
                        "points": points or [[NOW - 60, 42.0], [NOW, 43.5]]}]}


def test_health_needs_no_key_and_ready_checks_the_database(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"] is True


@pytest.mark.parametrize("path", ["/api/v1/series", "/api/v1/anomalies", "/api/v1/keys"])
def test_every_api_route_needs_a_key(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get(path, headers=auth("vgl_not-a-real-key")).status_code == 401


def test_roles_decide_what_a_key_may_do(client: TestClient, keys: dict[str, str]) -> None:
    assert ingest(client, keys["viewer"], series_body()).status_code == 403
    assert ingest(client, keys["operator"], series_body()).status_code == 200
    assert client.get("/api/v1/series", headers=auth(keys["viewer"])).status_code == 200
    assert client.get("/api/v1/keys", headers=auth(keys["operator"])).status_code == 403
    assert client.get("/api/v1/keys", headers=auth(keys["admin"])).status_code == 200


def test_auth_failures_are_logged_without_the_key_and_counted(
        client: TestClient, keys: dict[str, str]) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        secret = "vgl_" + "x" * 40
        client.get("/api/v1/series", headers=auth(secret))
        client.get("/api/v1/keys", headers=auth(keys["viewer"]))
    finally:
        configure_logging("INFO", None)
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    failed = [e for e in events if e["event"] == "AUTH_FAILED"]
    assert [e["reason"] for e in failed] == ["invalid", "forbidden"]
    assert secret not in stream.getvalue() and keys["viewer"] not in stream.getvalue()
    metrics = client.get("/metrics").text
    assert 'vigil_auth_failures_total{reason="invalid"}' in metrics
    assert "authentication_failure_rate " in metrics


def test_revoked_key_stops_working(client: TestClient, keys: dict[str, str]) -> None:
    created = client.post("/api/v1/keys", headers=auth(keys["admin"]),
                          json={"name": "ci", "role": "viewer"})
    assert created.status_code == 201
    new = created.json()
    assert client.get("/api/v1/series", headers=auth(new["key"])).status_code == 200
    assert client.delete(f"/api/v1/keys/{new['id']}", headers=auth(keys["admin"])).json()[
        "revoked_at"]
    assert client.get("/api/v1/series", headers=auth(new["key"])).status_code == 401
    listed = client.get("/api/v1/keys", headers=auth(keys["admin"])).json()
    assert all("key" not in k for k in listed) and new["id"] not in [k["id"] for k in listed]


def test_ingest_stores_valid_points_and_reports_rejected_ones(
        client: TestClient, keys: dict[str, str]) -> None:
    body = series_body(points=[["2026-11-26T10:00:00Z", 42.0], [NOW, 43.5], [NOW, "NaN"],
                               [-5, 1.0], [NOW + 3 * 86400, 2.0]])
    response = ingest(client, keys["operator"], body)
    assert response.status_code == 200
    report = response.json()
    assert report["accepted"] == 2 and report["rejected_count"] == 3
    assert [r["point"] for r in report["rejected"]] == [2, 3, 4]
    again = ingest(client, keys["operator"], body).json()
    assert again["accepted"] == 0 and again["duplicates"] == 2
    series = client.get("/api/v1/series", headers=auth(keys["viewer"])).json()["items"]
    points = client.get(f"/api/v1/series/{series[0]['id']}/points",
                        headers=auth(keys["viewer"])).json()["points"]
    assert points == [[1795687200.0, 42.0], [float(NOW), 43.5]]


def test_ingest_many_series_in_one_request(client: TestClient, keys: dict[str, str]) -> None:
    body = {"series": [{"name": "mem", "labels": {"host": f"h{i}"},
                        "points": [[NOW - j, float(j)] for j in range(50)]} for i in range(20)]}
    assert ingest(client, keys["operator"], body).json()["accepted"] == 1000
    page = client.get("/api/v1/series", params={"name": "mem", "limit": 7},
                      headers=auth(keys["viewer"])).json()
    assert len(page["items"]) == 7 and page["next_cursor"]
    seen = [s["labels"]["host"] for s in page["items"]]
    while page["next_cursor"]:
        page = client.get("/api/v1/series", params={"name": "mem", "limit": 7,
                                                    "cursor": page["next_cursor"]},
                          headers=auth(keys["viewer"])).json()
        seen += [s["labels"]["host"] for s in page["items"]]
    assert sorted(seen) == sorted(f"h{i}" for i in range(20))


def test_series_filter_by_labels(client: TestClient, keys: dict[str, str]) -> None:
    for labels in ({"host": "a", "env": "prod"}, {"host": "ab", "env": "prod"},
                   {"host": "a_b", "env": "dev"}):
        ingest(client, keys["operator"], series_body(labels=labels))
    def hosts(*filters: str) -> list[str]:
        items = client.get("/api/v1/series", params={"label": list(filters)},
                           headers=auth(keys["viewer"])).json()["items"]
        return sorted(s["labels"]["host"] for s in items)
    assert hosts("host=a") == ["a"]
    assert hosts("env=prod") == ["a", "ab"]
    assert hosts("host=a_b") == ["a_b"]
    assert hosts("env=prod", "host=ab") == ["ab"]
    assert hosts("host=%") == []
    bad = client.get("/api/v1/series", params={"label": "nokey"}, headers=auth(keys["viewer"]))
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "label"


def test_points_time_range_and_pagination(client: TestClient, keys: dict[str, str]) -> None:
    ingest(client, keys["operator"],
           series_body(points=[[NOW - 100 + i, float(i)] for i in range(100)]))
    sid = client.get("/api/v1/series", headers=auth(keys["viewer"])).json()["items"][0]["id"]
    url = f"/api/v1/series/{sid}/points"
    ranged = client.get(url, params={"start": NOW - 50, "end": NOW - 41},
                        headers=auth(keys["viewer"])).json()["points"]
    assert [v for _, v in ranged] == [float(i) for i in range(50, 60)]
    start_iso = datetime.fromtimestamp(NOW - 10, UTC).isoformat()
    recent = client.get(url, params={"start": start_iso}, headers=auth(keys["viewer"])).json()
    assert len(recent["points"]) == 10
    page = client.get(url, params={"limit": 30}, headers=auth(keys["viewer"])).json()
    got = list(page["points"])
    while page["next_cursor"]:
        page = client.get(url, params={"limit": 30, "cursor": page["next_cursor"]},
                          headers=auth(keys["viewer"])).json()
        got += page["points"]
    assert len(got) == 100 and got == sorted(got)
    assert client.get("/api/v1/series/999999/points",
                      headers=auth(keys["viewer"])).status_code == 404
    bad = client.get(url, params={"start": "last tuesday"}, headers=auth(keys["viewer"]))
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "start"


@pytest.mark.parametrize(("body", "status", "path"), [
    (b'{"series": [', 400, None),
    (b"", 400, None),
    (b"[1, 2]", 422, "$"),
    (b'{"series": [{"name": "m", "points": [[1, 2, 3]]}]}', 422, "series.0.points.0"),
    (b'{"series": [{"name": "m", "points": [[1, true]]}]}', 422, "series.0.points.0.1"),
    (b'{"series": [{"name": "m", "labels": {"a": 1}, "points": []}]}', 422, "series.0.labels.a"),
    (b'{"series": [], "extra": 1}', 422, "extra"),
])
def test_bad_bodies_get_clear_problems(client: TestClient, keys: dict[str, str], body: bytes,
                                       status: int, path: str | None) -> None:
    response = client.post("/api/v1/ingest", headers=auth(keys["operator"]), content=body)
    assert response.status_code == status
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["status"] == status and problem["detail"]
    if path is not None:
        assert path in [e["path"] for e in problem["errors"]]


def test_all_points_rejected_is_422_with_the_report(
        client: TestClient, keys: dict[str, str]) -> None:
    response = ingest(client, keys["operator"], series_body(points=[[NOW, "NaN"]]))
    assert response.status_code == 422
    assert response.json()["rejected"][0]["reason"] == "value nan is not finite"
    assert client.get("/api/v1/series", headers=auth(keys["viewer"])).json()["items"] == []


def _sample(client: TestClient, name: str) -> float:
    """The value of one sample on /metrics (0 when absent)."""
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return 0.0


def test_body_and_point_limits_answer_413(client: TestClient, keys: dict[str, str]) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    huge = b'{"series": [' + b" " * (settings.max_body_bytes + 10) + b"]}"
    counted = 'vigil_http_requests_total{method="POST",route="/api/v1/ingest",status="413"}'
    before = _sample(client, counted)
    response = client.post("/api/v1/ingest", headers=auth(keys["operator"]), content=huge)
    assert response.status_code == 413
    assert _sample(client, counted) == before + 1  # by route, though refused before routing
    settings.max_points_per_request = 5
    try:
        too_many = ingest(client, keys["operator"],
                          series_body(points=[[NOW - i, 1.0] for i in range(6)]))
    finally:
        settings.max_points_per_request = 100_000
    assert too_many.status_code == 413 and "limit of 5" in too_many.json()["detail"]


def test_anomalies_are_listed_with_filters(client: TestClient, keys: dict[str, str],
                                           db: Database) -> None:
    ingest(client, keys["operator"], series_body())
    sid = client.get("/api/v1/series", headers=auth(keys["viewer"])).json()["items"][0]["id"]
    assert client.get("/api/v1/anomalies", headers=auth(keys["viewer"])).json()["items"] == []
    base = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    rows = [{"series_id": sid, "timestamp": base.replace(minute=i), "value": 90.0 + i,
             "score": 0.99, "expected_value": 50.0, "expected_lower": 40.0,
             "expected_upper": 60.0, "severity": "critical" if i % 2 else "warning",
             "detector": "test", "model_version": "1", "explanation": "high",
             "status": "open", "created_at": base} for i in range(5)]
    with db.session() as session:
        assert insert_anomalies(session, rows) == 5
        assert insert_anomalies(session, rows[:1]) == 0
    listing = client.get("/api/v1/anomalies", params={"severity": "critical"},
                         headers=auth(keys["viewer"])).json()["items"]
    assert [a["value"] for a in listing] == [93.0, 91.0]
    window = client.get("/api/v1/anomalies", params={
        "start": "2026-11-26T10:01:00Z", "end": "2026-11-26T10:03:00Z", "series_id": sid},
        headers=auth(keys["viewer"])).json()["items"]
    assert sorted(a["value"] for a in window) == [91.0, 92.0, 93.0]
    aid = listing[0]["id"]
    assert client.post(f"/api/v1/anomalies/{aid}/acknowledge",
                       headers=auth(keys["viewer"])).status_code == 403
    acked = client.post(f"/api/v1/anomalies/{aid}/acknowledge", headers=auth(keys["operator"]))
    assert acked.json()["status"] == "acknowledged"
    open_only = client.get("/api/v1/anomalies", params={"status": "open"},
                           headers=auth(keys["viewer"])).json()["items"]
    assert aid not in [a["id"] for a in open_only] and len(open_only) == 4
    bad = client.get("/api/v1/anomalies", params={"severity": "apocalyptic"},
                     headers=auth(keys["viewer"]))
    assert bad.status_code == 422


def test_metrics_count_requests_by_route_template(
        client: TestClient, keys: dict[str, str]) -> None:
    client.get("/api/v1/series/123/points", headers=auth(keys["viewer"]))
    text = client.get("/metrics").text
    assert 'route="/api/v1/series/{series_id}/points"' in text
    assert "vigil_http_request_duration_seconds_bucket" in text
    assert "process_resident_memory_bytes" in text


def test_blank_key_name_is_refused(client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/api/v1/keys", headers=auth(keys["admin"]),
                           json={"name": " \r", "role": "viewer"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "name"
