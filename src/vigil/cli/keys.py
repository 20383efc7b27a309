"""`vigil keys create|list|revoke`: manage API keys."""

from __future__ import annotations

import getpass
import json

import typer
from rich.table import Table

from vigil.cli.common import OutputFormat, fail_usage, print_table
from vigil.cli.context import ready_database
from vigil.core.types import Role

app = typer.Typer(help="API keys: create, list, revoke.", no_args_is_help=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@app.command("create")
def create(
    role: Role = typer.Option(..., "--role", help="viewer, operator or admin"),
    name: str = typer.Option(..., "--name", help="Who or what uses the key"),
) -> None:
    """Create a key and print it once; store it safely, it cannot be shown again."""
    from vigil.services import keys

    if not name.strip():
        fail_usage("--name must not be empty")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        fail_usage("--name must not contain control characters")
    new = keys.create_key(ready_database(), name, role, actor=_actor())
    typer.echo(new.secret)
    typer.echo(f"created key {new.record.id} ({new.record.name}, {new.record.role}); "
               "it is shown only now", err=True)


@app.command("list")
def list_cmd(
    include_revoked: bool = typer.Option(False, "--all", help="Include revoked keys"),
    fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format"),
) -> None:
    """List keys (never their secrets)."""
    from vigil.services import keys

    records = keys.list_keys(ready_database(), include_revoked)
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps([{
            "id": r.id, "name": r.name, "prefix": r.prefix, "role": r.role,
            "created_at": r.created_at.isoformat(),
            "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None} for r in records]))
        return
    table = Table("id", "name", "role", "prefix", "created", "last used", "revoked")
    for r in records:
        table.add_row(str(r.id), r.name, r.role, r.prefix + "…",
                      r.created_at.strftime("%Y-%m-%d %H:%M"),
                      r.last_used_at.strftime("%Y-%m-%d %H:%M") if r.last_used_at else "-",
                      r.revoked_at.strftime("%Y-%m-%d %H:%M") if r.revoked_at else "-")
    print_table(table)


@app.command("revoke")
def revoke(key_id: int = typer.Argument(..., help="The key's id (see `vigil keys list`)")) -> None:
    """Revoke a key; requests with it fail from now on."""
    from vigil.services import keys

    try:
        record = keys.revoke_key(ready_database(), key_id, actor=_actor())
    except keys.LastAdminError as exc:
        fail_usage(str(exc))
    if record is None:
        fail_usage(f"there is no key {key_id}")
    typer.echo(f"revoked key {record.id} ({record.name})")
