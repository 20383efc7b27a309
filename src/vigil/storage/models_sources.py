"""Tables of the PromQL sources: a cursor per query partition, and per source series
its scoring count and short ring buffer of recent points."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.storage.models import Base, BigId
from vigil.storage.types import UtcDateTime


class SourceCursorRow(Base):
    """How far one partition of a source query has been fetched and scored, and its health."""

    __tablename__ = "source_cursors"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    query_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    cursor_ts: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    series: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SourceSeriesRow(Base):
    """A Vigil series fed by a source: points scored, newest point, recent points."""

    __tablename__ = "source_series"
    __table_args__ = (Index("ix_source_series_source_query", "source", "query_key"),)

    series_id: Mapped[int] = mapped_column(BigId, ForeignKey("series.id", ondelete="CASCADE"),
                                           primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    query_key: Mapped[str] = mapped_column(String(128))
    points_scored: Mapped[int] = mapped_column(BigInteger, default=0)
    last_ts: Mapped[float | None] = mapped_column(Float, nullable=True)
    ring: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
