"""Operator settings of the vulnerability scanner (the `vulnerability_scanning` YAML section)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
