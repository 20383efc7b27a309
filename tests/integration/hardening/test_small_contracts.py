"""HEAD, oversize URLs, OpenAPI security schemes, external URL, tables in a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from tests.support import auth
from vigil.cli.serve import bind_url, use_external_url
from vigil.config import OperatorConfig, load_operator_config


def test_head_answers_like_get_without_a_body(client: TestClient, keys: dict[str, str]) -> None:
    for path, headers in (("/health", {}), ("/api/v1/series", auth(keys["viewer"]))):
        get = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["content-length"] == get.headers["content-length"]
    assert client.head("/api/v1/series").status_code == 401  # still authenticated


def test_an_oversize_url_gets_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/series?name=" + "x" * 10_000)
    assert response.status_code == 414
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/uri-too-long")


def test_openapi_declares_the_bearer_scheme(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "vgl_ API key",
        "description": "An API key made by `vigil keys create`"}
    assert spec["paths"]["/api/v1/ingest"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/health"]["get"]


def test_notifications_link_to_the_real_bind_unless_configured(tmp_path: Path) -> None:
    assert bind_url("10.0.0.5", 9000) == "http://10.0.0.5:9000"
    assert bind_url("::1", 8080) == "http://[::1]:8080"
    config = OperatorConfig()
    use_external_url(config, bind_url("10.0.0.5", 9000))
    assert config.alerting.external_url == "http://10.0.0.5:9000"
    path = tmp_path / "vigil.yaml"
    path.write_text("alerting:\n  external_url: https://vigil.example.com\n")
    configured = load_operator_config(path)
    use_external_url(configured, "http://10.0.0.5:9000")
    assert configured.alerting.external_url == "https://vigil.example.com"


def test_cli_tables_in_a_pipe_wrap_and_never_cut_a_cell(tmp_path: Path) -> None:
    phone = "+1-555-0100-ext-123456789"
    path = tmp_path / "vigil.yaml"
    path.write_text(f"""
alerting:
  people:
    alice: {{name: Alice Example-Longname, phone: "{phone}",
             email: alice.example.longname@ops.example.com}}
  schedules:
    primary:
      description: the primary on-call rotation of the platform team, weekly
      layers:
        - {{users: [alice], handoff_at: "2026-01-05T09:00:00Z", rotation: 7d}}
""")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
           "VIGIL_CONFIG": str(path), "VIGIL_DATA_DIR": str(tmp_path), "COLUMNS": "60"}
    result = subprocess.run([sys.executable, "-m", "vigil.cli.main", "oncall", "now"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "…" not in result.stdout
    phone_column = "".join(line.split("│")[4].strip() for line in result.stdout.splitlines()
                           if line.count("│") == 7)
    assert phone in phone_column  # wrapped onto more lines, but every character is there
