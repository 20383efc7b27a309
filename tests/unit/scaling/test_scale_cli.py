"""`vigil scale simulate` and `vigil bench scaling`: output contract and bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from vigil.cli.main import app

runner = CliRunner()
KEYS = {"trace", "policy", "startup_minutes", "under_provisioned_pct", "unserved_pct",
        "pod_hours", "actions"}


def _load(n: int) -> np.ndarray:
    t = np.arange(n)
    return 100 + 80 * np.sin(2 * np.pi * t / max(n / 3, 2)) ** 2


def _minute_csv(path: Path, step_minutes: int, n: int) -> Path:
    rows = "".join(f"{i * step_minutes},{v:.2f}\n" for i, v in enumerate(_load(n)))
    path.write_text("minute_index,requests\n" + rows)
    return path


def _iso_csv(path: Path, step_minutes: int, n: int) -> Path:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    rows = "".join(f"{(t0 + timedelta(minutes=i * step_minutes)).isoformat()},{v:.2f}\n"
                   for i, v in enumerate(_load(n)))
    path.write_text("timestamp,load\n" + rows)
    return path


def test_bench_prints_one_json_line_per_trace_policy_and_startup(tmp_path: Path) -> None:
    traces = [_minute_csv(tmp_path / "one.csv", 1, 240), _minute_csv(tmp_path / "five.csv", 5, 96),
              _iso_csv(tmp_path / "thirty.csv", 30, 48)]
    args = ["bench", "scaling", "--format", "json"]
    for t in traces:
        args += ["--trace", str(t)]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert len(rows) == 3 * 2 * 3
    assert all(set(row) >= KEYS for row in rows)
    assert {(row["policy"], row["startup_minutes"]) for row in rows} == {
        (p, s) for p in ("hpa", "predictive", "oracle") for s in (1, 5)}
    thirty = [row for row in rows if row["trace"].endswith("thirty.csv")]
    assert all(row["pod_hours"] > 0 for row in thirty)


def test_simulate_json_and_plot(tmp_path: Path) -> None:
    trace = _minute_csv(tmp_path / "t.csv", 1, 180)
    png = tmp_path / "sim.png"
    r = runner.invoke(app, ["scale", "simulate", str(trace), "--policy", "hpa", "--policy",
                            "oracle", "--startup", "5", "--plot", str(png), "--format", "json"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["policy"] for row in rows] == ["hpa", "oracle"]
    assert png.stat().st_size > 10_000


def test_bad_traces_exit_2_naming_the_row(tmp_path: Path) -> None:
    cases = {"gap.csv": ("minute,load\n0,1\n1,1\n2,1\n4,1\n", "row 5"),
             "neg.csv": ("minute,load\n0,1\n1,-1\n", "row 3"),
             "one.csv": ("minute,load\n0,1\n", "row 2")}
    for name, (text, row) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        r = runner.invoke(app, ["scale", "simulate", str(path), "--policy", "hpa"])
        assert r.exit_code == 2, (name, r.output)
        assert row in r.output, (name, r.output)
    r = runner.invoke(app, ["scale", "simulate", str(tmp_path / "gap.csv"), "--policy", "lstm"])
    assert r.exit_code == 2 and "unknown policy" in r.output
