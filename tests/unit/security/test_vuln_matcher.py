"""OSV evaluation rules: sorted events, introduced 0, fixed, last_affected, limit, versions[]."""

from __future__ import annotations

import pytest

from tests.unit.security.vuln_support import load_fixture_advisories
from vigil.security.matcher import MatchStats, is_affected, match_all, match_package
from vigil.security.model import Location, Package
from vigil.security.osv import Affected, Range, RangeEvent, parse_advisory
from vigil.security.scanner import index_advisories


def _aff(events: list[tuple[str, str]], versions: tuple[str, ...] = (), eco: str = "PyPI",
         kind: str = "ECOSYSTEM") -> Affected:
    ranges = (Range(kind, tuple(RangeEvent(k, v) for k, v in events)),)
    return Affected(eco, "pkg", ranges, versions)


UNSORTED = _aff([("introduced", "2.2"), ("fixed", "2.2.10"), ("introduced", "1.11"),
                 ("fixed", "1.11.28"), ("introduced", "3.0.0"), ("fixed", "3.0.3")])


@pytest.mark.parametrize(("version", "expected"), [
    ("1.10", False), ("1.11", True), ("1.11.27", True), ("1.11.28", False), ("2.0", False),
    ("2.2", True), ("2.2.9", True), ("2.2.10", False), ("3.0", True), ("3.0.3", False),
    ("3.1", False),
])
def test_unsorted_events_are_sorted_in_version_order(version: str, expected: bool) -> None:
    assert is_affected(version, UNSORTED) is expected


def test_adjacent_ranges_leave_no_gap_at_the_shared_version() -> None:
    # Seen in real advisories: [0, 3.1.1) + [3.2.0, 3.2.2) + [3.1.1, 3.2.0), out of order.
    aff = _aff([("introduced", "0"), ("fixed", "3.1.1"), ("introduced", "3.2.0"),
                ("fixed", "3.2.2"), ("introduced", "3.1.1"), ("fixed", "3.2.0")])
    assert is_affected("3.1.1", aff)
    assert is_affected("3.2.0", aff)
    assert is_affected("3.2.1", aff)
    assert not is_affected("3.2.2", aff)


def test_introduced_zero_and_last_affected_is_inclusive() -> None:
    aff = _aff([("introduced", "0"), ("last_affected", "1.10")])
    assert is_affected("0.1", aff)
    assert is_affected("1.10", aff)
    assert is_affected("1.10.0", aff)
    assert not is_affected("1.10.1", aff)
    assert not is_affected("1.9.post1", _aff([("introduced", "1.9.post2")]))


def test_fixed_is_exclusive_and_pre_releases_of_the_fix_are_affected() -> None:
    aff = _aff([("introduced", "0"), ("fixed", "2.0")])
    assert is_affected("2.0rc1", aff)
    assert not is_affected("2.0", aff)
    assert not is_affected("2.0.post1", aff)


def test_limit_caps_the_range() -> None:
    aff = _aff([("introduced", "1.0"), ("limit", "1.5")])
    assert is_affected("1.4", aff)
    assert not is_affected("1.5", aff)
    assert not is_affected("2.0", aff)
    assert is_affected("9.0", _aff([("introduced", "1.0"), ("limit", "*")]))


def test_versions_list_adds_pre_releases_outside_the_ranges() -> None:
    aff = _aff([("introduced", "1.0"), ("fixed", "1.2")], versions=("2.0rc1",))
    assert is_affected("2.0rc1", aff)
    assert is_affected("2.0.0rc1", aff)  # same PEP 440 version, different spelling
    assert not is_affected("2.0", aff)


def test_legacy_versions_are_ordered_not_rejected() -> None:
    aff = _aff([("introduced", "0"), ("fixed", "0.9-eevee")])
    assert is_affected("0.9-doduo", aff)
    assert not is_affected("0.9-fearow", aff)
    assert not is_affected("1.0", aff)


def test_semver_ranges_for_npm() -> None:
    aff = _aff([("introduced", "0"), ("fixed", "4.17.21")], eco="npm", kind="SEMVER")
    assert is_affected("4.17.20", aff)
    assert is_affected("4.17.21-rc.1", aff)
    assert not is_affected("4.17.21", aff)


def test_git_ranges_are_skipped_and_counted() -> None:
    stats = MatchStats()
    aff = _aff([("introduced", "0")], kind="GIT")
    assert not is_affected("1.0", aff, stats)
    assert stats.git_ranges_skipped == 1


