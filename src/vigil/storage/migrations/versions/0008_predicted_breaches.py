"""predicted breaches: the latest time-to-breach prediction per target and series

Revision ID: 0008_predicted_breaches
Revises: 0007_model_lifecycle
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_predicted_breaches"
down_revision = "0007_model_lifecycle"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create predicted_breaches."""
    op.create_table(
        "predicted_breaches",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("series_id", _ID, sa.ForeignKey("series.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("computed_at", sa.Float(), nullable=False),
        sa.Column("valid_until", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.String(4), nullable=True),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("seconds_to_breach", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.UniqueConstraint("target", "series_id", name="uq_predicted_breach"),
    )


def downgrade() -> None:
    """Drop predicted_breaches."""
    op.drop_table("predicted_breaches")
