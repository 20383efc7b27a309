"""Human table: findings by severity, then unchecked entries and expired ignores."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from vigil.core.severity import vuln_rank
from vigil.security.scanner import ScanReport, unknown_severity_note


def render(report: ScanReport) -> str:
    """The report as plain text tables (no colour codes: the text goes to files and pipes)."""
    buf = io.StringIO()
    console = Console(file=buf, width=160, no_color=True, highlight=False, markup=False)
    if report.findings:
        table = Table(title=f"Vulnerabilities in {report.target}", show_lines=False)
        for col in ("Package", "Version", "Ecosystem", "Vulnerability", "Severity", "Fixed in",
                    "Location", "Summary"):
            table.add_column(col, overflow="fold")
        ordered = sorted(report.findings,
                         key=lambda f: (-vuln_rank(f.severity), f.package.lower(), f.id))
        for f in ordered:
            ids = f.id + (f" ({', '.join(f.aliases[:3])})" if f.aliases else "")
            sev = f.severity + (f" {f.score:.1f}" if f.score is not None else "")
            table.add_row(f.package, f.version, f.ecosystem, ids, sev,
                          ", ".join(f.fixed) or "-", str(f.location), f.summary[:80])
        console.print(table)
    console.print(
        f"{len(report.findings)} vulnerabilities in {report.packages} packages"
        f" ({len(report.suppressed)} suppressed, {len(report.unchecked)} not checked)."
    )
    if report.unknown_severity:
        console.print(unknown_severity_note(report.unknown_severity, len(report.findings)))
    if report.unchecked:
        console.print("Not checked:")
        for u in report.unchecked:
            console.print(f"  {u.location}: {u.spec} - {u.reason}")
    for rule in report.expired_ignores:
        console.print(f"Expired ignore: {rule.id}"
                      f"{' for ' + rule.package if rule.package else ''} expired {rule.expires}"
                      f" ({rule.reason}); it no longer suppresses anything.")
    for rule in report.unused_ignores:
        console.print(f"Unused ignore: {rule.id}"
                      f"{' for ' + rule.package if rule.package else ''} matched nothing"
                      " in this scan.")
    if report.stats.unordered_ecosystems:
        names = ", ".join(sorted(report.stats.unordered_ecosystems))
        console.print(f"Versions of {names} cannot be ordered here: their packages were matched "
                      "only against advisories' exact versions[] lists, not their ranges.")
    if report.stats.git_ranges_skipped:
        console.print(f"{report.stats.git_ranges_skipped} GIT ranges skipped (commit ranges "
                      "cannot be matched against package versions).")
    return buf.getvalue()
