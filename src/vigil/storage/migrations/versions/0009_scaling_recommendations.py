"""scaling recommendations: the history of replica recommendations served

Revision ID: 0009_scaling_recommendations
Revises: 0008_predicted_breaches
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_scaling_recommendations"
down_revision = "0008_predicted_breaches"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create scaling_recommendations."""
    op.create_table(
        "scaling_recommendations",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("target", sa.String(255), nullable=False),
        sa.Column("computed_at", sa.Float(), nullable=False),
        sa.Column("replicas", sa.Integer(), nullable=False),
        sa.Column("proposal", sa.Integer(), nullable=False),
        sa.Column("winner", sa.String(32), nullable=False),
        sa.Column("fallback", sa.String(1024), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    op.create_index("ix_scaling_recommendations_target_at", "scaling_recommendations",
                    ["target", "computed_at"])


def downgrade() -> None:
    """Drop scaling_recommendations."""
    op.drop_index("ix_scaling_recommendations_target_at", "scaling_recommendations")
    op.drop_table("scaling_recommendations")
