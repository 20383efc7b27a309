"""The `vigil` command: one Typer app with a sub-app per command group."""

from __future__ import annotations

import typer

from vigil.cli import db, keys, serve

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
# Command groups of the other services, one line each, below this comment.
__import__("vigil.cli.alerts", fromlist=["register"]).register(app)  # + silences, oncall, notify
__import__("vigil.cli.scan", fromlist=["register"]).register(app)  # scan, advisories
app.add_typer(__import__("vigil.cli.threats", fromlist=["app"]).app, name="threats")
app.add_typer(__import__("vigil.cli.audit", fromlist=["app"]).app, name="audit")
from vigil.cli import bench as bench_cli  # noqa: E402
app.add_typer(bench_cli.app, name="bench")
from vigil.cli import detect as detect_cli  # noqa: E402
app.command("detect")(detect_cli.detect)


def main() -> None:
    """Entry point of the `vigil` console script."""
    app()


if __name__ == "__main__":
    main()
