"""Log cleanup for the `log-cleanup` CronJob: delete rotated log files older than N days."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

LOG_PATTERNS = ("*.log", "*.log.*", "*.jsonl", "*.jsonl.*")


@dataclass
class CleanupReport:
    """Which files were (or, on a dry run, would be) deleted, and the bytes freed."""

    deleted: list[Path] = field(default_factory=list)
    kept: int = 0
    freed_bytes: int = 0
    errors: list[str] = field(default_factory=list)


def is_log_file(path: Path) -> bool:
    """True for names that look like log files (active or rotated)."""
    return any(fnmatch.fnmatch(path.name, pattern) for pattern in LOG_PATTERNS)


def clean_logs(directory: Path, max_age_days: float, now: float,
               dry_run: bool = False) -> CleanupReport:
    """Delete log files under `directory` last modified more than `max_age_days` ago."""
    report = CleanupReport()
    cutoff = now - max_age_days * 86_400
    for path in sorted(directory.rglob("*")):
        if not path.is_file() or path.is_symlink() or not is_log_file(path):
            continue
        stat = path.stat()
        if stat.st_mtime >= cutoff:
            report.kept += 1
            continue
        if not dry_run:
            try:
                path.unlink()
            except OSError as exc:
                report.errors.append(f"{path}: {exc.strerror or exc}")
                continue
        report.deleted.append(path)
        report.freed_bytes += stat.st_size
    return report
