"""No data is not "resolved": per-rule no-data behaviour and the VigilNoData alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vigil.alerting.config import AlertingConfig
from vigil.alerting.lifecycle import Alert
from vigil.config import Settings
from vigil.services import alerting as svc
from vigil.storage.database import Database
from vigil.storage.models import SampleRow, SeriesRow

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def add_series(db: Database, name: str, **labels: str) -> int:
    key = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    with db.session() as s:
        row = SeriesRow(name=name, labels_key=key, labels=labels, created_at=T0)
        s.add(row)
        s.flush()
        return row.id


def put(db: Database, series_id: int, at: datetime, value: float) -> None:
    with db.session() as s:
        s.add(SampleRow(series_id=series_id, ts=at.timestamp(), value=value))


def open_alerts(db: Database, cfg: AlertingConfig, at: datetime) -> dict[str, Alert]:
    svc.evaluate_alerts(db, Settings(), cfg, at)
    return {a.rule: a for a in svc.list_alerts(db, ["pending", "firing", "acknowledged"])}


def cfg_with(no_data: str | None = None, queue_rule: bool = True) -> AlertingConfig:
    data: dict[str, Any] = {"use_defaults": True}
    if queue_rule:
        rule: dict[str, Any] = {"name": "QueueStuck", "metric": "queue_depth", "op": ">",
                                "threshold": 100}
        if no_data:
            rule["no_data"] = no_data
        data["rules"] = [rule]
    return AlertingConfig.model_validate(data)


def test_a_p1_page_from_one_sample_keeps_firing_when_the_reporter_goes_quiet(
        db: Database) -> None:
    up = add_series(db, "up", job="api", instance="api-1:9100")
    cfg = cfg_with(queue_rule=False)
    put(db, up, T0, 0.0)  # one sample, then the reporter dies with the service
    open_alerts(db, cfg, T0)
    fired = open_alerts(db, cfg, T0 + timedelta(minutes=1))
    assert fired["ServiceDown"].state.value == "firing"
    assert fired["ServiceDown"].priority.value == "P1"
    later = open_alerts(db, cfg, T0 + timedelta(minutes=20))  # past stale_after (10m)
    assert later["ServiceDown"].state.value == "firing"  # not resolved by silence
    assert later["VigilNoData"].state.value == "firing"
    assert later["VigilNoData"].labels["series"] == later["ServiceDown"].labels["series"]
    # data again, and the condition clears: both resolve
    put(db, up, T0 + timedelta(minutes=21), 1.0)
    back = open_alerts(db, cfg, T0 + timedelta(minutes=21))
    assert "ServiceDown" not in back and "VigilNoData" not in back


@pytest.mark.parametrize(("policy", "expected"), [
    ("resolve", None), ("alerting", "firing"), ("keep_firing", "firing"),
    (None, None)])  # no policy: a P3 rule resolves, as before
def test_no_data_policy_per_rule(db: Database, policy: str | None,
                                 expected: str | None) -> None:
    depth = add_series(db, "queue_depth", queue="jobs")
    put(db, depth, T0, 500.0)
    cfg = cfg_with(policy)
    assert open_alerts(db, cfg, T0)["QueueStuck"].state.value == "firing"
    quiet = open_alerts(db, cfg, T0 + timedelta(minutes=15))
    got = quiet["QueueStuck"].state.value if "QueueStuck" in quiet else None
    assert got == expected
    assert ("no_data" in quiet["QueueStuck"].annotations) == (policy == "alerting") \
        if got else True
    put(db, depth, T0 + timedelta(minutes=16), 1.0)  # data again, below the threshold
    assert "QueueStuck" not in open_alerts(db, cfg, T0 + timedelta(minutes=16))


def test_vigil_no_data_can_be_turned_off(db: Database) -> None:
    depth = add_series(db, "queue_depth", queue="jobs")
    put(db, depth, T0, 1.0)
    cfg = AlertingConfig.model_validate({
        "no_data_horizon": "0s",
        "rules": [{"name": "QueueStuck", "metric": "queue_depth", "threshold": 100}]})
    assert open_alerts(db, cfg, T0 + timedelta(minutes=15)) == {}
    on = AlertingConfig.model_validate({
        "rules": [{"name": "QueueStuck", "metric": "queue_depth", "threshold": 100}]})
    assert list(open_alerts(db, on, T0 + timedelta(minutes=15))) == ["VigilNoData"]
