"""Version orders per ecosystem, with comparisons written for these tests."""

from __future__ import annotations

import operator

import pytest

from vigil.security.versions import DPKG, PYPI, SEMVER, InvalidVersion, order_for

OPS = {"<": operator.lt, ">": operator.gt, "==": operator.eq}

PYPI_CASES = [
    ("1.0.dev0", "<", "1.0a1"),
    ("1.0a1", "<", "1.0b1"),
    ("1.0rc1", "<", "1.0"),
    ("1.0", "<", "1.0.post1"),
    ("1.0", "==", "1.0.0"),
    ("2.2", "<", "2.2.10"),
    ("2.2.9", "<", "2.2.10"),
    ("1!0.1", ">", "99.0"),
    ("1.0+local.7", ">", "1.0"),
    ("1.0-1", "==", "1.0.post1"),
    ("1.0.RC1", "==", "1.0rc1"),
    ("0.9.beta", "<", "1.0"),
    # legacy (non PEP 440) strings order among themselves and before PEP 440 versions
    ("0.9-doduo", "<", "0.9-eevee"),
    ("0.9-eevee", "<", "1.0"),
    ("french-toast", "<", "0.1"),
]

SEMVER_CASES = [
    ("1.0.0-alpha", "<", "1.0.0-alpha.1"),
    ("1.0.0-alpha.1", "<", "1.0.0-alpha.beta"),
    ("1.0.0-beta.2", "<", "1.0.0-beta.11"),
    ("1.0.0-rc.1", "<", "1.0.0"),
    ("1.9.0", "<", "1.10.0"),
    ("v2.0.0", "==", "2.0.0"),
    ("2.0.0+build.1", "==", "2.0.0+build.2"),
    ("1.2", "==", "1.2.0"),
    ("4.17.20", "<", "4.17.21"),
]

DPKG_CASES = [
    ("1.0~rc1-1", "<", "1.0-1"),
    ("1:0.9-1", ">", "2.0-1"),
    ("3.0.11-1~deb12u1", "<", "3.0.11-1~deb12u2"),
    ("3.0.11-1~deb12u2", "<", "3.0.11-1"),
    ("5.2.15-2+b2", ">", "5.2.15-2"),
    ("1.0a-1", ">", "1.0-1"),
]


@pytest.mark.parametrize(("a", "op", "b"), PYPI_CASES)
def test_pypi_order(a: str, op: str, b: str) -> None:
    assert OPS[op](PYPI.key(a), PYPI.key(b))


@pytest.mark.parametrize(("a", "op", "b"), SEMVER_CASES)
def test_semver_order(a: str, op: str, b: str) -> None:
    assert OPS[op](SEMVER.key(a), SEMVER.key(b))


@pytest.mark.parametrize(("a", "op", "b"), DPKG_CASES)
def test_dpkg_order(a: str, op: str, b: str) -> None:
    assert OPS[op](DPKG.key(a), DPKG.key(b))


def test_semver_rejects_non_versions() -> None:
    with pytest.raises(InvalidVersion):
        SEMVER.key("not-a-version")


def test_orders_by_ecosystem() -> None:
    assert order_for("PyPI") is PYPI
    assert order_for("npm") is SEMVER
    assert order_for("Debian:12") is DPKG
    assert order_for("Maven") is None
