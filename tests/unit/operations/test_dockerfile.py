"""The Dockerfile keeps the image's promises, checked by scripts/dockerfile_lint.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    """Run the Dockerfile lint on one file."""
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "dockerfile_lint.py"),
                           str(path)], capture_output=True, text=True, timeout=60)


def test_the_shipped_dockerfile_passes() -> None:
    result = lint(ROOT / "Dockerfile")
    assert result.returncode == 0, result.stdout


def test_the_lint_names_each_broken_promise(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\nUSER root\n"
                   "ENTRYPOINT python -m vigil\n")
    result = lint(bad)
    assert result.returncode == 1
    for rule in ("VL001", "VL002", "VL003", "VL004", "VL005", "VL006", "VL010"):
        assert rule in result.stdout, result.stdout


def test_build_script_lint_only_mode_builds_nothing() -> None:
    result = subprocess.run(["bash", str(ROOT / "scripts" / "build-image.sh"), "--lint-only"],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no image built" in result.stdout
