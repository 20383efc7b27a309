"""`vigil limits list|clear`: show and lift brute-force lockouts kept in Redis."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from vigil.cli.common import OutputFormat, fail_usage, print_table
from vigil.cli.context import cli_settings

if TYPE_CHECKING:
    from vigil.services.limits import Limiter
    from vigil.storage.limits_store import RedisLimitStore

T = TypeVar("T")

app = typer.Typer(help="Brute-force lockouts and rate limits: list, clear.",
                  no_args_is_help=True)

_NO_REDIS = ("no Redis is configured (VIGIL_REDIS_URL), so each server process keeps its "
             "own limits: use GET/DELETE /api/v1/limits on the server, or wait for the "
             "lockout to expire (VIGIL_AUTH_LOCKOUT_SECONDS)")


def _limiter() -> Limiter:
    from vigil.services.limits import Limiter, policy_from

    settings = cli_settings()
    if not settings.redis_url:
        fail_usage(_NO_REDIS)
    return Limiter(policy_from(settings), settings.redis_url)


def _shared(action: Callable[[RedisLimitStore], T]) -> T:
    """Run `action` on the Redis store; exit 1 with one line when Redis does not answer."""
    import redis

    limiter = _limiter()
    assert limiter.shared is not None
    try:
        return action(limiter.shared)
    except redis.RedisError as exc:
        typer.echo(f"error: Redis does not answer: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        limiter.close()


@app.command("list")
def list_cmd(fmt: OutputFormat = typer.Option(OutputFormat.TABLE, "--format")) -> None:
    """Active lockouts and the seconds each has left."""
    locks = _shared(lambda store: store.locks())
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps([{"key": lock.key,
                                "remaining_seconds": round(lock.remaining_seconds, 1)}
                               for lock in locks]))
        return
    if not locks:
        typer.echo("no active lockouts")
        return
    from rich.table import Table

    table = Table("key", "expires in")
    for lock in locks:
        table.add_row(lock.key, f"{lock.remaining_seconds:.0f} s")
    print_table(table)


@app.command("clear")
def clear(
    key: str = typer.Argument(None, help="The lock to lift, e.g. auth:203.0.113.9"),
    everything: bool = typer.Option(False, "--all", help="Lift every lockout"),
) -> None:
    """Lift one lockout (or all with --all) before it expires by itself."""
    if (key is None) == (not everything):
        fail_usage("name one lock (see `vigil limits list`) or pass --all")
    cleared = _shared(lambda store: store.clear(None if everything else key))
    if key is not None and cleared == 0:
        fail_usage(f"there is no lockout {key!r}")
    typer.echo(f"cleared {cleared} lockout(s)")
