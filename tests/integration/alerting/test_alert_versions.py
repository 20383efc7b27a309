"""Optimistic alert updates (the mapper's version_id_col): a stale writer loses, on both DBs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from vigil.alerting.lifecycle import AlertState, acknowledge, new_alert, resolve
from vigil.core.types import Priority, Severity
from vigil.storage import alerting_repo
from vigil.storage.engine import make_engine

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_stale_update_loses_and_the_acknowledgement_stays(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with Session(engine) as s, s.begin():
            firing, _ = new_alert("fp1", "HighCpu", {"alertname": "HighCpu"}, {},
                                  Severity.CRITICAL, Priority.P1, 97.0, timedelta(0), T0)
            [stored_new] = alerting_repo.insert_alerts(s, [firing], T0)
        alert_id = stored_new.id
        assert alert_id is not None
        with Session(engine) as evaluation, Session(engine) as operator:
            seen = alerting_repo.get_alert(evaluation, alert_id)  # the evaluation reads v0
            assert seen is not None and seen.version == 0
            with operator.begin():
                mine = alerting_repo.get_alert(operator, alert_id)
                assert mine is not None
                acked, _ = acknowledge(mine.alert, "alice", T0 + timedelta(minutes=1))
                assert alerting_repo.update_alert(operator, acked, mine.version, T0)
            later = T0 + timedelta(minutes=2)
            resolved, _ = resolve(seen.alert, "evaluation", later)
            assert alerting_repo.update_alert(evaluation, resolved, seen.version, later) is False
            evaluation.commit()
        with Session(engine) as s:
            final = alerting_repo.get_alert(s, alert_id)
            assert final is not None
            assert final.alert.state is AlertState.ACKNOWLEDGED
            assert final.alert.acknowledged_by == "alice"
            assert final.version == 1
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM alerts")).scalar_one() == 1
    finally:
        engine.dispose()
