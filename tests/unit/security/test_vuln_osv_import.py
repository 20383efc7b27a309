"""OSV parsing and the incremental import plan (modified, withdrawn, non-OSV files)."""

from __future__ import annotations

import pytest

from vigil.security.advisory_import import index_keys, parse_time, plan_import
from vigil.security.osv import AdvisoryError, decode_document, parse_advisory


def _doc(adv_id: str, modified: str, **extra: object) -> dict[str, object]:
    return {"id": adv_id, "modified": modified,
            "affected": [{"package": {"ecosystem": "PyPI", "name": "Some_Pkg"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}],
            **extra}


def test_yaml_keeps_versions_and_times_as_strings() -> None:
    doc = decode_document(b"id: X\nmodified: 2024-01-01T00:00:00Z\nv: 1.10\nw: 3\nb: true\n",
                          "x.yaml")
    assert doc == {"id": "X", "modified": "2024-01-01T00:00:00Z", "v": "1.10", "w": "3",
                   "b": True}


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"{not json", "a.json", "invalid JSON"),
    (b"id: [unclosed", "a.yaml", "invalid YAML"),
])
def test_undecodable_documents(data: bytes, name: str, message: str) -> None:
    with pytest.raises(AdvisoryError, match=message):
        decode_document(data, name)


@pytest.mark.parametrize(("doc", "message"), [
    ({"modified": "2024"}, "string id"),
    ({"id": "X"}, "missing modified"),
    ({"id": "X", "modified": "t", "affected": [{"package": {"name": "a"}}]}, "ecosystem"),
    ({"id": "X", "modified": "t", "affected": [{"package": {"name": "a", "ecosystem": "PyPI"},
      "ranges": [{"type": "ECOSYSTEM", "events": [{"broken": "1"}]}]}]}, "unknown event"),
])
def test_invalid_advisories(doc: dict[str, object], message: str) -> None:
    with pytest.raises(AdvisoryError, match=message):
        parse_advisory(doc)


def test_index_keys_are_normalised() -> None:
    assert index_keys(parse_advisory(_doc("A", "2024-01-01T00:00:00Z"))) == [("pypi", "some-pkg")]


def test_plan_is_incremental_by_modified() -> None:
    stored = {"A": "2024-01-01T00:00:00Z", "B": "2024-01-01T00:00:00Z"}
    plan = plan_import([
        ("a.json", _doc("A", "2024-01-01T00:00:00Z")),       # unchanged
        ("b.json", _doc("B", "2024-02-01T00:00:00.5Z")),     # newer: stored again
        ("c.json", _doc("C", "2023-01-01T00:00:00Z")),       # new
    ], stored)
    assert sorted(plan.store) == ["B", "C"]
    assert plan.unchanged == 1


def test_withdrawn_is_skipped_and_removes_a_stored_copy() -> None:
    plan = plan_import([
        ("a.json", _doc("A", "2024-03-01T00:00:00Z", withdrawn="2024-03-01T00:00:00Z")),
        ("n.json", _doc("N", "2024-03-01T00:00:00Z", withdrawn="2024-03-01T00:00:00Z")),
    ], {"A": "2024-01-01T00:00:00Z"})
    assert plan.store == {}
    assert plan.delete == {"A"}
    assert plan.withdrawn == 2


def test_duplicates_keep_the_latest_and_errors_are_collected() -> None:
    plan = plan_import([
        ("old.json", _doc("A", "2024-01-01T00:00:00Z", summary="old")),
        ("new.json", _doc("A", "2024-05-01T00:00:00Z", summary="new")),
        ("older.json", _doc("A", "2023-05-01T00:00:00Z", summary="older")),
        ("config.json", {"name": "not osv"}),
        ("bad.json", {"id": "Z", "modified": "x", "affected": ["nope"]}),
    ], {})
    assert plan.store["A"][0].summary == "new"
    assert plan.not_osv == 1
    assert len(plan.errors) == 1
    assert plan.errors[0].startswith("bad.json")


def test_parse_time_accepts_rfc3339_variants() -> None:
    assert parse_time("2024-01-01T00:00:00Z") < parse_time("2024-01-01T00:00:00.1Z")
    assert parse_time("garbage").year == 1970
