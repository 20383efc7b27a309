"""series: an empty label value means "no label" (Prometheus's rule); merge the series it split

Before this revision JSON ingest stored `{"q": ""}` as a label while remote_write dropped
it, so one logical series could be stored twice. Every series with an empty label value
is renamed to its label set without those labels; when that label set already exists
(or several series collapse into one), samples, anomalies and detector state move to the
surviving series (a sample whose timestamp the survivor already has keeps the survivor's
value), and the emptied series is deleted.

Revision ID: 0007_empty_label_values
Revises: 0006_finding_suppression
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0007_empty_label_values"
down_revision = "0006_finding_suppression"
branch_labels = None
depends_on = None

_SERIES = sa.table("series", sa.column("id", sa.BigInteger), sa.column("labels_key", sa.Text),
                   sa.column("labels", sa.JSON))


def _labels(raw: Any) -> dict[str, str]:
    """The stored JSON label column as a dict (drivers return text or a dict)."""
    if isinstance(raw, str | bytes):
        loaded: dict[str, str] = orjson.loads(raw)
        return loaded
    return dict(raw or {})


def _key(labels: dict[str, str]) -> str:
    """The canonical label key, as vigil.core.ingest.labels_key builds it."""
    return orjson.dumps(labels, option=orjson.OPT_SORT_KEYS).decode()


def _merge(conn: sa.Connection, source: int, target: int) -> None:
    """Move what belongs to series `source` into series `target`, then delete `source`."""
    ids = {"s": source, "t": target}
    conn.execute(sa.text(
        "UPDATE samples SET series_id = :t WHERE series_id = :s AND NOT EXISTS ("
        "SELECT 1 FROM samples other WHERE other.series_id = :t AND other.ts = samples.ts)"), ids)
    conn.execute(sa.text(
        "UPDATE anomaly_detections SET series_id = :t WHERE series_id = :s AND NOT EXISTS ("
        "SELECT 1 FROM anomaly_detections other WHERE other.series_id = :t"
        " AND other.timestamp = anomaly_detections.timestamp"
        " AND other.detector = anomaly_detections.detector)"), ids)
    conn.execute(sa.text(
        "UPDATE detector_state SET series_id = :t WHERE series_id = :s AND NOT EXISTS ("
        "SELECT 1 FROM detector_state other WHERE other.series_id = :t"
        " AND other.detector = detector_state.detector)"), ids)
    for table in ("samples", "anomaly_detections", "detector_state"):
        conn.execute(sa.text(f"DELETE FROM {table} WHERE series_id = :s"), {"s": source})
    conn.execute(sa.text("DELETE FROM series WHERE id = :s"), {"s": source})


def upgrade() -> None:
    """Drop empty-valued labels from every series, merging series that become identical."""
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, name, labels_key, labels FROM series ORDER BY id"))
    survivors: dict[tuple[str, str], int] = {}
    emptied: list[tuple[int, str, dict[str, str]]] = []
    for series_id, name, key, raw in rows.all():
        labels = _labels(raw)
        if any(value == "" for value in labels.values()):
            emptied.append((series_id, name, {k: v for k, v in labels.items() if v != ""}))
        else:
            survivors[(name, key)] = series_id
    for series_id, name, labels in emptied:
        key = _key(labels)
        target = survivors.get((name, key))
        if target is None:
            conn.execute(sa.update(_SERIES).where(_SERIES.c.id == series_id)
                         .values(labels_key=key, labels=labels))
            survivors[(name, key)] = series_id
        else:
            _merge(conn, series_id, target)


def downgrade() -> None:
    """Nothing to undo: which series once carried an empty label value is not recorded."""
