"""One measurement: Argo's outcome table, plus the rule that no data never counts as success."""

from __future__ import annotations

import math

import pytest

from analysis.conditions import compile_condition
from analysis.providers.base import Matrix, QueryResult, Sample, Scalar, Series, Vector
from analysis.threshold import judge_threshold

NAN = math.nan


def vec(*values: float) -> Vector:
    return Vector(samples=tuple(Sample({}, v) for v in values))


def judge(
    result: QueryResult, success: str | None = None, failure: str | None = None
) -> tuple[str, str]:
    outcome = judge_threshold(
        name="m",
        result=result,
        success=compile_condition(success) if success else None,
        failure=compile_condition(failure) if failure else None,
    )
    return outcome.phase, outcome.reason


@pytest.mark.parametrize(
    ("value", "success", "failure", "phase"),
    [
        (0.97, "result[0] >= 0.95", "result[0] < 0.90", "Successful"),
        (0.85, "result[0] >= 0.95", "result[0] < 0.90", "Failed"),
        (0.92, "result[0] >= 0.95", "result[0] < 0.90", "Inconclusive"),
        (0.99, "result[0] >= 0.95", "result[0] > 0.98", "Failed"),  # failure takes precedence
        (0.97, "result[0] >= 0.95", None, "Successful"),
        (0.85, "result[0] >= 0.95", None, "Failed"),
        (0.01, None, "result[0] > 0.05", "Successful"),
        (0.10, None, "result[0] > 0.05", "Failed"),
        (0.50, None, None, "Successful"),
    ],
)
def test_argo_outcome_table(
    value: float, success: str | None, failure: str | None, phase: str
) -> None:
    assert judge(vec(value), success, failure)[0] == phase


@pytest.mark.parametrize(
    ("result", "success", "failure", "phase"),
    [
        # empty vector: Argo's index error → Error; the idioms keep their intent minus success
        (vec(), "result[0] >= 0.95", None, "Error"),
        (vec(), "len(result) == 0 || result[0] >= 0.95", None, "Inconclusive"),
        (vec(), "len(result) > 0 && result[0] >= 0.95", None, "Failed"),
        (vec(), "default(result, 1.0) >= 0.95", None, "Inconclusive"),
        (vec(), "result >= 0.95", None, "Error"),
        (vec(), None, "result[0] < 0.9", "Error"),
        (vec(), None, "len(result) > 0 && result[0] < 0.9", "Inconclusive"),
        (vec(), None, None, "Inconclusive"),
        # NaN (0/0, no traffic): comparisons are false; success is impossible
        (Scalar(NAN), "result >= 0.95", None, "Failed"),
        (Scalar(NAN), "result >= 0.95", "result < 0.90", "Inconclusive"),
        (Scalar(NAN), None, "result < 0.90", "Inconclusive"),
        (Scalar(NAN), "isNaN(result) || result >= 0.95", None, "Inconclusive"),
        (vec(NAN), "result[0] >= 0.95", None, "Failed"),
        (vec(0.99, NAN), "result.all(x, x >= 0.95)", None, "Failed"),
        (vec(0.99, NAN), None, None, "Inconclusive"),
        (Scalar(NAN), None, None, "Inconclusive"),
        # ±Inf is a number
        (Scalar(math.inf), "result <= 0.3", None, "Failed"),
        (Scalar(-math.inf), "result <= 0.3", None, "Successful"),
    ],
)
def test_no_data_is_never_successful(
    result: QueryResult, success: str | None, failure: str | None, phase: str
) -> None:
    assert judge(result, success, failure)[0] == phase


def test_result_is_a_number_or_a_list_as_documented() -> None:
    assert judge(Scalar(0.97), "result >= 0.95")[0] == "Successful"
    assert judge(Scalar(0.97), "result[0] >= 0.95")[0] == "Successful"
    assert judge(vec(0.97), "result >= 0.95")[0] == "Successful"
    assert judge(vec(0.97), "result[0] >= 0.95")[0] == "Successful"
    assert judge(vec(0.97, 0.99), "result.all(x, x >= 0.95)")[0] == "Successful"
    assert judge(vec(0.97, 0.5), "result[1] >= 0.95")[0] == "Failed"
    matrix = Matrix(series=(Series({}, ((1.0, 0.2), (16.0, 0.25))),))
    assert judge(matrix, "result.all(x, x <= 0.3)")[0] == "Successful"


def test_a_scalar_condition_on_several_series_is_an_error_that_says_so() -> None:
    # tests/data/corpus/argo/26: `result <= 0.3` on a PromQL vector
    phase, reason = judge(vec(0.2, 0.4), "result <= 0.3", "result > 0.3")
    assert phase == "Error"
    assert "2 series" in reason and "result[0]" in reason


def test_a_condition_that_is_not_boolean_or_mistyped_is_an_error() -> None:
    assert judge(vec(0.97), "result[0]")[0] == "Error"
    assert judge(Scalar(0.97), "result * 100 > 95")[0] == "Error"


@pytest.mark.parametrize(
    ("result", "success", "failure", "reason"),
    [
        (
            vec(0.87),
            "result[0] >= 0.95",
            None,
            "m 0.87 < 0.95 (successCondition result[0] >= 0.95)",
        ),
        (
            vec(0.97),
            "result[0] >= 0.95",
            None,
            "m 0.97 >= 0.95 (successCondition result[0] >= 0.95)",
        ),
        (Scalar(0.12), None, "result > 0.05", "m 0.12 > 0.05 (failureCondition result > 0.05)"),
        (
            vec(0.97),
            "len(result) == 0 || result[0] >= 0.95",
            None,
            "m 0.97 >= 0.95 (successCondition len(result) == 0 || result[0] >= 0.95)",
        ),
        (
            vec(0.97),
            "!(result[0] < 0.95)",
            None,
            "m [0.97]: successCondition !(result[0] < 0.95) holds",
        ),
        (Scalar(math.inf), "result < 1.0", None, "m +Inf: successCondition result < 1.0 is false"),
        (Scalar(0.01), None, "result > 0.05", "m 0.01 <= 0.05 (failureCondition result > 0.05)"),
        (
            vec(0.92),
            "result[0] >= 0.95",
            "result[0] < 0.9",
            "m [0.92]: neither successCondition result[0] >= 0.95 "
            "nor failureCondition result[0] < 0.9 holds",
        ),
        (
            vec(0.5, 0.7),
            "result.all(x, x < 0.6)",
            None,
            "m [0.5, 0.7]: successCondition result.all(x, x < 0.6) is false",
        ),
        (
            Scalar(NAN),
            "result >= 0.95",
            None,
            "m NaN: NaN cannot satisfy successCondition result >= 0.95",
        ),
        (
            vec(),
            "len(result) == 0 || result[0] >= 0.95",
            None,
            "m []: no data (no series) never counts as success",
        ),
        (
            vec(),
            "result[0] >= 0.95",
            None,
            "m []: no data: the query returned no series (result[0] >= 0.95)",
        ),
    ],
)
def test_reasons_are_one_line_a_person_understands(
    result: QueryResult, success: str | None, failure: str | None, reason: str
) -> None:
    assert judge(result, success, failure)[1] == reason
