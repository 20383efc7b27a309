"""`vigil audit k8s|config`: compliance audits of Kubernetes manifests and of Vigil itself."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from vigil.cli.common import fail_usage, print_table
from vigil.cli.context import cli_database, cli_settings
from vigil.core.types import Severity

if TYPE_CHECKING:
    from vigil.security.audit import ComplianceFinding

app = typer.Typer(help="Compliance audits: Kubernetes manifests, Vigil's own settings.",
                  no_args_is_help=True)


class AuditFormat(str, Enum):
    """Output formats of the audits."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


def _render(findings: list[ComplianceFinding], fmt: AuditFormat,
            descriptions: dict[str, str]) -> None:
    if fmt is AuditFormat.JSON:
        counts = {s.value: sum(f.severity is s for f in findings) for s in Severity}
        typer.echo(json.dumps({"findings": [f.as_dict() for f in findings], "summary": counts}))
        return
    if fmt is AuditFormat.SARIF:
        from vigil.security.sarif import compliance_log

        typer.echo(json.dumps(compliance_log(findings, descriptions), indent=2))
        return
    console = Console() if sys.stdout.isatty() else Console(width=200)
    if not findings:
        console.print("no findings")
        return
    table = Table("severity", "check", "resource", "message", "path")
    order = sorted(findings, key=lambda f: (-f.severity.rank, f.resource, f.check_id))
    for f in order:
        table.add_row(*(Text(cell) for cell in (f.severity.value, f.check_id, f.resource,
                                                 f.message, f.path)))
    print_table(table)
    console.print(f"{len(findings)} findings", highlight=False)


@app.command("k8s")
def k8s(
    path: Path = typer.Argument(..., help="Manifest file or directory (YAML, multi-document)"),
    fmt: AuditFormat = typer.Option(AuditFormat.TABLE, "--format"),
    fail_on: Severity = typer.Option(Severity.WARNING, "--fail-on",
                                     help="Exit 1 when a finding at or above this severity"),
    skip: list[str] = typer.Option([], "--skip", help="Check id to skip (repeatable)"),
) -> None:
    """Audit Kubernetes manifests; exit 1 on findings at or above --fail-on."""
    from vigil.security.audit.findings import at_or_above
    from vigil.services.compliance_audit import AuditInputError, audit_kubernetes

    try:
        report = audit_kubernetes(path, skip)
    except AuditInputError as exc:
        fail_usage(str(exc))
    _render(report.findings, fmt, report.descriptions)
    if at_or_above(report.findings, fail_on):
        raise typer.Exit(1)


@app.command("config")
def config(
    fmt: AuditFormat = typer.Option(AuditFormat.TABLE, "--format"),
    config_file: Path | None = typer.Option(None, "--config", help="Operator YAML file"),
    no_db: bool = typer.Option(False, "--no-db", help="Skip the API-key checks"),
) -> None:
    """Audit Vigil's own settings: auth, bootstrap key rotated, TLS, no inline secrets."""
    from vigil.services.compliance_audit import AuditInputError, audit_vigil_config

    settings = cli_settings()
    missing_sqlite = not settings.database_url and not (settings.data_dir / "vigil.db").exists()
    db = None if no_db or missing_sqlite else cli_database(settings)
    try:
        report = audit_vigil_config(settings, db, config_file, check_keys=not no_db)
    except AuditInputError as exc:
        fail_usage(str(exc))
    finally:
        if db is not None:
            db.dispose()
    _render(report.findings, fmt, report.descriptions)
    if report.findings:
        raise typer.Exit(1)
