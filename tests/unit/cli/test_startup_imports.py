"""`vigil --help` starts fast: the CLI loads heavy libraries only inside the command run.

Checked on `sys.modules` of a fresh interpreter (never on time, which is machine-dependent).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vigil.cli.common import BENCH_NAMES, DEFAULT_DETECTOR, DETECTOR_NAMES

HEAVY = ("numpy", "numba", "sqlalchemy", "alembic", "sigma")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages in sys.modules after running `code` in a fresh Python."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True)
    last: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return last


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert loaded_after("import vigil.cli.main") == []


@pytest.mark.parametrize("argv", [["--help"], ["alerts", "--help"], ["scan", "--help"],
                                  ["threats", "scan", "--help"], ["detect", "--help"],
                                  ["bench", "nab", "--help"], ["db", "--help"]])
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    code = ("from vigil.cli.main import app\n"
            "try:\n"
            f"    app({argv!r}, prog_name='vigil')\n"
            "except SystemExit as exc:\n"
            "    assert exc.code in (0, None), exc.code")
    assert loaded_after(code) == []


def test_loading_the_config_does_not_load_pysigma() -> None:
    assert "sigma" not in loaded_after("import vigil.config\nvigil.config.Settings()")


def test_detector_names_of_the_cli_are_the_registry_names() -> None:
    from vigil.detection.registry import DEFAULT_DETECTOR as registry_default
    from vigil.detection.registry import DETECTORS
    from vigil.evaluation.variants import candidate_names

    assert tuple(DETECTORS) == DETECTOR_NAMES
    assert tuple(candidate_names()) == BENCH_NAMES
    assert registry_default == DEFAULT_DETECTOR
