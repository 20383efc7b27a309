"""The interface every ecosystem's version order implements."""

from __future__ import annotations

from typing import Any, Protocol


class InvalidVersion(ValueError):
    """A version string this ecosystem's order cannot parse."""


class VersionOrder(Protocol):
    """Turns version strings into keys that compare in the ecosystem's order."""

    name: str

    def key(self, version: str) -> Any:
        """A comparable key for `version`; raises InvalidVersion when it cannot be parsed."""
        ...
