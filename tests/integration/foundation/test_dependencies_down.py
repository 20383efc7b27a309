"""Readiness with Redis configured, and answers while the database is down."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.support import auth
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.storage.migrate import upgrade


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, config=OperatorConfig(), background=False),
                      raise_server_exceptions=False)


def test_ready_reports_redis_when_configured(tmp_path: Path, redis_url: str) -> None:
    url = f"sqlite:///{tmp_path / 'v.db'}"
    upgrade(url)
    with _client(Settings(database_url=url, redis_url=redis_url)) as client:
        body = client.get("/ready").json()
        assert body["ready"] is True and body["checks"]["redis"] == {"ok": True}
    with _client(Settings(database_url=url, redis_url="redis://127.0.0.1:1/0")) as client:
        response = client.get("/ready")  # Redis down: degraded, still serving
        assert response.status_code == 200 and response.json()["status"] == "degraded"
        assert response.json()["checks"]["redis"]["ok"] is False


def test_database_down_gives_503_with_retry_after(tmp_path: Path) -> None:
    settings = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    with _client(settings) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.headers["retry-after"]
        assert ready.json()["checks"]["database"]["reason"]
        response = client.post("/api/v1/ingest", headers=auth("vgl_anything"),
                               json={"series": []})
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert response.headers["content-type"].startswith("application/problem+json")
        assert client.get("/health").status_code == 200


def test_unmigrated_database_is_not_ready(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with _client(settings) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        assert "vigil db upgrade" in response.json()["checks"]["database"]["reason"]
