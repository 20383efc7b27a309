"""The scanner against a real database (SQLite and PostgreSQL): import, scan, findings history."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from vigil.config import OperatorConfig
from vigil.security.config import VulnerabilityScanningConfig
from vigil.security.ignore import IgnoreRule
from vigil.security.model import ExtractError
from vigil.services import vuln_scans
from vigil.storage import security_repo
from vigil.storage.database import Database
from vigil.telemetry.security_metrics import FINDINGS, SCAN_FAILURES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "security"
ADVISORIES = FIXTURES / "advisories"
INV = FIXTURES / "inventories"


def _import(db: Database) -> vuln_scans.ImportResult:
    return vuln_scans.import_advisories(db, ADVISORIES)


def test_import_is_incremental_and_skips_withdrawn(db: Database) -> None:
    first = _import(db)
    assert first.stored == 6
    assert first.withdrawn == 1
    assert first.not_osv == 1
    assert first.total == 6
    again = _import(db)
    assert (again.stored, again.unchanged, again.total) == (0, 6, 6)


def test_small_batches_give_the_same_result(db: Database, tmp_path: Path) -> None:
    # The withdrawn copy comes in a later batch than the stored one: it must still win.
    doc = json.loads((ADVISORIES / "ghsa" / "GHSA-test-bbbb-0002.json").read_text())
    (tmp_path / "a-first.json").write_text(json.dumps(doc))
    doc.update(modified="2025-01-01T00:00:00Z", withdrawn="2025-01-01T00:00:00Z")
    (tmp_path / "z-withdrawn.json").write_text(json.dumps(doc))
    result = vuln_scans.import_advisories(db, tmp_path, batch_size=1)
    assert (result.stored, result.withdrawn, result.total) == (0, 1, 0)
    full = vuln_scans.import_advisories(db, ADVISORIES, batch_size=2)
    assert (full.stored, full.withdrawn, full.total) == (6, 1, 6)


def test_import_from_zip_and_tarball(db: Database, tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (ADVISORIES / "ghsa").glob("*.json"):
            zf.write(path, path.name)
    assert vuln_scans.import_advisories(db, archive).stored == 3
    import tarfile

    tarball = tmp_path / "db.tar.gz"
    with tarfile.open(tarball, "w:gz") as tf:
        tf.add(ADVISORIES / "vulns", arcname="advisory-database/vulns")
    assert vuln_scans.import_advisories(db, tarball).stored == 3


def test_newer_advisory_replaces_and_withdrawn_removes(db: Database, tmp_path: Path) -> None:
    _import(db)
    doc = json.loads((ADVISORIES / "ghsa" / "GHSA-test-bbbb-0002.json").read_text())
    doc["modified"] = "2025-01-01T00:00:00Z"
    doc["affected"][0]["ranges"][0]["events"][1]["fixed"] = "4.17.30"
    (tmp_path / "GHSA-test-bbbb-0002.json").write_text(json.dumps(doc))
    assert vuln_scans.import_advisories(db, tmp_path).stored == 1
    report = vuln_scans.scan_extraction(db, "x", vuln_scans.extract_path(INV / "node"))
    lodash = [f for f in report.findings if f.package == "lodash"]
    assert {f.version for f in lodash} == {"4.17.20", "4.17.21", "4.17.19"}
    doc["withdrawn"] = "2025-02-01T00:00:00Z"
    doc["modified"] = "2025-02-01T00:00:00Z"
    (tmp_path / "GHSA-test-bbbb-0002.json").write_text(json.dumps(doc))
    result = vuln_scans.import_advisories(db, tmp_path)
    assert result.deleted == 1
    assert vuln_scans.scan_extraction(
        db, "x", vuln_scans.extract_path(INV / "node")).findings == []


def test_scan_directory_and_record_history(db: Database, tmp_path: Path) -> None:
    _import(db)
    project = tmp_path / "proj"
    project.mkdir()
    (project / "requirements.txt").write_text("django==2.2.5\nflask\n")
    (project / "node_modules").mkdir()
    (project / "node_modules" / "requirements.txt").write_text("django==1.0\n")  # vendored
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    report = vuln_scans.scan_extraction(db, str(project), vuln_scans.extract_path(project))
    assert [(f.id, f.location.line) for f in report.findings] == [("PYSEC-TEST-1", 1)]
    assert [u.name for u in report.unchecked] == ["flask"]
    vuln_scans.record_scan(db, report, "test", now=t0)
    assert FINDINGS.labels(severity="CRITICAL")._value.get() >= 1
    rows = vuln_scans.list_findings(db, target=str(project))
    assert [(r["vuln_id"], r["first_seen"].replace(tzinfo=UTC)) for r in rows] == [
        ("PYSEC-TEST-1", t0)]
    # Upgrade: the finding is marked fixed, not deleted.
    (project / "requirements.txt").write_text("django==2.2.10\n")
    clean = vuln_scans.scan_extraction(db, str(project), vuln_scans.extract_path(project))
    assert clean.findings == []
    vuln_scans.record_scan(db, clean, "test", now=t0 + timedelta(days=1))
    assert vuln_scans.list_findings(db, target=str(project)) == []
    history = vuln_scans.list_findings(db, target=str(project), include_fixed=True)
    assert history[0]["fixed_at"].replace(tzinfo=UTC) == t0 + timedelta(days=1)


def test_scan_without_advisories_is_refused(db: Database) -> None:
    with pytest.raises(vuln_scans.NoAdvisories):
        vuln_scans.scan_extraction(db, "x", vuln_scans.extract_path(INV / "poetry.lock"))


def test_upload_of_a_broken_file_counts_a_failure(db: Database) -> None:
    _import(db)
    before = SCAN_FAILURES._value.get()
    with pytest.raises(ExtractError):
        broken = (FIXTURES / "broken" / "poetry.lock").read_bytes()
        vuln_scans.scan_upload(db, "poetry.lock", broken)
    assert SCAN_FAILURES._value.get() == before + 1


def test_scheduled_scans_log_new_findings(db: Database, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path) -> None:
    _import(db)
    config = OperatorConfig(vulnerability_scanning=VulnerabilityScanningConfig(
        paths=[str(INV / "uv.lock"), str(tmp_path / "missing")]))
    summary = vuln_scans.run_scheduled_scans(db, None, config)  # type: ignore[arg-type]
    assert summary == {"scanned": 1, "failed": 1, "findings": 1}
    events = [json.loads(line) for line in capsys.readouterr().err.splitlines()
              if line.startswith("{")]
    vulns = [e for e in events if e["event"] == "VULNERABILITY"]
    assert [(e["package"], e["id"], e["level"]) for e in vulns] == [
        ("django", "PYSEC-TEST-1", "WARNING")]
    # A second run (through the scheduler's job wrapper) finds nothing new: no second event.
    job = vuln_scans.scheduled_scan_job(db, None, config)  # type: ignore[arg-type]
    assert job(datetime.now(UTC)) == "scanned 1 paths, 1 failed, 1 findings"
    again = [line for line in capsys.readouterr().err.splitlines() if "VULNERABILITY" in line]
    assert again == []


def test_version_bump_that_stays_vulnerable_keeps_the_finding_open(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # django 2.2.5 -> 2.2.6 is still affected by PYSEC-TEST-1: the same vulnerability stays
    # open since its first sighting; it is neither "fixed" nor a new finding (no new event).
    _import(db)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("django==2.2.5\n")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs))
    vuln_scans.record_scan(db, first, "test", now=t0)
    capsys.readouterr()
    reqs.write_text("django==2.2.6\n")
    bumped = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs))
    assert [f.id for f in bumped.findings] == ["PYSEC-TEST-1"]
    vuln_scans.record_scan(db, bumped, "test", now=t0 + timedelta(days=1))
    rows = vuln_scans.list_findings(db, target="svc", include_fixed=True)
    assert [(r["vuln_id"], r["version"], r["first_seen"].replace(tzinfo=UTC), r["fixed_at"])
            for r in rows] == [("PYSEC-TEST-1", "2.2.6", t0, None)]
    assert "VULNERABILITY" not in capsys.readouterr().err
    # The real fix still closes it.
    reqs.write_text("django==2.2.10\n")
    clean = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs))
    vuln_scans.record_scan(db, clean, "test", now=t0 + timedelta(days=2))
    rows = vuln_scans.list_findings(db, target="svc", include_fixed=True)
    assert [(r["version"], r["fixed_at"].replace(tzinfo=UTC)) for r in rows] == [
        ("2.2.6", t0 + timedelta(days=2))]


def _vulnerability_events(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if "VULNERABILITY" in line]


def _open_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return security_repo.open_counts_by_severity(session)


def test_suppressed_finding_is_kept_as_suppressed_not_fixed(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An operator suppresses an open critical finding: it is still there (not fixed), hidden
    # from the default listing and the open counts; when the suppression expires it is open
    # again since its first sighting, and not "new" (no second VULNERABILITY event).
    _import(db)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("django==2.2.5\n")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs))
    vuln_scans.record_scan(db, first, "test", now=t0)
    assert len(_vulnerability_events(capsys)) == 1
    assert _open_counts(db) == {"CRITICAL": 1}
    assert FINDINGS.labels(severity="CRITICAL")._value.get() == 1

    rule = IgnoreRule("CVE-2099-0001", "admin only; OPS-123", "Django", date(2026, 1, 31))
    quiet = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs), [rule],
                                       today=date(2026, 1, 2))
    assert quiet.findings == [] and len(quiet.suppressed) == 1
    vuln_scans.record_scan(db, quiet, "test", now=t0 + timedelta(days=1))
    assert vuln_scans.list_findings(db, target="svc") == []
    assert vuln_scans.list_findings(db, target="svc", include_fixed=True) == []
    [row] = vuln_scans.list_findings(db, target="svc", include_fixed=True,
                                     include_suppressed=True)
    assert (row["vuln_id"], row["fixed_at"], row["first_seen"].replace(tzinfo=UTC),
            row["last_seen"].replace(tzinfo=UTC)) == (
        "PYSEC-TEST-1", None, t0, t0 + timedelta(days=1))
    assert row["suppressed"] == {"reason": "admin only; OPS-123", "expires": date(2026, 1, 31)}
    assert _open_counts(db) == {}
    assert FINDINGS.labels(severity="CRITICAL")._value.get() == 0
    assert _vulnerability_events(capsys) == []

    # The entry has expired: the finding is active again, same first sighting, not new.
    lapsed = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs), [rule],
                                        today=date(2026, 2, 1))
    assert [f.id for f in lapsed.findings] == ["PYSEC-TEST-1"] and lapsed.suppressed == []
    vuln_scans.record_scan(db, lapsed, "test", now=t0 + timedelta(days=31))
    [row] = vuln_scans.list_findings(db, target="svc")
    assert (row["first_seen"].replace(tzinfo=UTC), row["fixed_at"], row["suppressed"]) == (
        t0, None, None)
    assert _open_counts(db) == {"CRITICAL": 1}
    assert _vulnerability_events(capsys) == []

    # A real fix still closes it.
    reqs.write_text("django==2.2.10\n")
    clean = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs), [rule],
                                       today=date(2026, 2, 2))
    vuln_scans.record_scan(db, clean, "test", now=t0 + timedelta(days=32))
    [row] = vuln_scans.list_findings(db, target="svc", include_fixed=True,
                                     include_suppressed=True)
    assert row["fixed_at"].replace(tzinfo=UTC) == t0 + timedelta(days=32)
    assert _open_counts(db) == {}


def test_finding_first_seen_suppressed_is_never_new(
        db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Scheduled scans with the configured ignore file: the suppressed critical finding is
    # stored (not new: no event, not counted); removing the entry makes it active, still
    # not new; suppressed again and then really fixed, it is marked fixed.
    _import(db)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("django==2.2.5\n")
    ignore = tmp_path / ".vigilignore.yaml"
    ignore.write_text("ignore:\n  - id: PYSEC-TEST-1\n    reason: not reachable\n")
    config = OperatorConfig(vulnerability_scanning=VulnerabilityScanningConfig(
        paths=[str(reqs)], ignore_file=str(ignore)))
    assert vuln_scans.run_scheduled_scans(db, None, config)["findings"] == 0  # type: ignore[arg-type]
    assert _vulnerability_events(capsys) == []
    assert vuln_scans.list_findings(db) == []
    [row] = vuln_scans.list_findings(db, include_suppressed=True)
    assert (row["vuln_id"], row["target"], row["fixed_at"], row["suppressed"]) == (
        "PYSEC-TEST-1", str(reqs), None, {"reason": "not reachable", "expires": None})
    first_seen = row["first_seen"]
    assert _open_counts(db) == {}

    ignore.write_text("ignore: []\n")
    assert vuln_scans.run_scheduled_scans(db, None, config)["findings"] == 1  # type: ignore[arg-type]
    assert _vulnerability_events(capsys) == []
    [row] = vuln_scans.list_findings(db)
    assert (row["first_seen"], row["fixed_at"], row["suppressed"]) == (first_seen, None, None)
    assert _open_counts(db) == {"CRITICAL": 1}

    ignore.write_text("ignore:\n  - id: GHSA-test-aaaa-0001\n    reason: alias works too\n")
    vuln_scans.run_scheduled_scans(db, None, config)  # type: ignore[arg-type]
    reqs.write_text("django==2.2.10\n")
    vuln_scans.run_scheduled_scans(db, None, config)  # type: ignore[arg-type]
    [row] = vuln_scans.list_findings(db, include_fixed=True, include_suppressed=True)
    assert row["fixed_at"] is not None and row["suppressed"] is None
    assert row["first_seen"] == first_seen
    assert vuln_scans.list_findings(db, include_fixed=True) == [row]  # a real fix is listed
    assert _vulnerability_events(capsys) == []


def test_sync_findings_reopens_a_fixed_finding_as_new_only_when_unsuppressed(
        db: Database) -> None:
    # Repository level: a fixed finding that comes back suppressed is present again (fixed_at
    # cleared) but not new; one that comes back unsuppressed is new, as before.
    rec = security_repo.FindingRecord(
        package="django", version="2.2.5", ecosystem="PyPI", vuln_id="PYSEC-TEST-1",
        aliases=[], severity="CRITICAL", score=None, summary="s", fixed=["2.2.10"],
        location="requirements.txt:1")
    hidden = security_repo.FindingRecord(**{
        **{k: getattr(rec, k) for k in rec.__dataclass_fields__},
        "suppressed_reason": "tracked", "suppressed_until": date(2030, 1, 1)})
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as session:
        assert security_repo.sync_findings(session, "t", [rec], 1, t0) == [rec]
        assert security_repo.sync_findings(session, "t", [], 2, t0 + timedelta(days=1)) == []
        assert security_repo.sync_findings(session, "t", [hidden], 3,
                                           t0 + timedelta(days=2)) == []
        [row] = security_repo.list_findings(session, include_suppressed=True)
        assert (row.fixed_at, row.suppressed_reason, row.suppressed_until) == (
            None, "tracked", date(2030, 1, 1))
        assert security_repo.sync_findings(session, "t", [], 4, t0 + timedelta(days=3)) == []
        assert security_repo.sync_findings(session, "t", [rec], 5,
                                           t0 + timedelta(days=4)) == [rec]
        [row] = security_repo.list_findings(session)
        assert row.first_seen.replace(tzinfo=UTC) == t0


def test_ignore_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / ".vigilignore.yaml"
    path.write_bytes(b"\xff\xfeignore: []\n")
    with pytest.raises(vuln_scans.ScanInputError, match="not UTF-8"):
        vuln_scans.load_ignore_file(path)


def test_utf16_requirements_from_powershell_are_read(tmp_path: Path) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_bytes("django==2.2.5\r\nflask\r\n".encode("utf-16"))  # with a BOM
    result = vuln_scans.extract_path(reqs)
    assert [(p.name, p.version) for p in result.packages] == [("django", "2.2.5")]
    assert [u.name for u in result.unchecked] == ["flask"]
    reqs.write_bytes(b"\xff\x00\x00django")
    with pytest.raises(ExtractError, match="not UTF-8"):
        vuln_scans.extract_path(reqs)


def test_kind_on_a_directory_selects_files_of_that_kind(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("django==2.2.5\n")
    shutil.copy(INV / "poetry.lock", tmp_path / "poetry.lock")
    only_reqs = vuln_scans.extract_path(tmp_path, "requirements")
    assert [(p.name, p.location.file) for p in only_reqs.packages] == [
        ("django", str(tmp_path / "requirements.txt"))]
    with pytest.raises(vuln_scans.ScanInputError, match=r"no yarn\.lock file found"):
        vuln_scans.extract_path(tmp_path, "yarn.lock")
    with pytest.raises(vuln_scans.ScanInputError, match="known kinds"):
        vuln_scans.extract_path(tmp_path, "nope")
