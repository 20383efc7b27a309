"""CLI error output: user text is printed literally, never read as Rich markup."""

from __future__ import annotations

import pytest
import typer

from vigil.cli.common import fail_usage


def test_fail_usage_prints_brackets_literally(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as exited:
        fail_usage("requirements.txt:3: cannot parse 'x[/y]>=1' in [[packages]]")
    assert exited.value.exit_code == 2
    assert "cannot parse 'x[/y]>=1' in [[packages]]" in capsys.readouterr().err
