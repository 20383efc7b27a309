"""The documented example configuration loads; a bad file names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.config import ConfigError, load_operator_config
from vigil.core.types import Severity

FIXTURE = Path(__file__).parents[2] / "fixtures" / "alerting" / "vigil.yaml"


def test_example_config_merges_with_runbook_defaults() -> None:
    cfg = load_operator_config(FIXTURE).alerting
    cpu = [r for r in cfg.rules if r.name == "HighCpuUsage"]
    assert [(r.severity, r.threshold) for r in cpu] == [(Severity.WARNING, 80.0)]
    assert cpu[0].selector == ['env="prod"'] and cpu[0].for_.total_seconds() == 600
    names = {r.name for r in cfg.rules}
    assert {"BackupFailed", "HighErrorRate", "ServiceDown"} <= names
    assert "nora" in cfg.people and "alice" in cfg.people
    assert cfg.schedules["primary"].layers[0].users == ["alice", "bob", "nora"]
    assert "security" in cfg.escalation_policies
    assert cfg.routes[0].continue_ is True


def test_bad_file_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "vigil.yaml"
    bad.write_text("alerting:\n  rules:\n    - name: X\n      metric: m\n"
                   "      threshold: 1\n      for: soon\n")
    with pytest.raises(ConfigError, match=r"vigil.yaml:6: alerting.rules.0.for"):
        load_operator_config(bad)
    bad.write_text("alerting:\n  routes:\n    - receiver: nowhere\n")
    with pytest.raises(ConfigError, match="unknown receiver 'nowhere'"):
        load_operator_config(bad)
