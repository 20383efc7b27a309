"""Operator YAML and VIGIL_* settings: defaults and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.config import ConfigError, OperatorConfig, Settings, load_operator_config


def test_no_file_and_empty_file_are_valid(tmp_path: Path) -> None:
    defaults = OperatorConfig()
    assert load_operator_config(None) == defaults
    empty = tmp_path / "vigil.yaml"
    empty.write_text("")
    assert load_operator_config(empty) == defaults
    comments_only = tmp_path / "comments.yaml"
    comments_only.write_text("# nothing configured yet\n")
    assert load_operator_config(comments_only) == defaults
    # The defaults: keep every remote_write series, watch no series.
    assert defaults.remote_write.enabled and not defaults.remote_write.keep
    assert not defaults.detection.watch


def test_unknown_section_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yaml"
    path.write_text("# comment\n\nno_such_section:\n  a: 1\n")
    with pytest.raises(ConfigError, match=r"vigil.yaml:3: no_such_section"):
        load_operator_config(path)


def test_broken_yaml_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yaml"
    path.write_text("a: [1, 2\nb: 3\n")
    with pytest.raises(ConfigError, match=r"vigil.yaml:\d+: invalid YAML"):
        load_operator_config(path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_operator_config(path)


def test_settings_default_to_sqlite_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VIGIL_DATABASE_URL", raising=False)
    monkeypatch.setenv("VIGIL_DATA_DIR", "/tmp/vigil-x")
    settings = Settings()
    assert settings.effective_database_url() == "sqlite:////tmp/vigil-x/vigil.db"
    assert not settings.is_postgres
    assert settings.retention_days == 30
