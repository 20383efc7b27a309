"""The forecasting: section of the YAML is validated at start-up, naming the path and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.config import ConfigError, load_operator_config


def test_valid_section_loads(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text("forecasting:\n  p2_lead_time: 2h\n  targets:\n"
                    "    - name: disk\n      metric: disk_usage_percent\n      threshold: 95\n"
                    "      horizon: 24h\n  slos:\n    - {name: api, metric: error_rate, "
                    "objective: 0.999}\n")
    cfg = load_operator_config(path).forecasting
    assert cfg.targets[0].horizon.total_seconds() == 86_400
    assert cfg.p2_lead_time.total_seconds() == 7200
    assert cfg.slos[0].window.days == 30


@pytest.mark.parametrize(("body", "where"), [
    ("forecasting:\n  targets:\n    - name: d\n      metric: m\n      threshold: x\n",
     "vigil.yml:5: forecasting.targets.0.threshold"),
    ("forecasting:\n  slos:\n    - name: s\n      metric: m\n      objective: 1.5\n",
     "vigil.yml:5: forecasting.slos.0.objective"),
    ("forecasting:\n  targets:\n    - name: d\n      metric: m\n      threshold: 1\n"
     "      direction: sideways\n", "vigil.yml:6: forecasting.targets.0.direction"),
    ("forecasting:\n  targets:\n    - name: d\n      metric: m\n      threshold: 1\n"
     "      selector: ['bad']\n", "vigil.yml:6: forecasting.targets.0.selector"),
    ("forecasting:\n  slos:\n    - {name: s, metric: m, objective: 0.9, kind: latency}\n",
     "forecasting.slos.0"),
])
def test_invalid_section_names_the_path(tmp_path: Path, body: str, where: str) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_operator_config(path)
    assert where in str(info.value)
