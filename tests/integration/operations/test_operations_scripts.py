"""The runbook's scripts call Vigil's commands and exit non-zero on a breach."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.integration.operations.running_vigil import RunningVigil
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[3]


def script(name: str, *args: str, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    """Run scripts/NAME with this environment's `vigil` first on PATH."""
    full = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **(env or {})}
    return subprocess.run(["bash", str(ROOT / "scripts" / name), *args], env=full, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_blue_green_dry_run_prints_the_switch_and_the_rollback() -> None:
    result = script("deploy-blue-green.sh", "--image", "ghcr.io/vigil-ops/vigil:9.9.9",
                    "--dry-run", "--active", "green")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "kubectl -n production apply -k deploy/kubernetes/overlays/blue" in lines
    assert ("kubectl -n production set image deployment/anomaly-detection-api "
            "vigil=ghcr.io/vigil-ops/vigil:9.9.9 migrate=ghcr.io/vigil-ops/vigil:9.9.9") in lines
    patches = [line for line in lines if "patch service anomaly-detection-api" in line]
    assert '"color":"blue"' in patches[0] and '"color":"green"' in patches[1]


def test_blue_green_needs_an_image() -> None:
    assert script("deploy-blue-green.sh", "--dry-run").returncode == 2


def test_daily_health_check_reports_each_check_and_fails_on_a_breach(
        vigil_server: RunningVigil) -> None:
    env = {"VIGIL_DATA_DIR": str(vigil_server.data_dir), "WATCH_MINUTES": "0.02",
           "WATCH_INTERVAL": "0.5"}
    result = script("daily-health-check.sh", vigil_server.url, env=env)
    out = result.stdout
    assert "ok   service answers (smoke test)" in out
    assert "ok   database reachable, schema current" in out
    assert "ok   no P1 alert firing" in out
    assert "ok   error rate and p95 within thresholds" in out
    # The test server has imported no advisories: a breach the check must not hide.
    assert "FAIL advisory database loaded (not empty)" in out
    assert result.returncode == 1

    dead = script("daily-health-check.sh", f"http://127.0.0.1:{free_port()}", env=env)
    assert dead.returncode == 1 and "FAIL service answers (smoke test)" in dead.stdout


def test_weekly_maintenance_backs_up_maintains_and_audits(vigil_server: RunningVigil,
                                                          tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    old = logs / "vigil.log.1"
    old.write_text("x")
    os.utime(old, (1_000_000_000, 1_000_000_000))
    env = {"VIGIL_DATA_DIR": str(vigil_server.data_dir), "BACKUP_DIR": str(tmp_path / "b"),
           "LOG_DIR": str(logs)}
    result = script("weekly-maintenance.sh", env=env)
    out = result.stdout
    assert "ok   backup" in out and list((tmp_path / "b").glob("vigil-*.backup"))
    assert "ok   database maintenance (retention, VACUUM/ANALYZE, indexes)" in out
    assert "ok   old logs removed" in out and not old.exists()
    assert "ok   Kubernetes manifests audit" in out
    # A fresh install still has its bootstrap key and no TLS: the settings audit flags it.
    assert "FAIL Vigil settings audit" in out and result.returncode == 1
