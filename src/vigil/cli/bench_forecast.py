"""`vigil bench forecast` and `vigil bench breach`: forecast accuracy and breach alerting."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.common import OutputFormat, fail_usage

if TYPE_CHECKING:
    from vigil.forecasting.grid import RegularSeries


def _csv_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(p.rglob("*.csv")))
        elif p.is_file():
            files.append(p)
        else:
            fail_usage(f"{p}: no such file or directory")
    if not files:
        fail_usage("no CSV files found in the given paths")
    return files


def load_series(path: Path, step: float) -> RegularSeries:
    """A CSV whose first column is a timestamp or a minute index and second a value.

    Points finer than `step` are aggregated to it (sums for counts, else means).
    """
    import numpy as np

    from vigil.cli.detect import parse_timestamp
    from vigil.forecasting.engine import is_count_series
    from vigil.forecasting.grid import RegularSeries, infer_step

    ts: list[float] = []
    vals: list[float] = []
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or len(header) < 2:
            raise ValueError(f"{path}: needs a header and two columns")
        minutes = "minute" in header[0].lower()
        for row in reader:
            if len(row) < 2:
                raise ValueError(f"{path}: row {reader.line_num}: needs two columns")
            try:
                ts.append(float(row[0]) * 60.0 if minutes else parse_timestamp(row[0]))
                vals.append(float(row[1]) if row[1].strip() else float("nan"))
            except ValueError:
                raise ValueError(f"{path}: row {reader.line_num}: cannot read {row[:2]}") from None
    t = np.asarray(ts)
    v = np.asarray(vals)
    native = infer_step(np.sort(t))
    target = max(step, native)
    idx = np.floor((t - t.min()) / target).astype(np.int64)
    ok = np.isfinite(v)
    sums = np.bincount(idx[ok], weights=v[ok], minlength=int(idx.max()) + 1)
    counts = np.bincount(idx[ok], minlength=int(idx.max()) + 1)
    agg = sums if (target > native and is_count_series(v[ok])) else \
        np.divide(sums, np.maximum(counts, 1))
    agg = np.where(counts > 0, agg, np.nan)
    filled = np.isfinite(agg)
    grid = np.interp(np.arange(agg.size), np.flatnonzero(filled), agg[filled])
    return RegularSeries(float(t.min()), float(target), grid, filled)


def forecast_bench(
    paths: list[Path] = typer.Argument(..., help="CSV files or folders (searched for *.csv)"),
    step: str = typer.Option("5m", "--step", help="Aggregate finer series to this step"),
    origins: int = typer.Option(6, "--origins", min=1, max=50,
                                help="Rolling origins per series (in its last 30%)"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """MASE and 80% interval coverage at 1 h, 6 h, 24 h: auto vs seasonal naive vs each model."""
    from vigil.alerting.durations import parse_duration
    from vigil.forecasting.backtest import backtest_series, summarise

    try:
        step_s = parse_duration(step).total_seconds()
    except ValueError as exc:
        fail_usage(f"--step: {exc}")
    horizons = (3600.0, 6 * 3600.0, 24 * 3600.0)
    scores = []
    for f in _csv_files(paths):
        try:
            series = load_series(f, step_s)
        except ValueError as exc:
            fail_usage(str(exc))
        scores.append(backtest_series(str(f), series, horizons, origins=origins))
    summary = summarise(scores, horizons)
    if fmt is OutputFormat.JSON:
        for row in summary.rows:
            typer.echo(json.dumps(row))
        typer.echo(json.dumps({"auto_beats_seasonal_naive_share": round(summary.auto_beats_naive,
                                                                        4),
                               "series": summary.series}))
        return
    table = Table(title=f"rolling-origin forecasts on {summary.series} series "
                        f"(auto beats seasonal naive on {summary.auto_beats_naive:.0%})")
    for col in ("method", "horizon", "MASE mean", "MASE median", "80% coverage", "series"):
        table.add_column(col)
    for row in summary.rows:
        table.add_row(str(row["method"]), f"{row['horizon_hours']:g} h", str(row["mase_mean"]),
                      str(row["mase_median"]), str(row["coverage"]), str(row["series"]))
    Console().print(table)


def breach_bench(
    seed: int = typer.Option(..., "--seed", help="Seed of the series generator"),
    per_kind: int = typer.Option(3, "--per-kind", min=1, max=50,
                                 help="Series per kind (10 kinds, half never breach)"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Recall, median lead and false episodes: Vigil vs predict_linear vs a static threshold."""
    from vigil.forecasting.breach_bench import run_breach_bench

    results = run_breach_bench(seed, per_kind)
    if fmt is OutputFormat.JSON:
        for r in results:
            typer.echo(json.dumps(r.to_json()))
        return
    table = Table(title=f"breach alerting, seed {seed}, {results[0].series} series")
    for col in ("method", "recall", "median lead (min)", "false episodes / series-week"):
        table.add_column(col)
    for r in results:
        table.add_row(r.method, f"{r.recall:.2f}", str(r.median_lead_minutes),
                      f"{r.false_episodes_per_series_week:.3f}")
    Console().print(table)


def register(bench_app: typer.Typer) -> None:
    """Add `forecast` and `breach` to `vigil bench`."""
    bench_app.command("forecast")(forecast_bench)
    bench_app.command("breach")(breach_bench)
