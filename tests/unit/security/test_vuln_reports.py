"""Suppressions with expiry, severity from CVSS vectors, and the report formats."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.unit.security.vuln_support import load_fixture_advisories
from vigil.security.ignore import IgnoreFileError, apply_ignores, parse_ignore
from vigil.security.model import Extraction, Location, Package, Unchecked, VulnerabilityFinding
from vigil.security.purl import parse_purl
from vigil.security.reporters import RENDERERS
from vigil.security.scanner import index_advisories, scan
from vigil.security.severity import assess, cvss_score


def _finding(vuln_id: str = "PYSEC-1", package: str = "Django") -> VulnerabilityFinding:
    return VulnerabilityFinding(package, "2.2.5", "PyPI", vuln_id, ("CVE-1",), "summary", "HIGH",
                                7.5, ("2.2.10",), Location("requirements.txt", 3))


def test_ignore_by_alias_and_package_until_expiry() -> None:
    rules = parse_ignore({"ignore": [
        {"id": "CVE-1", "package": "django", "reason": "not reachable", "expires": "2026-12-31"},
    ]})
    assert apply_ignores([_finding()], rules, date(2026, 12, 31)).reported == []
    later = apply_ignores([_finding()], rules, date(2027, 1, 1))
    assert [f.id for f in later.reported] == ["PYSEC-1"]
    assert [r.id for r in later.expired] == ["CVE-1"]
    other_pkg = apply_ignores([_finding(package="flask")], rules, date(2026, 1, 1))
    assert len(other_pkg.reported) == 1
    assert [r.id for r in other_pkg.unused] == ["CVE-1"]


@pytest.mark.parametrize(("doc", "message"), [
    ({"ignore": [{"id": "X"}]}, "reason are required"),
    ({"ignore": [{"id": "X", "reason": "r", "expires": "soon"}]}, "YYYY-MM-DD"),
    ({"ignore": [{"id": "X", "reason": "r", "until": "2020-01-01"}]}, "unknown keys"),
    ({"ignores": []}, "unknown keys"),
    ({"ignore": "X"}, "must be a list"),
    ({"ignore": [{"id": ["A", "B"], "reason": "r"}]}, "id must be a single value"),
    ({"ignore": [{"id": "A", "reason": "r", "package": ["x"]}]}, "package must be a single"),
])
def test_ignore_file_errors(doc: object, message: str) -> None:
    with pytest.raises(IgnoreFileError, match=message):
        parse_ignore(doc)


def test_severity_from_vectors_then_database_words() -> None:
    v31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"
    assert cvss_score("CVSS_V3", v31) == pytest.approx(5.3)
    v40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    level, score = assess([("CVSS_V4", v40)], [])
    assert (level, score) == ("CRITICAL", 9.3)
    assert assess([("CVSS_V3", "garbage")], ["MODERATE"]) == ("MEDIUM", None)
    assert assess([], [None]) == ("UNKNOWN", None)


def test_purl_parsing() -> None:
    p = parse_purl("pkg:npm/%40scope/util@1.0.0?foo=bar#sub")
    assert (p.ecosystem, p.full_name, p.version) == ("npm", "@scope/util", "1.0.0")
    deb = parse_purl("pkg:deb/debian/libssl3@3.0.11-1?distro=debian-12")
    assert (deb.ecosystem, deb.qualifiers["distro"]) == ("Debian", "debian-12")
    with pytest.raises(ValueError):
        parse_purl("npm/lodash")


def _report() -> object:
    extraction = Extraction("test", [
        Package("django", "2.2.5", "PyPI", Location("requirements.txt", 4)),
        Package("lodash", "4.17.20", "npm", Location("package-lock.json", 7)),
    ], [Unchecked("flask", "flask", "PyPI", Location("requirements.txt", 9), "not pinned")])
    return scan("app", extraction, index_advisories(load_fixture_advisories()))


def test_json_report_fields() -> None:
    data = json.loads(RENDERERS["json"](_report()))  # type: ignore[arg-type]
    assert {f["id"] for f in data["findings"]} == {"PYSEC-TEST-1", "GHSA-test-bbbb-0002"}
    first = data["findings"][0]
    for key in ("package", "version", "ecosystem", "id", "aliases", "severity", "fixed", "file",
                "line"):
        assert key in first
    lodash = next(f for f in data["findings"] if f["package"] == "lodash")
    assert lodash["severity"] == "MEDIUM"
    assert lodash["fixed"] == ["4.17.21"]
    assert data["unchecked"][0]["reason"] == "not pinned"
    assert data["summary"]["git_ranges_skipped"] == 1


def test_sarif_report_locates_findings() -> None:
    data = json.loads(RENDERERS["sarif"](_report()))  # type: ignore[arg-type]
    run = data["runs"][0]
    assert data["version"] == "2.1.0"
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {"PYSEC-TEST-1",
                                                                  "GHSA-test-bbbb-0002"}
    django = next(r for r in run["results"] if r["ruleId"] == "PYSEC-TEST-1")
    assert django["level"] == "error"
    assert django["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_cyclonedx_report_links_vulnerabilities_to_components() -> None:
    data = json.loads(RENDERERS["cyclonedx"](_report()))  # type: ignore[arg-type]
    refs = {c["bom-ref"] for c in data["components"]}
    assert all(v["affects"][0]["ref"] in refs for v in data["vulnerabilities"])
    assert data["bomFormat"] == "CycloneDX"


def test_table_report_mentions_unchecked_and_findings() -> None:
    text = RENDERERS["table"](_report())  # type: ignore[arg-type]
    assert "PYSEC-TEST-1" in text
    assert "flask - not pinned" in text


def test_fail_on_threshold() -> None:
    report = _report()
    assert report.fails("any")  # type: ignore[attr-defined]
    assert report.fails("critical")  # type: ignore[attr-defined]
    clean = scan("x", Extraction("t"), {})
    assert not clean.fails("any")
    assert clean.worst() is None


def test_table_report_shows_brackets_literally() -> None:
    # Extras, paths and summaries contain [brackets]: they are text, not Rich markup.
    extraction = Extraction("test", [], [
        Unchecked("pyyaml", "pyyaml[security]>=5", "PyPI", Location("app[v2]/requirements.txt", 1),
                  "not pinned exactly (>=5)"),
        Unchecked("x", "x[/y]>=1", "PyPI", Location("requirements.txt", 2), "not pinned"),
    ])
    text = RENDERERS["table"](scan("app[v2]", extraction, {}))
    assert "app[v2]/requirements.txt:1: pyyaml[security]>=5" in text
    assert "x[/y]>=1 - not pinned" in text


def test_ignore_expiry_written_as_a_timestamp() -> None:
    # YAML turns `expires: 2026-12-31T00:00:00Z` into a datetime: it means that day.
    import yaml

    rules = parse_ignore(yaml.safe_load(
        "ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2026-12-31T00:00:00Z\n"))
    assert rules[0].expires == date(2026, 12, 31)
    assert apply_ignores([_finding()], rules, date(2027, 1, 1)).expired == rules


def test_sarif_locations_are_uri_references() -> None:
    finding = VulnerabilityFinding("django", "2.2.5", "PyPI", "PYSEC-1", ("CVE-1",), "s", "HIGH",
                                   7.5, (), Location("my app/req#1%.txt", 2))
    from vigil.security.scanner import ScanReport

    data = json.loads(RENDERERS["sarif"](ScanReport("t", 1, [finding])))
    uri = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri == {"uri": "my%20app/req%231%25.txt"}


def test_table_report_says_when_ranges_could_not_be_evaluated() -> None:
    from vigil.security.osv import parse_advisory

    adv = parse_advisory({"id": "GHSA-m", "modified": "2024-01-01T00:00:00Z", "affected": [
        {"package": {"ecosystem": "Maven", "name": "org.x:lib"},
         "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}]})
    extraction = Extraction("t", [Package("org.x:lib", "1.0", "Maven", Location("bom.json", 3))])
    text = RENDERERS["table"](scan("app", extraction, index_advisories([adv])))
    assert "Versions of Maven cannot be ordered" in text


def test_findings_without_a_severity_are_announced_and_gated_as_told() -> None:
    from vigil.security.scanner import ScanReport
    from vigil.services.vuln_scans.recording import counts_as

    unknown = VulnerabilityFinding("django", "2.2.0", "PyPI", "PYSEC-2", (), "SQL injection",
                                   "UNKNOWN", None, (), Location("requirements.txt", 1))
    report = ScanReport("t", 2, [unknown, _finding()])
    assert not report.fails("critical")  # UNKNOWN ranks below LOW unless told otherwise
    assert report.fails("critical", unknown_as="CRITICAL")
    assert not report.fails("critical", unknown_as="HIGH") and report.fails("high", "high")
    text = RENDERERS["table"](report)
    assert "1 of 2 findings have no severity" in text and "osv.dev" in text
    assert json.loads(RENDERERS["json"](report))["summary"]["unknown_severity"] == 1
    assert counts_as({"UNKNOWN": 3, "CRITICAL": 1}, "critical") == {"CRITICAL": 4}
    assert counts_as({"UNKNOWN": 3}, "UNKNOWN") == {"UNKNOWN": 3}
