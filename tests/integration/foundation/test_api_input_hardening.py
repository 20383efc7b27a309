"""Hostile or broken API input: NUL and control characters, short invalid keys in the
logs, an ingest whose every point is rejected."""

from __future__ import annotations

import io
import json

from fastapi.testclient import TestClient

from tests.support import auth
from vigil.telemetry.logging import configure_logging


def test_a_nul_in_the_series_name_filter_matches_nothing(
        client: TestClient, keys: dict[str, str]) -> None:
    response = client.get("/api/v1/series", params={"name": "cpu\x00x"},
                          headers=auth(keys["viewer"]))
    assert response.status_code == 200 and response.json()["items"] == []


def test_a_key_name_with_control_characters_is_a_422(
        client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/api/v1/keys", headers=auth(keys["admin"]),
                           json={"name": "a\x00b", "role": "viewer"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "name"


def test_a_short_invalid_key_is_not_logged_whole(client: TestClient) -> None:
    stream = io.StringIO()
    configure_logging("INFO", stream)
    try:
        assert client.get("/api/v1/series", headers=auth("vgl_s3cr")).status_code == 401
    finally:
        configure_logging("INFO", None)
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["reason"] for e in events if e["event"] == "AUTH_FAILED"] == ["invalid"]
    assert "vgl_s3cr" not in stream.getvalue()


def test_an_all_rejected_ingest_is_a_complete_problem(
        client: TestClient, keys: dict[str, str]) -> None:
    response = client.post("/api/v1/ingest", headers=auth(keys["operator"]),
                           json={"series": [{"name": "x", "points": [[1, "NaN"]]}]})
    assert response.status_code == 422
    problem = response.json()
    assert problem["instance"] == "/api/v1/ingest" and problem["rejected_count"] == 1
