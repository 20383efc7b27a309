"""model lifecycle: anomaly feedback, missed anomalies, model versions, data quality

Revision ID: 0007_model_lifecycle
Revises: 0007_empty_label_values
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_model_lifecycle"
down_revision = "0007_empty_label_values"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def _series_fk() -> sa.Column[int]:
    return sa.Column("series_id", _ID, sa.ForeignKey("series.id", ondelete="CASCADE"),
                     nullable=False)


def upgrade() -> None:
    """Create the lifecycle tables."""
    op.create_table(
        "anomaly_feedback",
        sa.Column("anomaly_id", _ID, sa.ForeignKey("anomaly_detections.id", ondelete="CASCADE"),
                  primary_key=True),
        _series_fk(),
        sa.Column("verdict", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_anomaly_feedback_series_id", "anomaly_feedback", ["series_id"])
    op.create_table(
        "missed_anomalies",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        _series_fk(),
        sa.Column("start", _TS, nullable=False),
        sa.Column("end", _TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_index("ix_missed_anomalies_series_id", "missed_anomalies", ["series_id"])
    op.create_table(
        "model_versions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        _series_fk(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("detector", sa.String(64), nullable=False),
        sa.Column("detector_version", sa.String(64), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("trained_from", _TS, nullable=True),
        sa.Column("trained_to", _TS, nullable=True),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=False),
        sa.Column("last_ts", sa.Float(), nullable=True),
        sa.Column("promoted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("series_id", "version", name="uq_model_version"),
    )
    op.create_index("ix_model_versions_series_id", "model_versions", ["series_id"])
    op.create_table(
        "active_models",
        sa.Column("series_id", _ID, sa.ForeignKey("series.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("adopted_version", sa.Integer(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "data_quality",
        sa.Column("series_id", _ID, sa.ForeignKey("series.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("computed_at", _TS, nullable=False),
    )
    op.create_table(
        "ingest_stats",
        sa.Column("series_id", _ID, sa.ForeignKey("series.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("hour", sa.Float(), primary_key=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    """Drop the lifecycle tables (feedback, versions and quality history are lost)."""
    for table in ("ingest_stats", "data_quality", "active_models", "model_versions",
                  "missed_anomalies", "anomaly_feedback"):
        op.drop_table(table)
