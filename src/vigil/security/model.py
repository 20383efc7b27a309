"""Plain data shared by extractors, the matcher and reporters."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Location:
    """Where a package was declared: a file (or ``env``) and a 1-based line when known."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        """``file:line`` or just ``file``."""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class Package:
    """A concrete package version found in an inventory."""

    name: str
    version: str
    ecosystem: str
    location: Location
    purl: str | None = None


@dataclass(frozen=True, slots=True)
class Unchecked:
    """A declared dependency that could not be checked (unpinned, local path, ...), and why."""

    name: str
    spec: str
    ecosystem: str
    location: Location
    reason: str


@dataclass(slots=True)
class Extraction:
    """What one extractor found in one inventory."""

    kind: str
    packages: list[Package] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    def extend(self, other: Extraction) -> None:
        """Append another extraction's packages and unchecked entries."""
        self.packages.extend(other.packages)
        self.unchecked.extend(other.unchecked)


class ExtractError(ValueError):
    """An inventory that cannot be read; the message names the file and, if known, the line."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        """Record where the problem is and what it is."""
        self.file = file
        self.line = line
        self.reason = message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


@dataclass(frozen=True, slots=True)
class VulnerabilityFinding:
    """A package version affected by a vulnerability (aliases merged into one finding)."""

    package: str
    version: str
    ecosystem: str
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: str
    score: float | None
    fixed: tuple[str, ...]
    location: Location
    references: tuple[str, ...] = ()

    @property
    def ids(self) -> frozenset[str]:
        """The id and every alias."""
        return frozenset((self.id, *self.aliases))
