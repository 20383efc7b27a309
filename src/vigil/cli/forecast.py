"""`vigil forecast FILE.csv`, `vigil predictions`, `vigil slos`: predictive maintenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from vigil.cli.common import OutputFormat, fail_usage

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from vigil.forecasting.breach import BreachPrediction
    from vigil.forecasting.engine import Forecast


def _seconds(text: str, option: str) -> float:
    from vigil.alerting.durations import parse_duration

    try:
        seconds = parse_duration(text).total_seconds()
    except ValueError as exc:
        fail_usage(f"{option}: {exc}")
    if seconds <= 0:
        fail_usage(f"{option}: must be positive")
    return seconds


def _iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def plot_forecast(ts: npt.NDArray[np.float64], values: npt.NDArray[np.float64], fc: Forecast,
                  out: Path, title: str, threshold: float | None,
                  breach: BreachPrediction | None) -> None:
    """History, forecast, interval and threshold (and the breach estimate) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keep = ts >= ts[-1] - max(3 * (fc.timestamps[-1] - fc.last_ts), 86_400.0)
    x_hist = ts[keep].astype("datetime64[s]")
    x_fc = fc.timestamps.astype("datetime64[s]")
    fig, ax = plt.subplots(figsize=(12, 4.5), dpi=100)
    ax.plot(x_hist, values[keep], color="black", lw=0.8, label="history")
    ax.fill_between(x_fc, fc.lower, fc.upper, color="tab:blue", alpha=0.2,
                    label=f"{fc.level:.0%} interval")
    ax.plot(x_fc, fc.mean, color="tab:blue", lw=1.2, label=f"forecast ({fc.model})")
    if threshold is not None:
        ax.axhline(threshold, color="red", lw=1, ls="--", label=f"threshold {threshold:g}")
    if breach is not None and breach.eta is not None:
        ax.axvline(breach.eta / 86_400.0, color="red", lw=1,
                   label=f"breach {_iso(breach.eta)}")
        lo = breach.eta_lower if breach.eta_lower is not None else breach.eta
        hi = breach.eta_upper if breach.eta_upper is not None else float(fc.timestamps[-1])
        ax.axvspan(lo / 86_400.0, hi / 86_400.0, color="red", alpha=0.08)
    ax.set_title(title)  # datetime64 x values are days since 1970 to matplotlib: hence / 86400
    ax.legend(loc="upper left", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def _breach_json(b: BreachPrediction) -> dict[str, Any]:
    return {"threshold": b.threshold, "direction": b.direction.value,
            "probability": b.probability, "breach_at": b.eta, "breach_at_lower": b.eta_lower,
            "breach_at_upper": b.eta_upper, "seconds_to_breach": b.seconds_to_breach,
            "resets": b.resets, "level_shifts": b.level_shifts}


def forecast(
    file: Path = typer.Argument(..., help="CSV with a timestamp and a value column"),
    horizon: str = typer.Option("24h", "--horizon", help="How far ahead: 1h, 24h, 2d, ..."),
    timestamp_column: str = typer.Option("timestamp", "--timestamp-column"),
    value_column: str = typer.Option("value", "--value-column"),
    level: float = typer.Option(0.8, "--level", min=0.01, max=0.99,
                                help="Prediction interval level"),
    threshold: float | None = typer.Option(None, "--threshold",
                                           help="Also estimate when this is crossed"),
    direction: str = typer.Option("above", "--direction", help="above or below"),
    plot: Path | None = typer.Option(None, "--plot", help="Write a PNG of history, forecast, "
                                     "interval and threshold"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Forecast a series from a CSV file (model chosen automatically), with an interval."""
    from vigil.cli.detect import read_series
    from vigil.forecasting.breach import Direction, predict_breach
    from vigil.forecasting.engine import forecast as run_forecast
    from vigil.forecasting.errors import ForecastInputError
    from vigil.services.forecast import forecast_json

    seconds = _seconds(horizon, "--horizon")
    if direction not in ("above", "below"):
        fail_usage("--direction: use above or below")
    if not file.is_file():
        fail_usage(f"{file}: no such file")
    try:
        _, ts, values = read_series(file, timestamp_column, value_column)
        fc = run_forecast(ts, values, seconds, level=level)
        breach = (predict_breach(ts, values, threshold, Direction(direction), seconds,
                                 level=level, max_history_points=None)
                  if threshold is not None else None)
    except (ValueError, ForecastInputError) as exc:
        fail_usage(f"{file}: {exc}")
    if plot is not None:
        plot_forecast(ts, values, breach.forecast if breach else fc, plot,
                      f"{file.name}: {horizon} forecast", threshold, breach)
    if fmt is OutputFormat.JSON:
        out = forecast_json(fc)
        if breach is not None:
            out["breach"] = _breach_json(breach)
        typer.echo(json.dumps(out))
        return
    console = Console()
    console.print(f"model [bold]{fc.model}[/] · step {fc.step:g} s · {fc.history_points} "
                  f"points · {fc.level:.0%} interval · held-out MAE: "
                  + ", ".join(f"{k} {v:.4g}" for k, v in sorted(fc.scores.items(),
                                                                   key=lambda kv: kv[1])))
    table = Table()
    for col in ("time", "forecast", "lower", "upper"):
        table.add_column(col, justify="left" if col == "time" else "right")
    every = max(1, len(fc.mean) // 24)
    for i in range(every - 1, len(fc.mean), every):
        table.add_row(_iso(float(fc.timestamps[i])), f"{fc.mean[i]:.4g}", f"{fc.lower[i]:.4g}",
                      f"{fc.upper[i]:.4g}")
    console.print(table)
    if breach is not None:
        if breach.eta is None:
            console.print(f"no breach of {threshold:g} expected within {horizon} "
                          f"(probability {breach.probability:.0%})")
        else:
            hi = _iso(breach.eta_upper) if breach.eta_upper is not None else "beyond horizon"
            lo = _iso(breach.eta_lower) if breach.eta_lower is not None else "?"
            console.print(f"breach of {threshold:g} expected at {_iso(breach.eta)} "
                          f"(between {lo} and {hi}; probability {breach.probability:.0%})")


def _operator_forecasting() -> Any:
    from vigil.cli.context import cli_settings
    from vigil.config import ConfigError, load_operator_config

    try:
        return load_operator_config(cli_settings().config).forecasting
    except ConfigError as exc:
        fail_usage(str(exc))


def predictions(fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Current time-to-breach of every configured target's series (forecasting.targets)."""
    from datetime import UTC, datetime

    from vigil.cli.context import ready_database
    from vigil.services.predictions import compute_predictions, prediction_json

    config = _operator_forecasting()
    items = [prediction_json(i) for i in
             compute_predictions(ready_database(), config, datetime.now(UTC))]
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(items))
        return
    table = Table(title=f"{len(items)} predictions")
    for col in ("target", "series", "current", "threshold", "probability", "breach at",
                "bounds", "priority"):
        table.add_column(col)
    for it in items:
        labels = ",".join(f"{k}={v}" for k, v in sorted(it["labels"].items()))
        if it.get("error"):
            table.add_row(it["target"], f"{it['metric']}{{{labels}}}", "", str(it["threshold"]),
                          "", it["error"], "", "")
            continue
        bounds = " – ".join(_iso(t) if t is not None else "…"
                            for t in (it["breach_at_lower"], it["breach_at_upper"]))
        table.add_row(it["target"], f"{it['metric']}{{{labels}}}", f"{it['current']:.4g}",
                      f"{it['direction']} {it['threshold']:g}", f"{it['probability']:.0%}",
                      _iso(it["breach_at"]) if it["breach_at"] else "-",
                      bounds if it["breach_at"] else "", it["priority"] or "-")
    Console().print(table)


def slos(fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Error budgets of the configured SLOs (forecasting.slos): remaining, burn, alerts."""
    from datetime import UTC, datetime

    from vigil.cli.context import ready_database
    from vigil.services.slos import compute_slos, slo_json

    config = _operator_forecasting()
    items = [slo_json(i) for i in compute_slos(ready_database(), config, datetime.now(UTC))]
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(items))
        return
    table = Table(title=f"{len(items)} SLOs")
    for col in ("slo", "series", "objective", "budget left", "burn 1h", "exhausted in",
                "firing"):
        table.add_column(col)
    for it in items:
        left = it["budget_remaining"]
        ex = it["exhaustion_seconds"]
        firing = ", ".join(f"{a['factor']:g}x {a['priority']}" for a in it["alerts"]
                           if a["firing"])
        table.add_row(it["slo"], f"{it['metric']}#{it['series_id']}", f"{it['objective']:g}",
                      "-" if left is None else f"{left:.1%}",
                      "-" if it["burn_rate_1h"] is None else f"{it['burn_rate_1h']:.2f}",
                      "-" if ex is None else f"{ex / 3600:.1f} h", firing or "-")
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add `forecast`, `predictions` and `slos` to the top-level app."""
    app.command("forecast")(forecast)
    app.command("predictions")(predictions)
    app.command("slos")(slos)
