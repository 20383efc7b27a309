"""The `vigil` command: one Typer app with a sub-app per command group."""

from __future__ import annotations

import typer

from vigil.cli import (
    alerts,
    anomalies,
    audit,
    bench,
    bench_forecast,
    bench_lifecycle,
    bench_scaling,
    db,
    deploy,
    detect,
    forecast,
    keys,
    limits,
    logs,
    models,
    report,
    scale,
    scan,
    serve,
    sources,
    threats,
)

app = typer.Typer(
    name="vigil",
    help="Vigil: self-hosted operations intelligence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(keys.app, name="keys")
app.add_typer(limits.app, name="limits")
app.command("detect")(detect.detect)
app.add_typer(bench.app, name="bench")
bench_forecast.register(bench.app)  # bench forecast, bench breach
bench_lifecycle.register(bench.app)  # bench budget, bench feedback
bench_scaling.register(bench.app)  # bench scaling
scan.register(app)  # scan, advisories
app.add_typer(threats.app, name="threats")
app.add_typer(audit.app, name="audit")
app.add_typer(logs.app, name="logs")
app.add_typer(deploy.app, name="deploy")
alerts.register(app)  # alerts, silences, oncall, notify
forecast.register(app)  # forecast, predictions, slos
app.add_typer(anomalies.app, name="anomalies")
app.add_typer(models.app, name="models")
app.add_typer(scale.app, name="scale")
app.command("report")(report.report)
app.add_typer(sources.app, name="sources")


def main() -> None:
    """Entry point of the `vigil` console script."""
    app()


if __name__ == "__main__":
    main()
