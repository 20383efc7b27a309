"""analytics reports: stored report runs, and indexes for the analytics queries

Revision ID: 0010_analytics_reports
Revises: 0009_scaling_recommendations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_analytics_reports"
down_revision = "0009_scaling_recommendations"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create report_runs; index alerts by firing time, pages by time, threats by time."""
    op.create_table(
        "report_runs",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period_label", sa.String(64), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=False),
        sa.Column("receiver", sa.String(255), nullable=True),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("delivery_error", sa.Text(), nullable=True),
    )
    op.create_index("idx_report_runs_kind_period", "report_runs", ["kind", "period_start"])
    op.create_index("idx_alerts_fired_at", "alerts", ["fired_at"])
    op.create_index("idx_alert_events_kind_ts", "alert_events", ["kind", "ts"])


def downgrade() -> None:
    """Drop the indexes and report_runs."""
    op.drop_index("idx_alert_events_kind_ts", "alert_events")
    op.drop_index("idx_alerts_fired_at", "alerts")
    op.drop_index("idx_report_runs_kind_period", "report_runs")
    op.drop_table("report_runs")
