"""The errors the vulnerability-scanning service raises to its adapters."""

from __future__ import annotations


class ScanInputError(ValueError):
    """Input that cannot be scanned or imported (missing, unreadable, malformed)."""


class NoAdvisories(RuntimeError):
    """The advisory database is empty: `vigil advisories import` has not been run."""
