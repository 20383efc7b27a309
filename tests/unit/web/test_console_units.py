"""Small pure pieces of the console: safe redirects, label filters, packaged files."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from vigil.services.console_series import parse_label_filters
from vigil.web.session import safe_next

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("target", "expected"), [
    ("/alerts?state=all", "/alerts?state=all"), ("/", "/"), (None, "/"), ("", "/"),
    ("//evil.example/", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/"),
    ("alerts", "/"),
])
def test_login_returns_only_to_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_label_filters_parse_pairs_and_name_a_bad_one() -> None:
    assert parse_label_filters('host=web-1, env="prod"  dc=') == {
        "host": "web-1", "env": "prod", "dc": ""}
    assert parse_label_filters("  ") == {}
    with pytest.raises(ValueError, match="'oops' must look like key=value"):
        parse_label_filters("host=a oops")


def test_every_template_and_static_file_is_package_data() -> None:
    """A wheel (not only an editable install) must carry the console's files."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-data"]["vigil"]
    web = ROOT / "src" / "vigil" / "web"
    files = [p for folder in ("templates", "static") for p in (web / folder).rglob("*")
             if p.is_file()]
    assert len(files) > 10
    for path in files:
        relative = path.relative_to(ROOT / "src" / "vigil").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) and relative.count("/")
                   == pattern.count("/") for pattern in patterns), relative
