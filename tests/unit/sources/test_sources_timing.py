"""Step alignment and chunking of query_range: every timestamp once, under the limits."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vigil.sources.config import PROMETHEUS_MAX_POINTS
from vigil.sources.timing import TimeRange, align_down, chunk_points, chunks, due_range


def test_align_down_is_on_the_grid_and_not_after() -> None:
    assert align_down(1_700_000_099.9, 60) == 1_700_000_040
    assert align_down(1_700_000_040, 60) == 1_700_000_040
    assert align_down(-1, 60) == -60


def test_first_poll_starts_a_lookback_ago_on_the_grid() -> None:
    span = due_range(None, now=10_000.5, step=60, lookback=3600)
    assert span == TimeRange(6360, 9960, 60)
    assert span.points == 61


def test_next_poll_starts_one_step_after_the_cursor() -> None:
    assert due_range(9960, now=10_019, step=60, lookback=3600) is None  # up to date
    assert due_range(9960, now=10_020, step=60, lookback=3600) == TimeRange(10_020, 10_020, 60)
    assert due_range(9960, now=10_200, step=60, lookback=3600, delay=90) == \
        TimeRange(10_020, 10_080, 60)


def test_catch_up_covers_the_whole_downtime() -> None:
    span = due_range(0, now=86_400 * 3 + 5, step=60, lookback=3600)
    assert span is not None and span.start == 60 and span.end == 86_400 * 3


def test_chunk_points_stays_under_the_server_limit_and_the_budget() -> None:
    assert chunk_points(1, PROMETHEUS_MAX_POINTS - 1, 5_000_000) == PROMETHEUS_MAX_POINTS - 1
    assert chunk_points(10_000, PROMETHEUS_MAX_POINTS - 1, 5_000_000) == 500
    assert chunk_points(10_000_000, 10_999, 5_000_000) == 1
    assert chunk_points(0, 100, 1000) == 100


@given(start=st.integers(-10_000, 10_000), n=st.integers(1, 5000), step=st.integers(1, 3600),
       per=st.integers(1, 11_000))
def test_chunks_cover_each_timestamp_once(start: int, n: int, step: int, per: int) -> None:
    span = TimeRange(start * step, (start + n - 1) * step, step)
    parts = chunks(span, per)
    assert parts[0].start == span.start and parts[-1].end == span.end
    assert all(p.points <= per for p in parts)
    assert sum(p.points for p in parts) == span.points
    for before, after in itertools.pairwise(parts):
        assert after.start == before.end + step


def test_chunks_refuse_zero_points() -> None:
    with pytest.raises(ValueError):
        chunks(TimeRange(0, 10, 1), 0)
