"""The `remote_write` section of the operator YAML: keep selectors and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.config import ConfigError, OperatorConfig, load_operator_config
from vigil.core.remote_write_config import RemoteWriteConfig
from vigil.core.selectors import SeriesSelector


def test_an_empty_file_keeps_everything(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text("", encoding="utf-8")
    config = load_operator_config(path).remote_write
    assert config.enabled is True
    assert config.keeps("anything_at_all", {"job": "x"})


def test_selectors_match_anchored_regexes_on_name_and_labels() -> None:
    config = RemoteWriteConfig(keep=[
        SeriesSelector(name="node_.*", labels={"job": "node|node-exporter"}),
        SeriesSelector(name="up"),
        SeriesSelector(labels={"team": "payments"}),
    ])
    assert config.keeps("node_load1", {"job": "node"})
    assert config.keeps("node_load1", {"job": "node-exporter"})
    assert not config.keeps("node_load1", {"job": "nodes"})      # anchored at the end
    assert not config.keeps("xnode_load1", {"job": "node"})      # anchored at the start
    assert config.keeps("up", {})
    assert not config.keeps("upstream", {})                      # a plain name is exact
    assert config.keeps("orders_total", {"team": "payments"})
    assert not config.keeps("orders_total", {})


def test_an_absent_label_matches_as_empty() -> None:
    config = RemoteWriteConfig(keep=[SeriesSelector(labels={"env": ""})])
    assert config.keeps("m", {"job": "a"})
    assert not config.keeps("m", {"env": "prod"})


def test_yaml_selectors_load(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text("remote_write:\n  keep:\n    - name: 'http_.*'\n      labels: {code: '5..'}\n",
                    encoding="utf-8")
    config = load_operator_config(path)
    assert isinstance(config, OperatorConfig)
    assert config.remote_write.keeps("http_requests_total", {"code": "503"})
    assert not config.remote_write.keeps("http_requests_total", {"code": "200"})


@pytest.mark.parametrize(("text", "line", "words"), [
    ("remote_write:\n  keep:\n    - name: 'node_('\n", 3, "not a valid regular expression"),
    ("remote_write:\n  keep:\n    - labels: {job: '[x'}\n", 3, "not a valid regular expression"),
    ("remote_write:\n  keep:\n    - nmae: up\n", 3, "nmae"),
    ("remote_write:\n  enabled: maybe\n", 2, "enabled"),
])
def test_invalid_sections_are_refused_naming_the_line(tmp_path: Path, text: str, line: int,
                                                       words: str) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_operator_config(path)
    assert f"{path}:{line}:" in str(info.value)
    assert words in str(info.value)
