"""threats: detected threats from auth and access logs

Revision ID: 0003_threats
Revises: 0001_foundation
Create Date: 2026-11-26 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_threats"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_threats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("source_ip", sa.String(length=255), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("technique", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("rule", sa.String(length=255), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("type", "source_ip", "first_seen",
                            name="uq_threat_type_source_first"),
    )
    with op.batch_alter_table("security_threats", schema=None) as batch_op:
        batch_op.create_index("idx_threats_detected_at", ["detected_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_security_threats_source_ip"), ["source_ip"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("security_threats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_security_threats_source_ip"))
        batch_op.drop_index("idx_threats_detected_at")
    op.drop_table("security_threats")
