"""`vigil scan PATH|env`: offline vulnerability scan of lockfiles, SBOMs, dpkg status, the env."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vigil.cli.common import err_console, fail_usage
from vigil.cli.context import cli_database, cli_settings

if TYPE_CHECKING:
    from vigil.config import Settings


class ScanFormat(str, Enum):
    """Report formats of `vigil scan`."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"


class FailOn(str, Enum):
    """Lowest severity that makes the scan exit 1."""

    ANY = "any"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class UnknownAs(str, Enum):
    """Levels a finding without a severity may count as."""

    UNKNOWN = "unknown"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


def _configured_unknown_as(settings: Settings) -> str:
    """`vulnerability_scanning.unknown_as` of the operator YAML (UNKNOWN when none)."""
    from vigil.config import ConfigError, load_operator_config

    try:
        return load_operator_config(settings.config).vulnerability_scanning.unknown_as
    except ConfigError as exc:
        fail_usage(str(exc))


def _default_ignore(target: Path | None) -> Path | None:
    for base in ([target if target.is_dir() else target.parent] if target else []) + [Path.cwd()]:
        candidate = base / ".vigilignore.yaml"
        if candidate.is_file():
            return candidate
    return None


def scan(
    target: str = typer.Argument(..., help="A file or directory to scan, or `env` for this "
                                           "Python environment."),
    output_format: ScanFormat = typer.Option(ScanFormat.TABLE, "--format",
                                             help="table, json, sarif or cyclonedx."),
    fail_on: FailOn = typer.Option(FailOn.ANY, "--fail-on",
                                   help="Exit 1 when a finding is at or above this severity."),
    ignore_file: Path | None = typer.Option(None, "--ignore-file",
                                            help="Suppressions (default: .vigilignore.yaml "
                                                 "next to the target or here)."),
    kind: str | None = typer.Option(None, "--kind", help="Force the inventory kind, e.g. "
                                                         "requirements or poetry.lock."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here."),
    record: bool = typer.Option(False, "--record", help="Store findings in the database "
                                                        "(first seen / fixed at history)."),
    unknown_as: UnknownAs | None = typer.Option(
        None, "--unknown-as", help="How findings without a severity count for --fail-on and "
                                   "the alert rules (default: vulnerability_scanning.unknown_as "
                                   "of the config, else unknown = below low)."),
) -> None:
    """Scan for known vulnerabilities, offline, against the imported OSV advisories."""
    from sqlalchemy.exc import SQLAlchemyError

    from vigil.core.severity import effective_vuln_level
    from vigil.security.model import ExtractError, Extraction
    from vigil.security.reporters import RENDERERS
    from vigil.security.scanner import unknown_severity_note
    from vigil.services import vuln_scans
    from vigil.services.self_metrics import signal_from_process
    from vigil.telemetry.security_metrics import SCAN_FAILURES

    is_env = target == "env" and not Path(target).exists()
    path = None if is_env else Path(target)
    try:
        extraction: Extraction = (vuln_scans.extract_environment() if path is None
                                  else vuln_scans.extract_path(path, kind))
        rules = vuln_scans.load_ignore_file(ignore_file or _default_ignore(path))
    except (ExtractError, vuln_scans.ScanInputError) as exc:
        SCAN_FAILURES.inc()
        fail_usage(str(exc))
    # No migration here: advisories exist only after `vigil advisories import`, which migrates.
    settings = cli_settings()
    level = unknown_as.value if unknown_as is not None else _configured_unknown_as(settings)
    db = cli_database(settings)
    try:
        report = vuln_scans.scan_extraction(db, target, extraction, rules)
        if record:
            new = vuln_scans.record_scan(db, report, "cli", unknown_as=level)
            # the running service's NewCriticalVulnerability rule raises the alert
            signal_from_process(db, settings, "security_new_critical_findings",
                                sum(1 for f in new
                                    if effective_vuln_level(f.severity, level) == "CRITICAL"),
                                "cli")
    except vuln_scans.NoAdvisories as exc:
        fail_usage(str(exc))
    except SQLAlchemyError as exc:
        SCAN_FAILURES.inc()
        fail_usage(f"database error: {getattr(exc, 'orig', exc)}")
    finally:
        db.dispose()
    text = RENDERERS[output_format.value](report)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail_usage(f"{output}: cannot write the report: {exc.strerror or exc}")
    else:
        typer.echo(text.rstrip("\n"))
    if output_format is not ScanFormat.TABLE:
        if report.unknown_severity:
            err_console.print("note: " + unknown_severity_note(report.unknown_severity,
                                                               len(report.findings)),
                              highlight=False, markup=False)
        for rule in report.expired_ignores:
            err_console.print(f"warning: ignore entry {rule.id} expired on {rule.expires}",
                              highlight=False, markup=False)
        if report.unchecked:
            err_console.print(f"note: {len(report.unchecked)} requirements not checked "
                              "(see `unchecked` in the report)", highlight=False)
    if report.fails(fail_on.value, level):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `vigil scan` and the `vigil advisories` group to the main app."""
    from vigil.cli import advisories

    app.command("scan")(scan)
    app.add_typer(advisories.app, name="advisories")
