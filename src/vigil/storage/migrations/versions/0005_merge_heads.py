"""Merge the security, threats and alerting branches into one head.

Revision ID: 0005_merge_heads
Revises: 0002_security, 0003_threats, 0004_alerting
"""

from __future__ import annotations

revision = "0005_merge_heads"
down_revision = ("0002_security", "0003_threats", "0004_alerting")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this only joins the branches."""


def downgrade() -> None:
    """Nothing to change: this only splits the branches again."""
