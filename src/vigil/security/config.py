"""Operator settings of the vulnerability scanner (the `vulnerability_scanning` YAML section)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

VulnLevel = Literal["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]


class VulnerabilityScanningConfig(BaseModel):
    """Which paths the scheduler scans and how often; an empty section scans nothing."""

    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(default_factory=list,
                             description="Files or directories scanned on schedule.")
    interval_minutes: int = Field(default=360, ge=5, description="Minutes between scheduled scans.")
    ignore_file: str | None = Field(default=None,
                                    description="A .vigilignore.yaml applied to scheduled scans.")
    advisories_path: str | None = Field(
        default=None, description="Advisory directory or zip re-imported on schedule "
                                  "(the runbook's weekly 'update security signatures').")
    advisories_interval_hours: int = Field(default=168, ge=1,
                                           description="Hours between advisory imports.")
    unknown_as: VulnLevel = Field(
        default="UNKNOWN",
        description="How a finding without a severity counts for `vigil scan --fail-on` and "
                    "the vulnerability alert rules (e.g. HIGH or CRITICAL: fail closed).")
