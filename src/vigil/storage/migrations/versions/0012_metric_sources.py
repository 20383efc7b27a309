"""metric sources: per-partition query cursors and per-series ring buffers

Revision ID: 0012_metric_sources
Revises: 0011_console_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_metric_sources"
down_revision = "0011_console_sessions"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create source_cursors and source_series."""
    op.create_table(
        "source_cursors",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("query_key", sa.String(128), primary_key=True),
        sa.Column("partition", sa.Integer(), primary_key=True),
        sa.Column("cursor_ts", sa.BigInteger(), nullable=True),
        sa.Column("series", sa.Integer(), nullable=False),
        sa.Column("last_success_at", _TS, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _TS, nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "source_series",
        sa.Column("series_id", _ID, sa.ForeignKey("series.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("query_key", sa.String(128), nullable=False),
        sa.Column("points_scored", sa.BigInteger(), nullable=False),
        sa.Column("last_ts", sa.Float(), nullable=True),
        sa.Column("ring", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_source_series_source_query", "source_series", ["source", "query_key"])


def downgrade() -> None:
    """Drop source_series and source_cursors."""
    op.drop_index("ix_source_series_source_query", "source_series")
    op.drop_table("source_series")
    op.drop_table("source_cursors")
