"""Pure validation of ingest batches: timestamps, values, names, labels, limits."""

from __future__ import annotations

import math

import pytest

from vigil.core.ingest import (
    IngestLimits,
    SeriesInput,
    labels_key,
    parse_timestamp,
    validate_batch,
)
from vigil.core.types import Priority, Role, Severity

NOW = 1_795_700_000.0


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-11-26T10:00:00Z", 1795687200.0),
    ("2026-11-26T11:00:00+01:00", 1795687200.0),
    ("2026-11-26T10:00:00.250Z", 1795687200.25),
    (1795600000, 1795600000.0),
    (1795600000.5, 1795600000.5),
    ("1795600000", 1795600000.0),
])
def test_timestamps_accept_rfc3339_and_unix_seconds(raw: float | str, expected: float) -> None:
    assert parse_timestamp(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["2026-11-26T10:00:00", "yesterday", "2026-11-26", "nan", True])
def test_timestamps_reject_ambiguous_or_garbage(raw: str | bool) -> None:
    with pytest.raises(ValueError):
        parse_timestamp(raw)


def test_batch_keeps_valid_points_and_reports_each_rejection() -> None:
    batch = [SeriesInput("cpu_usage_percent", {"host": "a"}, [
        ("2026-11-26T10:00:00Z", 42.0),
        (NOW, "NaN"),
        (NOW, math.inf),
        (-1, 1.0),
        (NOW + 2 * 86_400, 1.0),
        (NOW, "abc"),
        (NOW - 60, "7.5"),
    ])]
    out = validate_batch(batch, NOW, IngestLimits())
    assert out.point_count == 2
    assert out.series[0].values == [42.0, 7.5]
    reasons = {r.point: r.reason for r in out.rejected}
    assert set(reasons) == {1, 2, 3, 4, 5}
    assert "not finite" in reasons[1] and "not finite" in reasons[2]
    assert "1970" in reasons[3]
    assert "future" in reasons[4]
    assert "not a number" in reasons[5]


def test_invalid_series_identity_rejects_the_whole_series_only() -> None:
    batch = [SeriesInput("bad name", {}, [(NOW, 1.0)]),
             SeriesInput("ok", {"__reserved": "x"}, [(NOW, 1.0)]),
             SeriesInput("ok", {"a": "b"}, [(NOW, 1.0)])]
    out = validate_batch(batch, NOW, IngestLimits())
    assert [r.series for r in out.rejected] == [0, 1]
    assert all(r.point is None for r in out.rejected)
    assert [s.name for s in out.series] == ["ok"]


def test_label_cardinality_limit() -> None:
    labels = {f"l{i}": "v" for i in range(5)}
    out = validate_batch([SeriesInput("m", labels, [(NOW, 1.0)])], NOW, IngestLimits(max_labels=4))
    assert out.series == [] and "exceed the limit of 4" in out.rejected[0].reason


def test_same_series_twice_in_one_batch_is_merged() -> None:
    batch = [SeriesInput("m", {"b": "2", "a": "1"}, [(NOW, 1.0)]),
             SeriesInput("m", {"a": "1", "b": "2"}, [(NOW + 1, 2.0)])]
    out = validate_batch(batch, NOW, IngestLimits())
    assert len(out.series) == 1 and out.series[0].ts == [NOW, NOW + 1]


def test_labels_key_is_canonical() -> None:
    assert labels_key({"b": "2", "a": "1"}) == labels_key({"a": "1", "b": "2"}) == \
        '{"a":"1","b":"2"}'


def test_roles_severities_and_priorities_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.OPERATOR.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.OPERATOR) and not Role.OPERATOR.allows(Role.ADMIN)
    assert Severity.CRITICAL.rank > Severity.WARNING.rank > Severity.INFO.rank
    assert Priority.P1.response_target.total_seconds() == 0
    assert Priority.P2.response_target.total_seconds() == 1800
    assert Priority.P3.response_target.total_seconds() == 7200
