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


@pytest.mark.parametrize(("text", "where"), [
    ("alerting:\n  routes:\n    - {group_wait: 1s,\n       receiver: nowhere}\n",
     r"vigil.yaml:4: alerting.routes.0.receiver: route names unknown receiver 'nowhere'"),
    ("alerting:\n  escalation_policies:\n    default:\n      levels:\n"
     "        - timeout: 15m\n          targets:\n            - user:nobody\n",
     r"vigil.yaml:7: alerting.escalation_policies.default.levels.0.targets.0: .*'nobody'"),
    ("alerting:\n  schedules:\n    x:\n      layers:\n"
     "        - {users: [alice], handoff_at: '2026-01-05T09:00:00Z'}\n"
     "      overrides:\n        - {user: zed, start: '2026-11-20T00:00:00Z',\n"
     "           end: '2026-11-29T00:00:00Z'}\n",
     r"vigil.yaml:7: alerting.schedules.x.overrides.0.user: .*'zed'"),
])
def test_unknown_references_name_their_own_line(tmp_path: Path, text: str, where: str) -> None:
    bad = tmp_path / "vigil.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError, match=where):
        load_operator_config(bad)


@pytest.mark.parametrize(("text", "where"), [
    ("alerting:\n  maintenance_windows:\n    - name: w\n      matchers: ['a=\"b\"']\n"
     "      start: '2026-11-01T00:00:00'\n      end: '2026-12-01T00:00:00Z'\n",
     r"vigil.yaml:5: alerting.maintenance_windows.0.start: .*needs a timezone"),
    ("alerting:\n  schedules:\n    primary:\n      overrides:\n"
     "        - user: carol\n          start: '2026-11-20T00:00:00Z'\n"
     "          end: '2026-11-29T00:00:00'\n",
     r"vigil.yaml:7: alerting.schedules.primary.overrides.0.end: .*needs a timezone"),
    ("alerting:\n  schedules:\n    primary:\n      overrides:\n"
     "        - {user: carol, start: '2026-11-29T00:00:00Z', end: '2026-11-20T00:00:00Z'}\n",
     r"vigil.yaml:5: .*must end after it starts"),
])
def test_times_without_timezone_are_refused_at_load(tmp_path: Path, text: str,
                                                   where: str) -> None:
    """Before: loaded, then every evaluation / `vigil oncall now` crashed comparing
    naive and aware datetimes (TypeError traceback)."""
    bad = tmp_path / "vigil.yaml"
    bad.write_text(text)
    with pytest.raises(ConfigError, match=where):
        load_operator_config(bad)


@pytest.mark.parametrize("url", ["not a url", "ftp://x/y", "http://", "hooks.example.com/x"])
def test_a_receiver_url_that_cannot_work_is_refused_at_load(tmp_path: Path, url: str) -> None:
    """Before: loaded, and only failed when the first alert (or `notify test`) used it."""
    bad = tmp_path / "vigil.yaml"
    bad.write_text(f"alerting:\n  receivers:\n    hook:\n      type: webhook\n"
                   f"      url: '{url}'\n")
    with pytest.raises(ConfigError, match=r"vigil.yaml:5: alerting.receivers.hook.url: .*http"):
        load_operator_config(bad)
