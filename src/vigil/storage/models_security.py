"""Tables of the vulnerability scanner: advisories, their package index, scans, findings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.storage.models import Base, BigId
from vigil.storage.types import UtcDateTime


class AdvisoryRow(Base):
    """One OSV advisory as imported: id, modified time, aliases and the whole document."""

    __tablename__ = "security_advisories"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    modified: Mapped[str] = mapped_column(String(64))
    aliases: Mapped[list[str]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    document: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AdvisoryPackageRow(Base):
    """Index of which (ecosystem, normalised name) an advisory affects, for fast lookup."""

    __tablename__ = "security_advisory_packages"

    advisory_id: Mapped[str] = mapped_column(
        String(128), ForeignKey("security_advisories.id", ondelete="CASCADE"), primary_key=True
    )
    ecosystem: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)


Index("idx_security_advisory_packages_name", AdvisoryPackageRow.ecosystem,
      AdvisoryPackageRow.name)


class ScanRow(Base):
    """One scan of a target (a path, an upload, the environment) and how it ended."""

    __tablename__ = "security_scans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    target: Mapped[str] = mapped_column(String(1024), index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    packages: Mapped[int] = mapped_column(Integer, default=0)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    unchecked: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class FindingRow(Base):
    """A vulnerability in a package of a target, with when it was first seen and fixed.

    A finding that the target's `.vigilignore.yaml` suppresses is still present: it keeps
    ``fixed_at`` empty and carries the ignore entry's reason (and expiry) instead.
    """

    __tablename__ = "security_findings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    target: Mapped[str] = mapped_column(String(1024), index=True)
    package: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(255))
    ecosystem: Mapped[str] = mapped_column(String(64))
    vuln_id: Mapped[str] = mapped_column(String(128), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON)
    severity: Mapped[str] = mapped_column(String(16), index=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    fixed: Mapped[list[str]] = mapped_column(JSON)
    location: Mapped[str] = mapped_column(String(1024))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    fixed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_scan_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    suppressed_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    suppressed_until: Mapped[date | None] = mapped_column(Date, nullable=True)
