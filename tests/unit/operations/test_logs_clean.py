"""`vigil logs clean` deletes old log files only, and says so."""

from __future__ import annotations

import os
import time
from pathlib import Path

from typer.testing import CliRunner

from vigil.cli.main import app


def _file(path: Path, age_days: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x" * 10)
    stamp = time.time() - age_days * 86_400
    os.utime(path, (stamp, stamp))
    return path


def test_clean_deletes_old_logs_and_keeps_new_ones_and_other_files(tmp_path: Path) -> None:
    old = _file(tmp_path / "vigil.log.3", 20)
    old_nested = _file(tmp_path / "api" / "access.jsonl", 30)
    new = _file(tmp_path / "vigil.log", 1)
    not_a_log = _file(tmp_path / "vigil.db", 90)

    dry = CliRunner().invoke(app, ["logs", "clean", "--dir", str(tmp_path),
                                   "--older-than-days", "14", "--dry-run"])
    assert dry.exit_code == 0 and "would delete 2 files" in dry.stdout
    assert old.exists()

    result = CliRunner().invoke(app, ["logs", "clean", "--dir", str(tmp_path),
                                      "--older-than-days", "14"])
    assert result.exit_code == 0, result.stdout
    assert not old.exists() and not old_nested.exists()
    assert new.exists() and not_a_log.exists()
    assert "deleted 2 files (20 bytes), kept 1" in result.stdout


def test_clean_of_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["logs", "clean", "--dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
