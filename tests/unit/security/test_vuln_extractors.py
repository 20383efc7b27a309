"""Each extractor against its own fixtures, including broken files (clear errors, never silence)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.unit.security.vuln_support import FIXTURES, read_fixture
from vigil.security import extractors
from vigil.security.extractors import (
    cyclonedx,
    dpkg_status,
    npm_lock,
    pipfile_lock,
    poetry_lock,
    pylock,
    python_env,
    requirements,
    spdx,
    uv_lock,
    yarn_lock,
)
from vigil.security.model import ExtractError, Extraction

INV = FIXTURES / "inventories"
BROKEN = FIXTURES / "broken"


def _run(module: object, path: Path) -> Extraction:
    result: Extraction = module.extract(path.read_text(), str(path), read_fixture)  # type: ignore[attr-defined]
    return result


def _pins(result: Extraction) -> set[tuple[str, str, str]]:
    return {(p.name, p.version, p.ecosystem) for p in result.packages}


def test_requirements_pins_includes_hashes_markers_and_unchecked() -> None:
    result = _run(requirements, INV / "reqs" / "requirements.txt")
    assert _pins(result) == {
        ("Jinja2", "2.10", "PyPI"), ("pyyaml", "5.3.1", "PyPI"),
        ("Django", "2.2.5", "PyPI"), ("legacy_pkg", "0.9-doduo", "PyPI"),
    }
    django = next(p for p in result.packages if p.name == "Django")
    assert django.location.line == 4  # the first line of the continued requirement
    jinja = next(p for p in result.packages if p.name == "Jinja2")
    assert jinja.location.file.endswith("base-requirements.txt")
    assert jinja.location.line == 1
    reasons = {u.name: u.reason for u in result.unchecked}
    assert reasons["requests"].startswith("not pinned exactly")
    assert reasons["flask"] == "not pinned"
    assert reasons["./local-lib"] == "editable install"
    assert reasons["numpy"].startswith("not pinned exactly")  # wildcard pins are ranges
    assert "URL or local path" in reasons.values()
    assert len(result.unchecked) == 5


def test_requirements_include_cycle_is_an_error() -> None:
    with pytest.raises(ExtractError, match="include cycle"):
        _run(requirements, INV / "reqs" / "cycle-requirements.txt")


@pytest.mark.parametrize(("module", "name", "message"), [
    (requirements, "requirements.txt", "invalid requirement"),
    (requirements, "include-missing-requirements.txt", "cannot read included"),
    (poetry_lock, "poetry.lock", "invalid TOML"),
    (npm_lock, "package-lock.json", "invalid JSON"),
    (yarn_lock, "yarn.lock", "expected a package entry"),
    (yarn_lock, "yarn-berry.lock", "has no resolution"),
    (cyclonedx, "bom.cdx.json", "CycloneDX"),
    (spdx, "app.spdx.json", "spdxVersion"),
    (dpkg_status, "dpkg-status", "Field: value"),
    (pylock, "pylock.toml", "lock-version"),
    (uv_lock, "uv.lock", "lacks a name"),
    (pipfile_lock, "Pipfile.lock", "must be an object"),
])
def test_broken_files_raise_clear_errors(module: object, name: str, message: str) -> None:
    with pytest.raises(ExtractError, match=message) as info:
        _run(module, BROKEN / name)
    assert info.value.file.endswith(name)


def test_broken_requirement_names_the_line() -> None:
    with pytest.raises(ExtractError) as info:
        _run(requirements, BROKEN / "requirements.txt")
    assert info.value.line == 2


def test_poetry_lock() -> None:
    result = _run(poetry_lock, INV / "poetry.lock")
    assert _pins(result) == {("django", "2.2.5", "PyPI")}
    assert result.packages[0].location.line == 4
    assert [(u.name, u.reason) for u in result.unchecked] == [("mylib", "directory source")]


def test_uv_lock_skips_the_project_itself() -> None:
    result = _run(uv_lock, INV / "uv.lock")
    assert _pins(result) == {("django", "2.2.5", "PyPI"), ("pyyaml", "5.3.1", "PyPI")}
    assert [(u.name, u.reason) for u in result.unchecked] == [("myapp", "editable source")]


def test_pipfile_lock_both_sections() -> None:
    result = _run(pipfile_lock, INV / "Pipfile.lock")
    assert _pins(result) == {("django", "2.2.5", "PyPI"), ("pytest", "8.0.0", "PyPI")}
    assert [u.name for u in result.unchecked] == ["mylib"]


def test_pylock_toml() -> None:
    result = _run(pylock, INV / "pylock.toml")
    assert _pins(result) == {("django", "2.2.5", "PyPI")}
    assert [(u.name, u.reason) for u in result.unchecked] == [
        ("private-tool", "no version (vcs source)")]


def test_package_lock_v3_nested_and_links() -> None:
    result = _run(npm_lock, INV / "node" / "package-lock.json")
    assert _pins(result) == {("lodash", "4.17.20", "npm"), ("@scope/util", "1.0.0", "npm"),
                             ("lodash", "4.17.21", "npm")}
    assert {u.name for u in result.unchecked} == {"shared"}
    assert all(p.location.line for p in result.packages)


def test_package_lock_v1() -> None:
    result = _run(npm_lock, INV / "node" / "package-lock-v1.json")
    assert _pins(result) == {("lodash", "4.17.15", "npm"), ("express", "4.16.0", "npm"),
                             ("qs", "6.5.1", "npm")}


def test_yarn_lock_v1() -> None:
    result = _run(yarn_lock, INV / "node" / "yarn.lock")
    assert _pins(result) == {("@babel/code-frame", "7.12.13", "npm"),
                             ("lodash", "4.17.19", "npm")}
    lodash = next(p for p in result.packages if p.name == "lodash")
    assert lodash.location.line == 11
    assert [u.name for u in result.unchecked] == ["local-thing"]


def test_yarn_berry() -> None:
    result = _run(yarn_lock, INV / "node" / "berry" / "yarn.lock")
    assert _pins(result) == {("@scope/util", "1.0.0", "npm"), ("lodash", "4.17.20", "npm")}
    lodash = next(p for p in result.packages if p.name == "lodash")
    assert lodash.location.line == 15
    assert [(u.name, u.spec) for u in result.unchecked] == [("web", "web@workspace:.")]


def test_cyclonedx_nested_components_and_deb_source() -> None:
    result = _run(cyclonedx, INV / "bom.cdx.json")
    assert _pins(result) == {("django", "2.2.5", "PyPI"), ("lodash", "4.17.20", "npm"),
                             ("@scope/util", "1.0.0", "npm"),
                             ("openssl", "3.0.11-1~deb12u1", "Debian:12")}
    assert [(u.name, u.reason) for u in result.unchecked] == [("mystery", "no purl")]
    assert len(result.packages) == 4  # django listed twice (two subpaths) counts once


def test_spdx_packages_by_purl() -> None:
    result = _run(spdx, INV / "app.spdx.json")
    # RubyGems has no version order here: only exact `versions[]` matches are possible.
    assert _pins(result) == {("django", "2.2.5", "PyPI"), ("rails", "5.0.0", "RubyGems")}
    assert [(u.name, u.reason) for u in result.unchecked] == [("vendored-thing", "no purl")]


def test_dpkg_status_reports_source_packages_of_the_release() -> None:
    result = _run(dpkg_status, INV / "debian" / "var" / "lib" / "dpkg" / "status")
    assert _pins(result) == {("openssl", "3.0.11-1~deb12u1", "Debian:12"),
                             ("bash", "5.2.15-2", "Debian:12")}
    assert result.packages[0].location.line == 1
    assert result.packages[0].purl == "pkg:deb/debian/openssl@3.0.11-1~deb12u1"


def test_dpkg_status_without_os_release_matches_any_debian_release() -> None:
    path = INV / "debian" / "var" / "lib" / "dpkg" / "status"
    result = dpkg_status.extract(path.read_text(), str(path))
    assert {p.ecosystem for p in result.packages} == {"Debian"}


@pytest.mark.parametrize(("text", "expected"), [
    ('ID=ubuntu\nVERSION_ID="22.04"\n', "Ubuntu:22.04"),
    ("ID=debian\n", "Debian"),
    ("ID=alpine\nVERSION_ID=3.19\n", None),
])
def test_os_release(text: str, expected: str | None) -> None:
    assert dpkg_status.parse_os_release(text) == expected


def test_python_env_distributions() -> None:
    result = python_env.extract_distributions([("Django", "2.2.5", "/site/django"),
                                               ("django", "2.2.5", "/other"), ("", "1", "x")])
    assert _pins(result) == {("Django", "2.2.5", "PyPI")}


@pytest.mark.parametrize(("path", "kind"), [
    ("requirements.txt", "requirements"), ("requirements-dev.txt", "requirements"),
    ("dev-requirements.txt", "requirements"), ("requirements/prod.txt", "requirements"),
    ("/srv/app/requirements/base.txt", "requirements"),
    ("poetry.lock", "poetry.lock"), ("uv.lock", "uv.lock"), ("Pipfile.lock", "Pipfile.lock"),
    ("pylock.toml", "pylock.toml"), ("pylock.web.toml", "pylock.toml"),
    ("package-lock.json", "package-lock.json"), ("npm-shrinkwrap.json", "package-lock.json"),
    ("yarn.lock", "yarn.lock"), ("bom.json", "cyclonedx"), ("app.cdx.json", "cyclonedx"),
    ("app.spdx.json", "spdx"), ("/var/lib/dpkg/status", "dpkg-status"),
])
def test_detect_by_file_name(path: str, kind: str) -> None:
    found = extractors.detect(path)
    assert found is not None
    assert kind == found.KIND


@pytest.mark.parametrize("path", ["README.md", "package.json", "status", "notes.txt",
                                  "/home/me/requirements/proj/docs/notes.txt"])
def test_detect_ignores_other_files(path: str) -> None:
    assert extractors.detect(path) is None


@pytest.mark.parametrize(("module", "text", "message"), [
    (cyclonedx, '{"bomFormat": "CycloneDX", "components": [{"purl": 123}]}',
     "purl must be a string"),
    (cyclonedx, '{"bomFormat": "CycloneDX", "components": {"a": 1}}', "must be a list"),
    (cyclonedx, '{"bomFormat": "CycloneDX", "components": [{"name": "x", "components": 5}]}',
     "must be a list"),
    (cyclonedx, '{"bomFormat": "CycloneDX", "components": ["pkg:pypi/x@1"]}',
     "must be an object"),
    (spdx, '{"spdxVersion": "SPDX-2.3", "packages": {"a": 1}}', "must be a list"),
    (spdx, '{"spdxVersion": "SPDX-2.3", "packages": [{"externalRefs": "x"}]}', "must be a list"),
    (spdx, '{"spdxVersion": "SPDX-2.3", "packages": [{"externalRefs": [{"referenceType": '
           '"purl", "referenceLocator": 7}]}]}', "must be a string"),
])
def test_sboms_of_the_wrong_shape_raise_clear_errors(module: Any, text: str,
                                                     message: str) -> None:
    # Valid JSON, wrong types: an ExtractError (exit 2 / 422), never an AttributeError.
    with pytest.raises(ExtractError, match=message):
        module.extract(text, "sbom.json")


def test_spdx_id_that_is_not_a_string_is_tolerated() -> None:
    result = spdx.extract('{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": 5, "name": "x", '
                          '"externalRefs": [{"referenceType": "purl", '
                          '"referenceLocator": "pkg:pypi/x@1.0"}]}]}', "app.spdx.json")
    assert [(p.name, p.version) for p in result.packages] == [("x", "1.0")]


def test_yarn_v1_alias_is_checked_as_the_real_package() -> None:
    # `string-width-cjs@npm:string-width@^4.2.0` installs string-width: its advisories apply.
    text = ('# yarn lockfile v1\n\n"string-width-cjs@npm:string-width@^4.2.0":\n'
            '  version "4.2.3"\n\n"@types/x@npm:@scope/real@^1":\n  version "1.0.0"\n\n'
            'lodash@^4:\n  version "4.17.20"\n')
    result = yarn_lock.extract(text, "yarn.lock")
    assert [(p.name, p.version, p.location.line) for p in result.packages] == [
        ("string-width", "4.2.3", 3), ("@scope/real", "1.0.0", 6), ("lodash", "4.17.20", 9)]


def test_npm_lock_v1_alias_is_checked_as_the_real_package() -> None:
    text = ('{"lockfileVersion": 1, "dependencies": {\n'
            '  "string-width-cjs": {"version": "npm:string-width@4.2.3"},\n'
            '  "real": {"version": "npm:@scope/real@1.0.0"},\n'
            '  "local": {"version": "file:../local"}}}\n')
    result = npm_lock.extract(text, "package-lock.json")
    assert [(p.name, p.version, p.location.line) for p in result.packages] == [
        ("string-width", "4.2.3", 2), ("@scope/real", "1.0.0", 3)]
    assert [(u.name, u.reason) for u in result.unchecked] == [("local", "no registry version")]
