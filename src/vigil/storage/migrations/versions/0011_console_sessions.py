"""console sessions: the web console's logged-in browsers

Revision ID: 0011_console_sessions
Revises: 0010_analytics_reports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_console_sessions"
down_revision = "0010_analytics_reports"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create console_sessions."""
    op.create_table(
        "console_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("key_id", _ID, sa.ForeignKey("api_keys.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("idx_console_sessions_key", "console_sessions", ["key_id"])
    op.create_index("idx_console_sessions_expires", "console_sessions", ["expires_at"])


def downgrade() -> None:
    """Drop console_sessions."""
    op.drop_index("idx_console_sessions_expires", "console_sessions")
    op.drop_index("idx_console_sessions_key", "console_sessions")
    op.drop_table("console_sessions")
