"""`vigil scale simulate` (replay a trace through a policy) and `vigil scale recommend`."""

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
    from vigil.scaling.simulator import SimResult
    from vigil.scaling.trace import Trace

app = typer.Typer(help="Auto-scaling: simulate policies on traces, current recommendations.",
                  no_args_is_help=True)


def read_trace(path: Path) -> Trace:
    """Read a trace CSV, or exit 2 naming the file and row."""
    from vigil.scaling.trace import TraceError, parse_trace

    if not path.is_file():
        fail_usage(f"{path}: no such file")
    try:
        with path.open(newline="") as fh:
            return parse_trace(csv.reader(fh), str(path))
    except (TraceError, UnicodeDecodeError) as exc:
        fail_usage(str(exc))


def plot_results(results: list[SimResult], out: Path) -> None:
    """PNG: per policy, load and ready capacity (top) and replicas (bottom) over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(13, 3.2 * len(results)), dpi=100,
                             sharex=True, squeeze=False)
    for ax, r in zip(axes[:, 0], results, strict=True):
        hours = (r.times - r.times[0]) / 3600.0
        ax.plot(hours, r.load, color="black", lw=0.6, label="load")
        ax.plot(hours, r.ready_capacity, color="tab:green", lw=0.8, label="ready capacity")
        ax.fill_between(hours, r.ready_capacity, r.load, where=r.load > r.ready_capacity,
                        color="tab:red", alpha=0.5, label="under-provisioned")
        ax.set_ylabel("load")
        twin = ax.twinx()
        twin.step(hours, r.replicas, color="tab:blue", lw=0.7, where="post", label="replicas")
        twin.set_ylabel("replicas")
        ax.set_title(f"{r.policy}: under-provisioned {r.under_provisioned_pct:.2f} % of the "
                     f"time, {r.pod_hours:.0f} pod-hours, {r.actions} actions")
        ax.legend(loc="upper left", fontsize=8)
    axes[-1, 0].set_xlabel("hours")
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def simulate_command(
    trace_file: Path = typer.Argument(..., help="CSV: minute index or ISO timestamp, load"),
    policy: list[str] = typer.Option(["hpa", "predictive", "oracle"], "--policy",
                                     help="hpa, predictive or oracle (repeat for several)"),
    startup: float = typer.Option(5.0, "--startup", help="pod start-up time, minutes"),
    capacity: float | None = typer.Option(None, "--capacity", help="load one pod carries at "
                                          "100 % (default: p99.9 needs 40 pods at the target)"),
    target: float = typer.Option(0.7, "--target", help="target utilisation"),
    min_replicas: int = typer.Option(1, "--min"),
    max_replicas: int | None = typer.Option(None, "--max"),
    stabilization: float = typer.Option(5.0, "--scale-down-stabilization",
                                        help="minutes"),
    plot: Path | None = typer.Option(None, "--plot", help="write a PNG of load, capacity and "
                                     "replicas per policy"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """Replay a load trace through scaling policies; pods take the start-up time to be ready."""
    from vigil.scaling.simulator import POLICIES, SimSettings, simulate
    from vigil.scaling.trace import capacity_for

    for p in policy:
        if p not in POLICIES:
            fail_usage(f"--policy: unknown policy {p!r}; choose from {', '.join(POLICIES)}")
    if capacity is not None and capacity <= 0:
        fail_usage("--capacity must be > 0")
    if not 0 < target <= 1:
        fail_usage("--target must be in (0, 1]")
    if startup < 0:
        fail_usage("--startup must be ≥ 0")
    if max_replicas is not None and max_replicas < min_replicas:
        fail_usage(f"--min ({min_replicas}) exceeds --max ({max_replicas})")
    trace = read_trace(trace_file)
    cap = capacity if capacity is not None else capacity_for(trace, 40, target)
    settings = SimSettings(capacity=cap, startup_seconds=startup * 60.0,
                           target_utilization=target, min_replicas=min_replicas,
                           max_replicas=max_replicas,
                           scale_down_stabilization_seconds=stabilization * 60.0)
    results = [simulate(trace, p, settings) for p in policy]  # type: ignore[arg-type]
    if plot is not None:
        plot_results(results, plot)
    rows = [r.summary() | {"capacity": round(cap, 6), "fallbacks": r.fallbacks}
            for r in results]
    if fmt is OutputFormat.JSON:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table(title=f"{trace.name}: capacity {cap:.4g}/pod, start-up {startup:g} min")
    for col in ("policy", "under-provisioned %", "unserved %", "above target %",
                "pod-hours", "actions"):
        table.add_column(col)
    for r in results:
        table.add_row(r.policy, f"{r.under_provisioned_pct:.3f}", f"{r.unserved_pct:.3f}",
                      f"{r.above_target_pct:.3f}", f"{r.pod_hours:.1f}", str(r.actions))
    Console().print(table)


app.command("simulate")(simulate_command)


def recommend_command(fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """The current recommendation of every target and why: forecast, margin, winning policy."""
    import time

    from vigil.cli.context import cli_settings, ready_database
    from vigil.config import ConfigError, load_operator_config
    from vigil.services.scaling import compute_recommendations, recommendation_json

    try:
        config = load_operator_config(cli_settings().config).scaling
    except ConfigError as exc:
        fail_usage(str(exc))
    items = [recommendation_json(r) for r in
             compute_recommendations(ready_database(), config, time.time())]
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(items))
        return
    table = Table(title=f"{len(items)} scaling targets")
    for col in ("target", "replicas", "policy", "hpa", "forecast", "load now",
                "forecast at +start-up", "margin", "why"):
        table.add_column(col)

    def num(v: object) -> str:
        return "" if v is None else f"{v:.4g}" if isinstance(v, float) else str(v)

    for it in items:
        fc, pol = it["forecast"], it["policies"]
        why = it["fallback"] or ("held by scale-down stabilisation"
                                 if it["held_by_stabilization"] else "")
        table.add_row(it["target"], str(it["replicas"]), it["winner"],
                      num(pol["hpa_replicas"]), num(pol["forecast_replicas"]), num(it["load"]),
                      num(fc["mean"]), num(fc["margin"]), why)
    Console().print(table)


app.command("recommend")(recommend_command)
