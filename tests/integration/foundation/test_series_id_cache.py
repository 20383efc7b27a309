"""The series-id cache only learns ids of committed series."""

from __future__ import annotations

import pytest


def test_series_ids_are_cached_only_once_committed(db: object) -> None:
    from vigil.storage.database import Database
    from vigil.storage.series_repo import SeriesIdCache, resolve_series_ids

    assert isinstance(db, Database)
    cache = SeriesIdCache()
    with pytest.raises(RuntimeError), db.session() as session:
        resolve_series_ids(session, [("rolled_back", "{}", {})], cache)
        raise RuntimeError("the request fails after resolving its series")
    assert cache.get("rolled_back", "{}") is None
    with db.session() as session:
        [sid] = resolve_series_ids(session, [("kept", "{}", {})], cache)
        assert cache.get("kept", "{}") is None  # not visible to other transactions yet
    assert cache.get("kept", "{}") == sid