def test_unparsable_range_counted_versions_still_match() -> None:
    stats = MatchStats()
    aff = _aff([("introduced", "0"), ("fixed", "garbage")], versions=("1.0.0",), eco="npm")
    assert is_affected("1.0.0", aff, stats)
    assert not is_affected("2.0.0", aff, stats)
    assert stats.unparsable_ranges == 1


def test_withdrawn_advisories_never_match() -> None:
    adv = parse_advisory({"id": "X-1", "modified": "2024-01-01T00:00:00Z",
                          "withdrawn": "2024-02-01T00:00:00Z",
                          "affected": [{"package": {"ecosystem": "PyPI", "name": "pkg"},
                                        "ranges": [{"type": "ECOSYSTEM",
                                                    "events": [{"introduced": "0"}]}]}]})
    pkg = Package("pkg", "1.0", "PyPI", Location("r.txt", 1))
    assert match_package(pkg, [adv]) == []


def test_names_are_normalised_per_pep_503() -> None:
    advisories = index_advisories(load_fixture_advisories())
    pkg = Package("legacy.PKG", "0.9-doduo", "PyPI", Location("r.txt", 3))
    findings = match_all([pkg], advisories)
    assert [f.id for f in findings] == ["PYSEC-TEST-4"]


def test_aliases_are_merged_into_one_finding() -> None:
    advisories = index_advisories(load_fixture_advisories())
    pkg = Package("Django", "2.2.5", "PyPI", Location("requirements.txt", 4))
    findings = match_all([pkg], advisories)
    assert [f.id for f in findings] == ["PYSEC-TEST-1"]
    merged = findings[0]
    assert set(merged.aliases) == {"CVE-2099-0001", "GHSA-test-aaaa-0001"}
    # The GitHub copy carries a CVSS vector: the merged finding takes its severity.
    assert merged.severity == "CRITICAL"
    assert merged.score == pytest.approx(9.8)
    assert merged.fixed == ("1.11.28", "2.2.10", "3.0.3")


def test_yaml_numbers_stay_version_strings() -> None:
    advisories = index_advisories(load_fixture_advisories())
    # PYSEC-TEST-2 has `last_affected: 1.10` unquoted; read as a float it would be 1.1.
    hit = match_all([Package("django", "1.9", "PyPI", Location("r.txt"))], advisories)
    assert [f.id for f in hit] == ["PYSEC-TEST-2"]
    assert hit[0].summary == "Test denial of service in the template engine."
    pre = match_all([Package("django", "4.0rc1", "PyPI", Location("r.txt"))], advisories)
    assert [f.id for f in pre] == ["PYSEC-TEST-2"]


def test_debian_release_suffix_matches_base_ecosystem() -> None:
    advisories = index_advisories(load_fixture_advisories())
    old = Package("openssl", "3.0.11-1~deb12u1", "Debian", Location("status", 1))
    new = Package("openssl", "3.0.11-1~deb12u2", "Debian", Location("status", 1))
    other_release = Package("openssl", "3.0.11-1~deb12u1", "Debian:11", Location("status", 1))
    assert [f.id for f in match_all([old], advisories)] == ["DSA-TEST-3"]
    assert match_all([new], advisories) == []
    assert match_all([other_release], advisories) == []
    same_release = Package("openssl", "3.0.11-1~deb12u1", "Debian:12", Location("status", 1))
    assert [f.id for f in match_all([same_release], advisories)] == ["DSA-TEST-3"]


def test_semver_ranges_use_semver_whatever_the_ecosystem() -> None:
    # OSV spec: a SEMVER range is SemVer 2.0 even where Vigil has no order of the ecosystem.
    stats = MatchStats()
    aff = _aff([("introduced", "1.0.0"), ("fixed", "1.3.0")], eco="Packagist", kind="SEMVER")
    assert is_affected("1.2.9", aff, stats)
    assert not is_affected("1.3.0", aff, stats)
    assert not is_affected("0.9.0", aff, stats)
    assert stats.unordered_ecosystems == set()
    # ... and SemVer order, not PEP 440, on a PyPI package: 1.0.0-alpha.beta < 1.0.0-alpha.gamma.
    pypi = _aff([("introduced", "1.0.0-alpha.beta"), ("fixed", "1.0.0-alpha.gamma")],
                kind="SEMVER")
    assert is_affected("1.0.0-alpha.delta", pypi)
    assert not is_affected("1.0.0-alpha.zeta", pypi)
    # An ECOSYSTEM range there still cannot be evaluated, and says so.
    eco = _aff([("introduced", "0")], eco="Packagist")
    assert not is_affected("1.0.0", eco, stats)
    assert stats.unordered_ecosystems == {"Packagist"}
