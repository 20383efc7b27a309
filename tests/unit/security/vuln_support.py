"""Helpers of the vulnerability-scanner unit tests (fixtures: tests/fixtures/security)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.security.osv import Advisory, decode_document, parse_advisory

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "security"


def load_fixture_advisories() -> list[Advisory]:
    """Every OSV advisory file under the fixture advisory directory, parsed."""
    out = []
    for path in sorted((FIXTURES / "advisories").rglob("*")):
        if path.suffix in (".yaml", ".json"):
            doc = decode_document(path.read_bytes(), path.name)
            if isinstance(doc, dict) and "modified" in doc:
                out.append(parse_advisory(doc))
    return out


@pytest.fixture()
def fixtures() -> Path:
    """The fixture directory."""
    return FIXTURES


def read_fixture(including: str, ref: str) -> tuple[str, str]:
    """A `-r` include reader resolving paths relative to the including fixture file."""
    path = (Path(including).parent / ref)
    return str(path), path.read_text(encoding="utf-8")
