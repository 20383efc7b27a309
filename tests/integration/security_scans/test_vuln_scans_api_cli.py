"""`vigil advisories import`, `vigil scan` exit codes and formats, and the HTTP routes."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from vigil.cli.main import app
from vigil.security.ignore import IgnoreRule
from vigil.services import vuln_scans
from vigil.storage.database import Database

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "security"
INV = FIXTURES / "inventories"


@pytest.fixture
def cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner on the test database, in an empty working directory."""
    monkeypatch.setenv("VIGIL_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def _imported(cli: CliRunner) -> None:
    result = cli.invoke(app, ["advisories", "import", str(FIXTURES / "advisories"),
                              "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["stored"] == 6


def test_scan_exit_codes_and_json(cli: CliRunner) -> None:
    _imported(cli)
    found = cli.invoke(app, ["scan", str(INV / "poetry.lock"), "--format", "json"])
    assert found.exit_code == 1
    data = json.loads(found.stdout)
    assert [(f["package"], f["id"], f["severity"]) for f in data["findings"]] == [
        ("django", "PYSEC-TEST-1", "CRITICAL")]
    clean = cli.invoke(app, ["scan", str(INV / "node" / "yarn.lock"), "--fail-on", "high"])
    assert clean.exit_code == 0, clean.output  # lodash MEDIUM is below --fail-on high
    assert "GHSA-test-bbbb-0002" in clean.stdout


def test_scan_unreadable_input_exits_2(cli: CliRunner) -> None:
    _imported(cli)
    broken = cli.invoke(app, ["scan", str(FIXTURES / "broken" / "poetry.lock")])
    assert broken.exit_code == 2
    assert "invalid TOML" in broken.stderr
    missing = cli.invoke(app, ["scan", "does-not-exist.txt"])
    assert missing.exit_code == 2


def test_scan_before_import_exits_2(cli: CliRunner) -> None:
    result = cli.invoke(app, ["scan", str(INV / "uv.lock")])
    assert result.exit_code == 2
    assert "vigil advisories import" in result.stderr


def test_ignore_file_suppresses_and_reports_expiry(cli: CliRunner, tmp_path: Path) -> None:
    _imported(cli)
    (tmp_path / ".vigilignore.yaml").write_text(
        "ignore:\n"
        "  - id: CVE-2099-0001\n    package: Django\n    reason: tested\n    expires: 2999-01-01\n"
        "  - id: GHSA-test-bbbb-0002\n    reason: old entry\n    expires: 2001-01-01\n")
    result = cli.invoke(app, ["scan", str(INV / "uv.lock"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["findings"] == []
    assert [s["id"] for s in data["suppressed"]] == ["PYSEC-TEST-1"]
    assert [r["id"] for r in data["expired_ignores"]] == ["GHSA-test-bbbb-0002"]
    assert "expired" in result.stderr


@pytest.mark.parametrize("fmt", ["sarif", "cyclonedx", "table"])
def test_other_formats(cli: CliRunner, fmt: str, tmp_path: Path) -> None:
    _imported(cli)
    out = tmp_path / f"report.{fmt}"
    project = tmp_path / "project"
    (project / "web").mkdir(parents=True)
    shutil.copy(INV / "poetry.lock", project / "poetry.lock")
    shutil.copy(INV / "node" / "package-lock.json", project / "web" / "package-lock.json")
    result = cli.invoke(app, ["scan", str(project), "--format", fmt, "--output", str(out)])
    assert result.exit_code == 1
    text = out.read_text()
    assert "PYSEC-TEST-1" in text
    assert "GHSA-test-bbbb-0002" in text
    if fmt != "table":
        json.loads(text)


def test_scan_env_runs(cli: CliRunner) -> None:
    _imported(cli)
    result = cli.invoke(app, ["scan", "env", "--format", "json"])
    assert result.exit_code in (0, 1)
    assert json.loads(result.stdout)["summary"]["packages"] > 10


def test_api_upload_and_findings(client: TestClient, keys: dict[str, str], db: Database) -> None:
    vuln_scans.import_advisories(db, FIXTURES / "advisories")
    op = {"Authorization": f"Bearer {keys['operator']}"}
    viewer = {"Authorization": f"Bearer {keys['viewer']}"}
    body = (INV / "node" / "package-lock.json").read_bytes()
    denied = client.post("/api/v1/security/scans", params={"filename": "package-lock.json"},
                         content=body, headers=viewer)
    assert denied.status_code == 403
    created = client.post("/api/v1/security/scans", params={"filename": "package-lock.json"},
                          content=body, headers=op)
    assert created.status_code == 201, created.text
    assert [f["id"] for f in created.json()["findings"]] == ["GHSA-test-bbbb-0002"]
    page = client.get("/api/v1/security/findings", headers=viewer,
                      params={"severity": "MEDIUM", "limit": 1})
    assert page.status_code == 200
    items = page.json()["items"]
    assert [(i["package"], i["target"]) for i in items] == [("lodash", "upload:package-lock.json")]
    assert items[0]["first_seen"].endswith("Z")
    bad = client.post("/api/v1/security/scans", params={"filename": "poetry.lock"},
                      content=b"[[package]\n", headers=op)
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    unknown = client.post("/api/v1/security/scans", params={"filename": "notes.txt"},
                          content=b"hello", headers=op)
    assert unknown.status_code == 422
    assert client.get("/api/v1/security/findings").status_code == 401
    bad_cursor = client.get("/api/v1/security/findings", headers=viewer, params={"cursor": "x"})
    assert bad_cursor.status_code == 422
    # A named target keeps its own history: the fixed upload marks the finding fixed.
    fixed_lock = body.replace(b'"version": "4.17.20"', b'"version": "4.17.21"')
    for content in (body, fixed_lock):
        resp = client.post("/api/v1/security/scans", headers=op, content=content,
                           params={"filename": "package-lock.json", "target": "web-frontend"})
        assert resp.status_code == 201
    history = client.get("/api/v1/security/findings", headers=viewer,
                         params={"target": "web-frontend", "include_fixed": "true"}).json()
    assert [(i["version"], i["fixed_at"] is not None) for i in history["items"]] == [
        ("4.17.20", True)]
    # Pages follow the cursor until the last one.
    seen, cursor = [], None
    while True:
        params = {"limit": 1, "include_fixed": "true", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/security/findings", headers=viewer, params=params).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 2  # upload:package-lock.json and web-frontend


def test_api_lists_suppressed_findings_only_when_asked(
        client: TestClient, keys: dict[str, str], db: Database,
        capsys: pytest.CaptureFixture[str]) -> None:
    vuln_scans.import_advisories(db, FIXTURES / "advisories")
    op = {"Authorization": f"Bearer {keys['operator']}"}
    viewer = {"Authorization": f"Bearer {keys['viewer']}"}
    lock = vuln_scans.extract_path(INV / "poetry.lock")
    rule = IgnoreRule("PYSEC-TEST-1", "admin only", None, date(2999, 1, 1))
    vuln_scans.record_scan(db, vuln_scans.scan_extraction(db, "svc", lock, [rule]), "test")
    assert "VULNERABILITY" not in capsys.readouterr().err
    default = client.get("/api/v1/security/findings", headers=viewer, params={"target": "svc"})
    assert default.status_code == 200
    assert default.json()["items"] == []
    both = client.get("/api/v1/security/findings", headers=viewer,
                      params={"target": "svc", "include_suppressed": "true"}).json()["items"]
    assert [(i["vuln_id"], i["fixed_at"], i["suppressed"]) for i in both] == [
        ("PYSEC-TEST-1", None, {"reason": "admin only", "expires": "2999-01-01"})]
    # An upload applies no ignore file: it reports the finding, which is active again under
    # that target since its first sighting (not new, not fixed in between).
    created = client.post("/api/v1/security/scans", headers=op,
                          content=(INV / "poetry.lock").read_bytes(),
                          params={"filename": "poetry.lock", "target": "svc"})
    assert created.status_code == 201, created.text
    assert [f["id"] for f in created.json()["findings"]] == ["PYSEC-TEST-1"]
    assert "VULNERABILITY" not in capsys.readouterr().err
    active = client.get("/api/v1/security/findings", headers=viewer,
                        params={"target": "svc"}).json()["items"]
    assert [(i["vuln_id"], i["first_seen"], i["suppressed"]) for i in active] == [
        ("PYSEC-TEST-1", both[0]["first_seen"], None)]


def test_errors_with_brackets_exit_2_with_the_text(cli: CliRunner, tmp_path: Path) -> None:
    # Error messages quote the user's file: [brackets] in it are text, never Rich markup.
    bad = tmp_path / "requirements.txt"
    bad.write_text("-r missing[/extra].txt\n")
    result = cli.invoke(app, ["scan", str(bad)])
    assert result.exit_code == 2, result.output
    assert "missing[/extra].txt" in result.stderr
    pylock = tmp_path / "pylock.toml"
    pylock.write_text('lock-version = "1.0"\n')
    result = cli.invoke(app, ["scan", str(pylock)])
    assert result.exit_code == 2
    assert "[[packages]]" in result.stderr


def test_api_upload_kind_and_path_names(client: TestClient, keys: dict[str, str],
                                        db: Database) -> None:
    vuln_scans.import_advisories(db, FIXTURES / "advisories")
    op = {"Authorization": f"Bearer {keys['operator']}"}
    body = (INV / "poetry.lock").read_bytes()
    bad_kind = client.post("/api/v1/security/scans", headers=op, content=body,
                           params={"filename": "poetry.lock", "kind": "nope"})
    assert bad_kind.status_code == 422
    problem = bad_kind.json()
    assert "'nope'" in problem["detail"] and "poetry.lock" in problem["detail"]
    assert problem["errors"][0]["path"] == "kind"
    # A dpkg status file is known by its directory, as on the command line.
    status = b"Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1\n"
    resp = client.post("/api/v1/security/scans", headers=op, content=status,
                       params={"filename": "/var/lib/dpkg/status"})
    assert resp.status_code == 201, resp.text
    assert resp.json()["summary"]["packages"] == 1


def test_import_of_a_truncated_or_invalid_archive_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for path in sorted((FIXTURES / "advisories").rglob("*")):
            tf.add(path, arcname=str(path.relative_to(FIXTURES)))
    truncated = tmp_path / "db.tar.gz"
    truncated.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    result = cli.invoke(app, ["advisories", "import", str(truncated)])
    assert result.exit_code == 2, result.output
    assert "cannot read advisories" in result.stderr
    invalid = tmp_path / "adv.json"
    invalid.write_text('{"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": "no"}')
    result = cli.invoke(app, ["advisories", "import", str(invalid)])
    assert result.exit_code == 2
    assert "the first: adv.json: X-1.affected[0]: must be a mapping" in result.stderr


def test_api_scan_history_and_findings_trend(client: TestClient, keys: dict[str, str],
                                             db: Database, tmp_path: Path) -> None:
    """Scans are listed newest first with what they counted; the trend shows, per day,
    the findings that appeared, were fixed, and were present (by severity)."""
    vuln_scans.import_advisories(db, FIXTURES / "advisories")
    viewer = {"Authorization": f"Bearer {keys['viewer']}"}
    reqs = tmp_path / "requirements.txt"
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    for days_ago, pins in ((3, "django==2.2.5\n"), (1, "django==2.2.10\n")):
        reqs.write_text(pins)
        report = vuln_scans.scan_extraction(db, "svc", vuln_scans.extract_path(reqs))
        vuln_scans.record_scan(db, report, "scheduled", now=today - timedelta(days=days_ago))
    scans = client.get("/api/v1/security/scans", headers=viewer, params={"target": "svc"})
    assert scans.status_code == 200, scans.text
    assert [(s["status"], s["findings"], s["trigger"]) for s in scans.json()["items"]] == [
        ("ok", 0, "scheduled"), ("ok", 1, "scheduled")]
    first_page = client.get("/api/v1/security/scans", headers=viewer, params={"limit": 1})
    older = client.get("/api/v1/security/scans", headers=viewer,
                       params={"limit": 1, "cursor": first_page.json()["next_cursor"]})
    assert older.json()["items"][0]["id"] < first_page.json()["items"][0]["id"]
    assert client.get("/api/v1/security/scans", headers=viewer,
                      params={"status": "failed"}).json()["items"] == []
    trend = client.get("/api/v1/security/findings/trend", headers=viewer,
                       params={"target": "svc", "days": 5})
    assert trend.status_code == 200, trend.text
    days = trend.json()["days"]
    assert [d["day"] for d in days][-1] == today.date().isoformat()
    assert [(d["new"], d["fixed"], d["present"]) for d in days] == [
        (0, 0, {}), (1, 0, {"CRITICAL": 1}), (0, 0, {"CRITICAL": 1}), (0, 1, {}), (0, 0, {})]
    assert client.get("/api/v1/security/findings/trend", headers=viewer,
                      params={"days": 0}).status_code == 422
    assert client.get("/api/v1/security/scans").status_code == 401


def test_findings_without_severity_are_announced_and_unknown_as_gates_them(
        cli: CliRunner, tmp_path: Path) -> None:
    advisories = tmp_path / "advisories"
    advisories.mkdir()
    (advisories / "PYSEC-NOSEV-1.json").write_text(json.dumps({
        "id": "PYSEC-NOSEV-1", "modified": "2024-01-01T00:00:00Z",
        "summary": "SQL injection", "affected": [{
            "package": {"ecosystem": "PyPI", "name": "flask"},
            "ranges": [{"type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]}))
    assert cli.invoke(app, ["advisories", "import", str(advisories)]).exit_code == 0
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("flask==1.0\n")
    passed = cli.invoke(app, ["scan", str(reqs), "--fail-on", "critical"])
    assert passed.exit_code == 0, passed.output
    assert "1 of 1 findings have no severity" in passed.stdout
    assert "osv.dev" in passed.stdout
    gated = cli.invoke(app, ["scan", str(reqs), "--fail-on", "critical",
                             "--unknown-as", "critical", "--format", "json"])
    assert gated.exit_code == 1, gated.output
    assert json.loads(gated.stdout)["summary"]["unknown_severity"] == 1
    assert "have no severity" in gated.stderr
