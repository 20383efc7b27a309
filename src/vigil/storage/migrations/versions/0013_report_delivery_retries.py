"""report delivery retries: attempts so far and when the next one is due

Revision ID: 0013_report_delivery_retries
Revises: 0012_metric_sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_report_delivery_retries"
down_revision = "0012_metric_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add delivery_attempts (0 for runs stored before) and delivery_next_at."""
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_attempts", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("delivery_next_at", sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("report_runs", schema=None) as batch_op:
        batch_op.drop_column("delivery_next_at")
        batch_op.drop_column("delivery_attempts")
