"""Vulnerability scanning application service, one module per job.

It does the I/O the pure `vigil.security` package does not:

- `advisories`: import OSV advisories (files, directories, archives) and the parsed cache;
- `inventory`: read lockfiles, SBOMs, a directory tree or the Python environment;
- `recording`: scan an extraction, store its findings, record failures, scan uploads;
- `queries`: findings, scan history and the findings trend;
- `scheduled`: the scheduler job scanning the configured paths.
"""

from vigil.services.vuln_scans.advisories import (
    IMPORT_BATCH,
    ImportResult,
    advisory_count,
    clear_parsed_advisories,
    import_advisories,
    iter_advisory_files,
    load_advisories,
)
from vigil.services.vuln_scans.errors import NoAdvisories, ScanInputError
from vigil.services.vuln_scans.inventory import (
    MAX_INVENTORY_BYTES,
    decode_inventory,
    extract_environment,
    extract_file,
    extract_path,
    extract_upload,
    load_ignore_file,
    unknown_kind,
)
from vigil.services.vuln_scans.queries import findings_trend, list_findings, list_scans
from vigil.services.vuln_scans.recording import (
    publish_findings_metrics,
    record_failure,
    record_scan,
    scan_extraction,
    scan_upload,
)
from vigil.services.vuln_scans.scheduled import run_scheduled_scans, scheduled_scan_job

__all__ = [
    "IMPORT_BATCH", "MAX_INVENTORY_BYTES", "ImportResult", "NoAdvisories", "ScanInputError",
    "advisory_count", "clear_parsed_advisories", "decode_inventory", "extract_environment",
    "extract_file", "extract_path", "extract_upload", "findings_trend", "import_advisories",
    "iter_advisory_files", "list_findings", "list_scans", "load_advisories",
    "load_ignore_file", "publish_findings_metrics", "record_failure", "record_scan",
    "run_scheduled_scans", "scan_extraction", "scan_upload", "scheduled_scan_job",
    "unknown_kind",
]
