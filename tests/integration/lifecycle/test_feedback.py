"""Feedback over HTTP and the CLI: stored with who and when, listed, changeable, audited."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from fastapi.testclient import TestClient

from tests.integration.lifecycle.helpers import series_with_anomalies
from tests.support import auth
from vigil.config import Settings
from vigil.storage.database import Database
from vigil.storage.keys_repo import list_audit


def test_label_is_listed_with_the_anomaly_and_changes_are_audited(
        client: TestClient, keys: dict[str, str], db: Database, settings: Settings) -> None:
    now = time.time()
    sid, ids = series_with_anomalies(db, settings, "latency", [now - 120, now - 60])
    first = client.post(f"/api/v1/anomalies/{ids[0]}/feedback", json={"true_positive": False},
                        headers=auth(keys["operator"]))
    assert first.status_code == 200, first.text
    assert first.json()["verdict"] == "false_positive" and first.json()["by"] == "test-operator"
    changed = client.post(f"/api/v1/anomalies/{ids[0]}/feedback", json={"true_positive": True},
                          headers=auth(keys["operator"]))
    assert changed.json()["verdict"] == "true_positive"
    listed = client.get(f"/api/v1/anomalies?series_id={sid}", headers=auth(keys["viewer"])).json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert by_id[ids[0]]["feedback"]["verdict"] == "true_positive"
    assert by_id[ids[0]]["feedback"]["by"] == "test-operator" and by_id[ids[0]]["feedback"]["at"]
    assert by_id[ids[1]]["feedback"] is None
    with db.session() as session:
        history = [(e.action, e.details) for e in list_audit(session)
                   if e.target == f"anomaly:{ids[0]}"]
    assert [d["verdict"] for _, d in history] == ["true_positive", "false_positive"]
    assert history[0][1]["previous"] == "false_positive"


def test_feedback_needs_operator_and_a_known_anomaly(client: TestClient,
                                                     keys: dict[str, str]) -> None:
    viewer = client.post("/api/v1/anomalies/1/feedback", json={"true_positive": True},
                         headers=auth(keys["viewer"]))
    assert viewer.status_code == 403
    unknown = client.post("/api/v1/anomalies/999999/feedback", json={"true_positive": True},
                          headers=auth(keys["operator"]))
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")


def test_missed_ranges_are_validated(client: TestClient, keys: dict[str, str], db: Database,
                                     settings: Settings) -> None:
    now = time.time()
    sid, _ = series_with_anomalies(db, settings, "errors", [now - 60])
    ok = client.post(f"/api/v1/series/{sid}/missed",
                     json={"from": now - 3600, "to": now - 1800, "note": "outage"},
                     headers=auth(keys["operator"]))
    assert ok.status_code == 201, ok.text
    assert ok.json()["by"] == "test-operator"
    reversed_ = client.post(f"/api/v1/series/{sid}/missed", json={"from": now, "to": now - 60},
                            headers=auth(keys["operator"]))
    assert reversed_.status_code == 422
    assert reversed_.json()["errors"][0]["path"] == "from"
    too_long = client.post(f"/api/v1/series/{sid}/missed",
                           json={"from": now - 86_400 * (settings.retention_days + 1), "to": now},
                           headers=auth(keys["operator"]))
    assert too_long.status_code == 422 and "retention" in too_long.json()["detail"]
    unknown = client.post("/api/v1/series/999999/missed", json={"from": now - 60, "to": now},
                          headers=auth(keys["operator"]))
    assert unknown.status_code == 404
    listed = client.get(f"/api/v1/series/{sid}/missed", headers=auth(keys["viewer"])).json()
    assert [m["note"] for m in listed["items"]] == ["outage"]


def test_cli_label_and_missed(db: Database, settings: Settings, tmp_path: Path) -> None:
    now = time.time()
    sid, ids = series_with_anomalies(db, settings, "cpu", [now - 60])
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_DATABASE_URL"] = settings.effective_database_url()
    env["VIGIL_DATA_DIR"] = str(tmp_path / "cli")

    def vigil(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vigil.cli.main", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    labelled = vigil("anomalies", "label", str(ids[0]), "--false", "--format", "json")
    assert labelled.returncode == 0, labelled.stderr
    assert '"false_positive"' in labelled.stdout
    assert vigil("anomalies", "label", "999999", "--true").returncode == 2
    assert vigil("anomalies", "label", str(ids[0])).returncode == 2
    reported = vigil("anomalies", "missed", str(sid), "--from", str(now - 600), "--to",
                     str(now - 300))
    assert reported.returncode == 0, reported.stderr
    bad = vigil("anomalies", "missed", str(sid), "--from", str(now), "--to", str(now - 300))
    assert bad.returncode == 2 and "--from" in bad.stderr
