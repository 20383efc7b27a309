"""Parsing query_range answers: matrices become series; anything else is a query error."""

from __future__ import annotations

import math

import pytest

from vigil.sources.response import QueryError, check_series_cap, finite_points, parse_query_range


def matrix(*series: tuple[dict[str, str], list[list[object]]]) -> dict[str, object]:
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": labels, "values": values} for labels, values in series]}}


def test_a_matrix_becomes_series_with_float_points() -> None:
    body = matrix(({"__name__": "up", "job": "a"}, [[1700000000, "1"], [1700000060.5, "NaN"]]),
                  ({}, [[1700000000, "+Inf"]]))
    first, second = parse_query_range(body)
    assert first.labels == {"__name__": "up", "job": "a"}
    assert first.ts.tolist() == [1700000000.0, 1700000060.5]
    assert first.values[0] == 1.0 and math.isnan(first.values[1])
    assert second.labels == {} and math.isinf(second.values[0])
    assert finite_points(first).ts.tolist() == [1700000000.0]
    assert len(finite_points(second).ts) == 0


@pytest.mark.parametrize("kind", ["scalar", "string", "vector"])
def test_other_result_types_are_named(kind: str) -> None:
    with pytest.raises(QueryError, match=f"returns a {kind}, not a range vector"):
        parse_query_range({"status": "success", "data": {"resultType": kind, "result": []}})


def test_an_error_answer_carries_the_servers_message() -> None:
    body = {"status": "error", "errorType": "bad_data", "error": "parse error at char 5"}
    with pytest.raises(QueryError, match="bad_data: parse error at char 5"):
        parse_query_range(body)


@pytest.mark.parametrize("body", [
    [], {"status": "success"}, {"status": "success", "data": {"resultType": "matrix"}},
    {"status": "success", "data": {"resultType": "matrix", "result": [{"values": []}]}},
    {"status": "success", "data": {"resultType": "matrix",
                                   "result": [{"metric": {}, "values": [[1, "x"]]}]}},
    {"status": "success", "data": {"resultType": "matrix",
                                   "result": [{"metric": {}, "values": [[1]]}]}},
])
def test_malformed_answers_are_query_errors(body: object) -> None:
    with pytest.raises(QueryError):
        parse_query_range(body)


def test_series_cap() -> None:
    check_series_cap(10, 10)
    with pytest.raises(QueryError, match="returns 100001 series, over the cap of 100000"):
        check_series_cap(100_001, 100_000)
