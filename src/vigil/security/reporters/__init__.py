"""Reporters: render a ScanReport as a table, JSON, SARIF 2.1.0 or a CycloneDX VEX document."""

from __future__ import annotations

from collections.abc import Callable

from vigil.security.reporters import cyclonedx_vex, json_report, sarif, table
from vigil.security.scanner import ScanReport

RENDERERS: dict[str, Callable[[ScanReport], str]] = {
    "table": table.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "cyclonedx": cyclonedx_vex.render,
}
