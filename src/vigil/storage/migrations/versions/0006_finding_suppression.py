"""security: findings suppressed by .vigilignore.yaml are stored as suppressed, not fixed

Revision ID: 0006_finding_suppression
Revises: 0005_merge_heads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_finding_suppression"
down_revision = "0005_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the suppression (ignore entry's reason and expiry) to security_findings."""
    with op.batch_alter_table("security_findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suppressed_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("suppressed_until", sa.Date(), nullable=True))


def downgrade() -> None:
    """Drop the suppression columns (suppressed findings then read as open)."""
    with op.batch_alter_table("security_findings", schema=None) as batch_op:
        batch_op.drop_column("suppressed_until")
        batch_op.drop_column("suppressed_reason")
