"""Series naming and partitioning of source series."""

from __future__ import annotations

from vigil.sources.naming import SOURCE_LABEL, is_source_series, partition_of, series_identity


def test_a_series_is_named_by_its_query_key_and_labels() -> None:
    ident = series_identity("prod", "cpu", {"__name__": "x", "instance": "a:9100", "env": ""})
    assert ident.name == "cpu"
    assert ident.labels == {"instance": "a:9100", SOURCE_LABEL: "prod"}
    assert ident.source_labels == {"instance": "a:9100"}
    assert is_source_series(ident.labels)
    assert not is_source_series(ident.source_labels)


def test_the_key_does_not_depend_on_label_order() -> None:
    a = series_identity("s", "q", {"a": "1", "b": "2"})
    b = series_identity("s", "q", {"b": "2", "a": "1"})
    assert a.key == b.key
    assert series_identity("t", "q", {"a": "1", "b": "2"}).key != a.key


def test_partitions_are_stable_and_spread() -> None:
    keys = [series_identity("s", "q", {"i": str(i)}).key for i in range(2000)]
    parts = [partition_of("s", "q", k, 16) for k in keys]
    assert parts == [partition_of("s", "q", k, 16) for k in keys]
    assert set(parts) == set(range(16))
    assert max(parts.count(p) for p in range(16)) < 2 * 2000 / 16
