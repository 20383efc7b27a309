"""`vigil serve`: migrate, create the first admin key if needed, and serve the API."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from vigil.cli.common import err_console, fail_usage
from vigil.cli.context import cli_database, cli_settings, one_line

if TYPE_CHECKING:
    from vigil.config import OperatorConfig
    from vigil.storage.database import Database


def serve(
    host: str = typer.Option(None, "--host", help="Address to bind (default 127.0.0.1)"),
    port: int = typer.Option(None, "--port", help="Port (default 8000)", min=0, max=65535),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help=(
        "API processes sharing the port (PostgreSQL only); scheduled jobs and detection "
        "partitions still run once per deployment (advisory locks)")),
) -> None:
    """Run Vigil: the API, the detection worker and the scheduler (in one or N processes)."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.api.app import create_app
    from vigil.api.server_protocol import protocol_with_header_timeout
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
    if workers > 1 and not settings.is_postgres:
        fail_usage("--workers above 1 needs PostgreSQL (VIGIL_DATABASE_URL): a SQLite file "
                   "is served by one process, and its jobs have no advisory locks")
    bind_host = host or settings.host
    bind_port = settings.port if port is None else port
    use_external_url(config, settings.external_url or bind_url(bind_host, bind_port))
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
        announce_first_admin_key(db, settings.data_dir / "admin.key", secret)
    log_event("server_starting", host=bind_host, port=bind_port,
              database=settings.effective_database_url().split(":")[0])
    options: dict[str, Any] = {
        "host": bind_host, "port": bind_port, "log_level": "warning", "access_log": False,
        "server_header": False, "limit_concurrency": settings.max_connections,
        "timeout_keep_alive": 5,
        # Uvicorn would rewrite the peer from X-Forwarded-For for 127.0.0.1 by default;
        # Vigil reads forwarding headers itself, from VIGIL_TRUSTED_PROXIES only.
        "proxy_headers": False}
    if workers == 1:
        app = create_app(settings, db=db, config=config)
        uvicorn.run(app, http=protocol_with_header_timeout(settings.header_timeout_seconds),
                    **options)
        return
    db.dispose()
    # each worker process builds its own app from the environment (settings, YAML file)
    os.environ["VIGIL_EXTERNAL_URL"] = config.alerting.external_url
    uvicorn.run("vigil.api.app:app_from_environment", factory=True, workers=workers,
                http="vigil.api.server_protocol:EnvironmentHeaderTimeoutProtocol", **options)


def announce_first_admin_key(db: Database, key_file: Path, secret: str) -> None:
    """Hand the first admin key to the operator without putting it into the log stream.

    On a terminal the key is printed once. Otherwise stderr is a log stream (systemd,
    docker, Kubernetes) that is shipped elsewhere: only the key file's path is logged.
    A key that could be neither shown nor written is revoked at once, so no unknown
    admin key stays valid; `vigil keys create --role admin` makes another.
    """
    from vigil.services.keys import list_keys, revoke_key
    from vigil.telemetry.logging import log_event

    written = key_file.is_file() and key_file.read_text().strip() == secret
    if sys.stderr.isatty():
        where = (f"also written to {key_file} with mode 0600" if written
                 else f"could NOT be written to {key_file}: copy it now")
        err_console.print(
            f"[bold]First start: created an admin API key[/]\n  {secret}\n"
            f"  ({where}; it is not shown again)", highlight=False)
    elif written:
        log_event("first_admin_key_created", key_file=str(key_file),
                  message=f"the first admin API key is in {key_file} (mode 0600); "
                          "rotate it as docs/operations.md says")
    else:
        records = [r for r in list_keys(db) if r.prefix == secret[:12]]
        for record in records:
            revoke_key(db, record.id, actor="system", allow_last_admin=True)
        log_event("ERROR", "ERROR", message=f"the first admin key could not be written to "
                  f"{key_file} and stderr is not a terminal, so it was revoked; create one "
                  "with `vigil keys create --role admin --name <who>`")


def bind_url(host: str, port: int) -> str:
    """The URL this server answers on: the bind address, or this host's name for a wildcard."""
    if host in {"0.0.0.0", "::", ""}:
        host = socket.getfqdn()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def use_external_url(config: OperatorConfig, url: str) -> None:
    """Links in notifications point at `url` unless the operator file sets external_url."""
    if "external_url" not in config.alerting.model_fields_set:
        config.alerting.external_url = url


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
