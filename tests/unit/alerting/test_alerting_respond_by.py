"""The `respond_by` shown with every alert follows the runbook's response targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigil.core.types import Priority
from vigil.services.alerting import respond_by

THU = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # a Thursday


@pytest.mark.parametrize(("fired", "due"), [
    (THU, THU + timedelta(days=1)),                     # Thursday -> Friday
    (THU + timedelta(days=1), THU + timedelta(days=4)),  # Friday evening -> Monday, not Saturday
    (THU + timedelta(days=2), THU + timedelta(days=4)),  # Saturday -> Monday
    (THU + timedelta(days=3), THU + timedelta(days=4)),  # Sunday -> Monday
])
def test_p4_is_due_the_next_business_day(fired: datetime, due: datetime) -> None:
    assert respond_by(Priority.P4, fired) == due


def test_p1_to_p3_use_their_targets() -> None:
    assert respond_by(Priority.P1, THU) == THU
    assert respond_by(Priority.P2, THU) == THU + timedelta(minutes=30)
    assert respond_by(Priority.P3, THU + timedelta(days=1)) == THU + timedelta(days=1, hours=2)
