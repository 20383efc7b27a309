"""`vigil forecast FILE.csv`: JSON and table output, plot, bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from vigil.cli.main import app

runner = CliRunner()


def _csv(path: Path, n: int, slope: float = 0.02) -> Path:
    ts = 1_700_000_000 + 300 * np.arange(n)
    y = 50 + slope * np.arange(n) + np.random.default_rng(0).normal(0, 0.1, n)
    path.write_text("timestamp,value\n" + "".join(f"{t},{v:.4f}\n" for t, v in zip(ts, y,
                                                                                    strict=True)))
    return path


def test_json_forecast_with_breach_and_plot(tmp_path: Path) -> None:
    csv = _csv(tmp_path / "disk.csv", 2 * 288)
    png = tmp_path / "out.png"
    r = runner.invoke(app, ["forecast", str(csv), "--horizon", "24h", "--threshold", "95",
                            "--plot", str(png), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert len(out["points"]) == 288
    # now 50 + 0.02 * 575 = 61.5; 95 is 1675 steps away: beyond a day
    assert out["breach"]["breach_at"] is None
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = runner.invoke(app, ["forecast", str(csv), "--horizon", "24h", "--threshold", "65"])
    assert r.exit_code == 0 and "breach of 65 expected at" in r.stdout


def test_bad_input_exits_2_with_a_reason(tmp_path: Path) -> None:
    short = _csv(tmp_path / "short.csv", 5)
    r = runner.invoke(app, ["forecast", str(short), "--horizon", "1h"])
    assert r.exit_code == 2 and "insufficient history (need ≥ 24 points, have 5)" in r.output
    r = runner.invoke(app, ["forecast", str(short), "--horizon", "soon"])
    assert r.exit_code == 2 and "--horizon" in r.output
    r = runner.invoke(app, ["forecast", str(tmp_path / "missing.csv")])
    assert r.exit_code == 2
