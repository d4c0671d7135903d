"""Every shape of Prometheus answer maps to a result or to the right branch of the error tree."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from analysis.providers.base import Matrix, Scalar, Vector
from analysis.providers.envelope import parse_answer
from rollout_engine.errors import BadResult, ProviderUnavailable, QueryError

SRC = "http://prom:9090"


def _parse(doc: Any, status: int = 200) -> Any:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return parse_answer(status=status, body=body, source=SRC)


def _ok(kind: str, result: Any, **extra: Any) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": kind, "result": result}, **extra}


def test_scalar_keeps_its_type_and_nan() -> None:
    result = _parse(_ok("scalar", [1714521600, "NaN"]))
    assert isinstance(result, Scalar)
    assert math.isnan(result.value)


def test_vector_with_several_series_keeps_labels_order_and_infinities() -> None:
    result = _parse(
        _ok(
            "vector",
            [
                {"metric": {"track": "canary"}, "value": [1, "+Inf"]},
                {"metric": {"track": "stable"}, "value": [1, "-Inf"]},
                {"metric": {}, "value": [1, "0.25"]},
            ],
        )
    )
    assert isinstance(result, Vector)
    assert [s.labels for s in result.samples] == [{"track": "canary"}, {"track": "stable"}, {}]
    assert result.values == (math.inf, -math.inf, 0.25)


def test_empty_vector_is_a_result_not_an_error() -> None:
    assert _parse(_ok("vector", [])) == Vector(samples=())


def test_matrix_flattens_points_in_order() -> None:
    result = _parse(
        _ok(
            "matrix",
            [
                {"metric": {"a": "1"}, "values": [[1, "1"], [16, "2"]]},
                {"metric": {"a": "2"}, "values": [[1, "3"]]},
            ],
        )
    )
    assert isinstance(result, Matrix)
    assert result.values == (1.0, 2.0, 3.0)
    assert result.series[0].points == ((1.0, 1.0), (16.0, 2.0))


def test_warnings_travel_with_the_result_on_one_line() -> None:
    result = _parse(_ok("vector", [], warnings=["PromQL info:\n  metric might not be a counter"]))
    assert result.warnings == ("PromQL info: metric might not be a counter",)


@pytest.mark.parametrize(
    ("status", "doc", "error", "text"),
    [
        (
            400,
            {"status": "error", "errorType": "bad_data", "error": "parse error at char 5"},
            QueryError,
            "bad_data: parse error at char 5",
        ),
        (
            422,
            {"status": "error", "errorType": "execution", "error": "too many samples"},
            QueryError,
            "execution",
        ),
        (
            200,
            {"status": "error", "errorType": "bad_data", "error": "x"},
            QueryError,
            "rejected the query",
        ),
        (
            503,
            {"status": "error", "errorType": "timeout", "error": "query timed out"},
            ProviderUnavailable,
            "HTTP 503 (timeout",
        ),
        (500, b"<html>internal error</html>", ProviderUnavailable, "HTTP 500"),
        (502, b"Bad Gateway", ProviderUnavailable, "HTTP 502"),
        (401, b"Unauthorized", ProviderUnavailable, "refused the credentials: HTTP 401"),
        (
            403,
            {"status": "error", "errorType": "forbidden", "error": "no"},
            ProviderUnavailable,
            "HTTP 403",
        ),
        (404, b"404 page not found", ProviderUnavailable, "HTTP 404"),
        (400, b"bad request", QueryError, "HTTP 400"),
        (200, b"<html>login</html>", BadResult, "not JSON"),
        (200, b"\xff\xfe", BadResult, "not JSON"),
        (200, [1, 2], BadResult, "not an object"),
        (200, {"status": "success"}, BadResult, "data object"),
        (200, {"data": {}}, BadResult, "without status success"),
        (
            200,
            {"status": "success", "data": {"resultType": "string", "result": [1, "x"]}},
            BadResult,
            "string",
        ),
        (
            200,
            {"status": "success", "data": {"resultType": "table", "result": []}},
            BadResult,
            "unknown resultType",
        ),
        (
            200,
            {"status": "success", "data": {"resultType": "vector", "result": {}}},
            BadResult,
            "must be a list",
        ),
        (
            200,
            {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}}]}},
            BadResult,
            "needs metric and value",
        ),
        (
            200,
            {
                "status": "success",
                "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "abc"]}]},
            },
            BadResult,
            "not a number",
        ),
        (
            200,
            {
                "status": "success",
                "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, 2.5]}]},
            },
            BadResult,
            "[time",
        ),
        (
            200,
            {
                "status": "success",
                "data": {"resultType": "vector", "result": [{"metric": {}, "value": ["x", "1"]}]},
            },
            BadResult,
            "time must be a number",
        ),
        (
            200,
            {
                "status": "success",
                "data": {
                    "resultType": "vector",
                    "result": [{"metric": {"a": 1}, "value": [1, "1"]}],
                },
            },
            BadResult,
            "labels",
        ),
        (
            200,
            {
                "status": "success",
                "data": {"resultType": "vector", "result": [{"metric": {}, "histogram": [1, {}]}]},
            },
            BadResult,
            "native histogram",
        ),
        (
            200,
            {
                "status": "success",
                "data": {"resultType": "matrix", "result": [{"metric": {}, "value": [1, "1"]}]},
            },
            BadResult,
            "needs metric and values",
        ),
        (
            200,
            {"status": "success", "data": {"resultType": "scalar", "result": "1"}},
            BadResult,
            "[time",
        ),
    ],
)
def test_failures_map_onto_the_exception_tree(
    status: int, doc: Any, error: type[Exception], text: str
) -> None:
    with pytest.raises(error) as caught:
        _parse(doc, status)
    assert text in str(caught.value)


def test_server_messages_are_cut_to_one_short_line() -> None:
    doc = {"status": "error", "errorType": "bad_data", "error": "x\n" * 500}
    with pytest.raises(QueryError) as caught:
        _parse(doc, 400)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 300
