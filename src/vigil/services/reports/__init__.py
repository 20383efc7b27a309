"""The Analytics Engine's reports: sections computed from storage, daily and weekly
reports, rendering (HTML with inline SVG, Markdown, JSON), storage and delivery."""

from vigil.services.reports.build import build_report, build_section
from vigil.services.reports.periods import (
    KINDS,
    Period,
    PeriodError,
    check_kind,
    parse_at,
    period_for,
)
from vigil.services.reports.runs import (
    FORMATS,
    JOB_INTERVAL_SECONDS,
    JOB_NAME,
    FormatError,
    StoredReport,
    generate,
    render,
    reports_job,
    retry_deliveries,
    run_due_reports,
    store_and_send,
)
from vigil.services.reports.sections import SECTIONS

__all__ = ["FORMATS", "JOB_INTERVAL_SECONDS", "JOB_NAME", "KINDS", "SECTIONS", "FormatError",
           "Period", "PeriodError", "StoredReport", "build_report", "build_section",
           "check_kind", "generate", "parse_at", "period_for", "render", "reports_job",
           "retry_deliveries", "run_due_reports", "store_and_send"]
