"""`vigil serve`: migrate, create the first admin key if needed, and serve the API."""

from __future__ import annotations

import socket

import typer

from vigil.cli.common import err_console, fail_usage
from vigil.cli.context import cli_database, cli_settings, one_line


def serve(
    host: str = typer.Option(None, "--host", help="Address to bind (default 127.0.0.1)"),
    port: int = typer.Option(None, "--port", help="Port (default 8000)", min=0, max=65535),
) -> None:
    """Run Vigil: the API, the detection worker and the scheduler in one process."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.api.app import create_app
    from vigil.config import ConfigError, load_operator_config
    from vigil.services.keys import ensure_bootstrap_admin
    from vigil.storage.migrate import upgrade
    from vigil.telemetry.logging import configure_logging, log_event

    settings = cli_settings()
    configure_logging(settings.log_level)
    try:
        config = load_operator_config(settings.config)
    except ConfigError as exc:
        fail_usage(str(exc))
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    _check_can_listen(bind_host, bind_port)
    try:
        upgrade(settings.effective_database_url())
    except SQLAlchemyError as exc:
        err_console.print(f"error: cannot prepare the database: {one_line(exc)}",
                          highlight=False)
        raise typer.Exit(1) from None
    db = cli_database(settings)
    secret = ensure_bootstrap_admin(db, settings)
    if secret is not None:
        key_file = settings.data_dir / "admin.key"
        written = key_file.is_file() and key_file.read_text().strip() == secret
        where = (f"also written to {key_file} with mode 0600" if written
                 else f"could NOT be written to {key_file}: copy it now")
        err_console.print(
            f"[bold]First start: created an admin API key[/]\n  {secret}\n"
            f"  ({where}; it is not shown again)", highlight=False)
    log_event("server_starting", host=bind_host, port=bind_port,
              database=settings.effective_database_url().split(":")[0])
    app = create_app(settings, db=db, config=config)
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning", access_log=False,
                server_header=False)


def _check_can_listen(host: str, port: int) -> None:
    """Exit 2 with one line when the address cannot be bound (busy port, unknown host)."""
    if port == 0:
        return
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.create_server((host, port), family=family):
            pass
    except OSError as exc:
        fail_usage(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
