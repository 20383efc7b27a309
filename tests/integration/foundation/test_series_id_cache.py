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


def test_a_handle_at_a_freed_handles_address_does_not_get_its_series_ids(
        db: object, settings: object, tmp_path: object) -> None:
    """The ingest caches belong to the engine object, not to an id() that outlives it.

    CPython gives a new object the address of one just freed, so a cache keyed by
    id(handle) served a new handle on a fresh database the series ids of another one:
    its first ingest failed its foreign key (or wrote into the wrong series).
    """
    import time
    from pathlib import Path

    from vigil.config import Settings
    from vigil.core.ingest import SeriesInput
    from vigil.services.ingest import ingest
    from vigil.storage.database import Database, open_database
    from vigil.storage.migrate import upgrade
    from vigil.storage.models import SeriesRow

    assert isinstance(db, Database) and isinstance(settings, Settings)
    assert isinstance(tmp_path, Path)
    now = time.time()
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    upgrade(other_url)
    other = open_database(Settings(database_url=other_url))
    other_engine, other_sessions = other.engine, other.sessions  # kept alive: only the handle goes
    try:
        ingest(other, settings, [SeriesInput("padding", {}, [(now, 1.0)]),
                                 SeriesInput("probe", {}, [(now, 1.0)])], now=now)
        address = id(other)
        del other
        # New handles on the test's empty database until one sits at the freed address:
        # CPython hands out every free block of a size class before taking new memory.
        spares = []
        for _ in range(1_000_000):
            handle = Database(db.engine, db.sessions)
            if id(handle) == address:
                break
            spares.append(handle)
        assert id(handle) == address, "no new handle was allocated at the freed address"
        del spares
        report = ingest(handle, settings, [SeriesInput("probe", {}, [(now, 2.0)])], now=now)
        assert report.accepted == 1
        with handle.session() as session:
            stored = session.get(SeriesRow, report.series_ids[0])
            assert stored is not None and stored.name == "probe"
    finally:
        other_engine.dispose()
        del other_sessions
