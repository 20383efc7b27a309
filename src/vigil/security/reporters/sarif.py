"""SARIF 2.1.0 reporter of a scan (the writer is `vigil.security.sarif`)."""

from __future__ import annotations

import json
from typing import Any

from vigil.security.sarif import vulnerability_log
from vigil.security.scanner import ScanReport


def as_dict(report: ScanReport) -> dict[str, Any]:
    """The SARIF log as plain data."""
    return vulnerability_log(report)


def render(report: ScanReport) -> str:
    """The SARIF log as indented JSON."""
    return json.dumps(as_dict(report), indent=2)
