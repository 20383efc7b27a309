"""GET /api/v1/sources, the scores exposition, recent points, self-metrics and readiness;
`vigil sources list|test` as a subprocess against a real Prometheus."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.integration.prometheus.prom_support import vigil_command
from tests.integration.sources.prom_sources import prometheus, push
from tests.support import auth, free_port
from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.sources.writeback import ScoredPoints
from vigil.storage.database import Database


@pytest.fixture
def app_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with one source on an unreachable URL (background jobs off)."""
    config = OperatorConfig.model_validate({"sources": [{
        "name": "api-src", "url": f"http://127.0.0.1:{free_port()}", "retries": 0,
        "auth": {"bearer_token": "very-secret-token"}, "queries": {"cpu": "up"}}]})
    app = create_app(settings, db=db, config=config, background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_sources_api(app_client: TestClient, keys: dict[str, str]) -> None:
    assert app_client.get("/api/v1/sources").status_code == 401
    page = app_client.get("/api/v1/sources", headers=auth(keys["viewer"]))
    assert page.status_code == 200
    (item,) = page.json()["items"]
    assert item["name"] == "api-src" and item["healthy"] is None
    assert item["queries"]["cpu"]["query"] == "up" and item["queries"]["cpu"]["cursor"] is None
    assert "very-secret-token" not in page.text

    runtime = app_client.app.state.runtime  # type: ignore[attr-defined]
    (outcome,) = runtime.sources.run_once()
    assert outcome.error is not None
    (item,) = app_client.get("/api/v1/sources", headers=auth(keys["viewer"])).json()["items"]
    assert item["healthy"] is False and "ConnectError" in item["queries"]["cpu"]["error"]
    assert app_client.get("/ready").status_code == 200  # a source down is not "not ready"
    metrics = app_client.get("/metrics").text
    assert 'vigil_source_up{source="api-src"} 0.0' in metrics
    assert 'vigil_source_errors_total{query="cpu",source="api-src"}' in metrics

    exposed = app_client.get("/api/v1/sources/metrics", headers=auth(keys["viewer"]))
    assert exposed.status_code == 200 and exposed.text == ""
    runtime.sources.latest.update([ScoredPoints(
        {"instance": "a"}, "cpu", np.array([100.0, 160.0]), np.array([0.1, 0.95]),
        np.array([1.0, 1.0]), np.array([2.0, 2.0]), np.array([False, True]))])
    exposed = app_client.get("/api/v1/sources/metrics", headers=auth(keys["viewer"]))
    assert exposed.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert 'vigil_anomaly{for="cpu",instance="a"} 1.0 160000' in exposed.text
    assert 'vigil_anomaly_score{for="cpu",instance="a"} 0.95 160000' in exposed.text

    missing = app_client.get("/api/v1/sources/series/999999/recent", headers=auth(keys["viewer"]))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[tuple[dict[str, str], str]]:
    """Environment for `vigil` with a config naming a real Prometheus holding 3 series."""
    with prometheus(tmp_path) as url:
        now = time.time()
        push(url, [({"__name__": "cli_metric", "i": str(i)}, [(now - 30 + k, 1.0)
                                                                 for k in range(30)])
                   for i in range(3)])
        config = tmp_path / "vigil.yml"
        config.write_text(f"""\
sources:
  - name: cli
    url: {url}
    step: 5s
    max_series: 2
    retries: 0
    queries:
      three: cli_metric
      one: cli_metric{{i="0"}}
  - name: fine
    url: {url}
    step: 5s
    queries:
      three: cli_metric
""")
        env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
        env.update({"VIGIL_DATA_DIR": str(tmp_path / "data"), "VIGIL_CONFIG": str(config)})
        yield env, url


def vigil(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*vigil_command(), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def test_sources_cli(cli_env: tuple[dict[str, str], str]) -> None:
    env, _url = cli_env
    tested = vigil(env, "sources", "test", "fine", "--format", "json")
    assert tested.returncode == 0, tested.stderr
    (three,) = json.loads(tested.stdout)
    assert three["series"] == 3 and three["error"] is None and three["seconds"] >= 0

    capped = vigil(env, "sources", "test", "cli", "--format", "json")
    assert capped.returncode == 1
    by_query = {r["query"]: r for r in json.loads(capped.stdout)}
    assert "over the cap of 2" in by_query["three"]["error"]
    assert by_query["one"]["series"] == 1 and by_query["one"]["error"] is None

    table = vigil(env, "sources", "test", "cli")
    assert table.returncode == 1 and "over the cap" in table.stdout

    unknown = vigil(env, "sources", "test", "nope")
    assert unknown.returncode == 2 and "no source 'nope'" in unknown.stderr

    listed = vigil(env, "sources", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    names = [s["name"] for s in json.loads(listed.stdout)]
    assert names == ["cli", "fine"]
    assert vigil(env, "sources", "list").returncode == 0


def test_an_invalid_sources_section_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "vigil.yml"
    config.write_text("sources:\n  - name: x\n    url: ftp://nope\n    queries: {a: up}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update({"VIGIL_DATA_DIR": str(tmp_path / "data"), "VIGIL_CONFIG": str(config)})
    result = vigil(env, "sources", "list")
    assert result.returncode == 2 and "vigil.yml:3" in result.stderr, result.stderr
