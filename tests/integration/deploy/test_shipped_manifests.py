"""What Vigil ships for deployment passes Vigil's own compliance audit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_kubernetes_manifests_pass_the_audit() -> None:
    result = subprocess.run([sys.executable, "-m", "vigil.cli.main", "audit", "k8s",
                             str(ROOT / "deploy" / "kubernetes"), "--format", "json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["findings"] == [] and sum(report["summary"].values()) == 0
