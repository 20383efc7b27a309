"""Property: shuffled events of disjoint intervals match exactly the union of the intervals."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.security.matcher import is_affected
from vigil.security.osv import Affected, Range, RangeEvent

# Versions 1.0 .. 1.39 as PEP 440 strings whose string order differs from version order.
VERSIONS = [f"1.{i}" for i in range(40)]


@st.composite
def intervals(draw: st.DrawFn) -> tuple[list[tuple[int, int | None]], int]:
    """Disjoint [start, end) index intervals (end None = open) and a shuffle seed."""
    cuts = sorted(draw(st.sets(st.integers(0, len(VERSIONS) - 1), min_size=1, max_size=8)))
    pairs: list[tuple[int, int | None]] = []
    for i in range(0, len(cuts), 2):
        end = cuts[i + 1] if i + 1 < len(cuts) else None
        pairs.append((cuts[i], end))
    return pairs, draw(st.integers(0, 2**32))


@settings(max_examples=200, deadline=None)
@given(intervals())
def test_shuffled_events_match_the_union(data: tuple[list[tuple[int, int | None]], int]) -> None:
    pairs, seed = data
    events = []
    for start, end in pairs:
        events.append(RangeEvent("introduced", VERSIONS[start]))
        if end is not None:
            events.append(RangeEvent("fixed", VERSIONS[end]))
    random.Random(seed).shuffle(events)
    aff = Affected("PyPI", "pkg", (Range("ECOSYSTEM", tuple(events)),))
    for i, version in enumerate(VERSIONS):
        expected = any(start <= i and (end is None or i < end) for start, end in pairs)
        assert is_affected(version, aff) is expected, (version, pairs)
